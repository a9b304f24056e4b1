"""jieba against rjieba on the generator's 诉求内容 (hotline/generator/texts.py): the time to segment N
distinct texts, with and without part-of-speech tags (the tags find persons' names to drop).

    .venv/bin/python -m benchmarks.segmenters [N]

Each segmenter's dictionary is loaded before the clock starts (a one-off cost, also printed)."""

import sys
import time

import numpy as np

from hotline.generator import vocab
from hotline.generator.texts import contents


def sample_texts(n: int) -> list[str]:
    rng = np.random.default_rng(7)
    keys = [k for k in vocab.CATEGORY_PATHS]
    paths = [p for k in keys for p in vocab.CATEGORY_PATHS[k]]
    places = vocab.COMMUNITIES + vocab.ROADS + [f"沙镇镇{v}村" for v in vocab.VILLAGE_ROOTS]
    picked = [paths[i] for i in rng.integers(0, len(paths), n)]
    where = [places[i] for i in rng.integers(0, len(places), n)]
    names = [vocab.SURNAMES[i] + vocab.GIVEN_NAMES[j] for i, j in zip(rng.integers(0, 40, n), rng.integers(0, 30, n))]
    return list(dict.fromkeys(contents(11, picked, where, names).to_list()))


def timed(label: str, fn, texts: list[str]) -> None:
    start = time.perf_counter()
    for text in texts:
        fn(text)
    seconds = time.perf_counter() - start
    chars = sum(map(len, texts))
    print(f"{label:<22} {seconds:7.2f} s  {len(texts) / seconds:9.0f} texts/s  {chars / seconds / 1e6:6.2f} M chars/s")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    texts = sample_texts(n)
    print(f"{len(texts)} distinct texts, mean {sum(map(len, texts)) / len(texts):.0f} characters")
    start = time.perf_counter()
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.initialize()
    jieba.posseg.lcut("初始化")
    print(f"jieba load {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    import rjieba

    rjieba.tag("初始化")
    print(f"rjieba load {time.perf_counter() - start:.2f} s")
    timed("jieba.lcut", jieba.lcut, texts)
    timed("jieba.posseg.lcut", jieba.posseg.lcut, texts)
    timed("rjieba.cut", rjieba.cut, texts)
    timed("rjieba.tag", rjieba.tag, texts)


if __name__ == "__main__":
    main()
