"""``python -m benchmarks.measure OUT.json -- COMMAND…``: run COMMAND as a child, then write its wall
time, exit code and peak resident memory (the largest RSS of any process of its tree that was
waited for: getrusage(RUSAGE_CHILDREN).ru_maxrss) to OUT.json. A fresh process per measurement,
so the peak is that command's alone."""

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    out, sep, *command = argv
    assert sep == "--", "usage: python -m benchmarks.measure OUT.json -- COMMAND…"
    start = time.perf_counter()
    with open(f"{out}.log", "wb") as log:
        code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"wall_s": wall, "peak_mib": peak_kib / 1024, "returncode": code}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
