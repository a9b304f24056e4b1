"""The text stage alone: ``hotline.text.order_terms`` (mask, segment distinct pieces, filter) on N
orders of the generator's 诉求内容, as the ingest calls it, in one process.

    .venv/bin/python -m benchmarks.text_stage [N]

Prints the distinct texts and the seconds of each part, wall and CPU of this process (a second
process segments half of a large month's pieces: its CPU is not counted, its wall time is) (the CPU
seconds are what the stage costs when other processes share the machine; texts are generated
before the clock)."""

import sys
import time

import numpy as np
import polars as pl

from hotline.generator import vocab
from hotline.generator.synth import CATEGORY_KEYS
from hotline.generator.texts import contents
from hotline.text import mask_contents
from hotline.text.terms import order_terms, segment_pieces


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(5)
    paths = [p for k in CATEGORY_KEYS for p in vocab.CATEGORY_PATHS[k]]
    places = vocab.COMMUNITIES + vocab.ROADS + [f"沙镇镇{v}村" for v in vocab.VILLAGE_ROOTS]
    names = [s + g for s in vocab.SURNAMES for g in vocab.GIVEN_NAMES]
    start = time.perf_counter()
    frame = pl.DataFrame(
        {
            "order_id": [f"GD{i:08d}" for i in range(n)],
            "content": contents(
                3,
                [paths[i] for i in rng.integers(0, len(paths), n)],
                [places[i] for i in rng.integers(0, len(places), n)],
                callers := [names[i] for i in rng.integers(0, len(names), n)],
            ),
            "caller_name": callers,
        }
    )
    content = frame["content"]
    print(
        f"{n} orders generated in {time.perf_counter() - start:.1f} s; "
        f"{content.n_unique()} distinct texts, mean {content.str.len_chars().mean():.0f} characters"
    )
    import rjieba

    rjieba.tag("预热")  # the dictionary, once per process
    start, cpu = time.perf_counter(), time.process_time()
    distinct = mask_contents(frame["content"], frame["caller_name"]).unique()
    mask_s, mask_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    segment_pieces(distinct)
    segment_s, segment_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    terms = order_terms(frame)
    total_s, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"(wall / CPU) mask + distinct {mask_s:.2f} / {mask_cpu:.2f} s ({distinct.len()} distinct masked texts); "
        f"segment {segment_s:.2f} / {segment_cpu:.2f} s; order_terms end to end {total_s:.2f} / {total_cpu:.2f} s "
        f"→ {terms.height} (order, term) rows"
    )


if __name__ == "__main__":
    main()
