"""``python -m benchmarks.measure OUT.json -- COMMAND…``: run COMMAND as a child, then write its wall
time, exit code and peak memory to OUT.json. A fresh process per measurement, so the peaks are that
command's alone. Two peaks:

* ``peak_mib``: the largest RSS of any one process of its tree (getrusage(RUSAGE_CHILDREN).ru_maxrss);
* ``tree_peak_mib``: the largest sum of the RSS of all its processes at once (the run and the
  report's worker processes), sampled from /proc every SAMPLE_SECONDS: what the machine must hold.
"""

import json
import os
import resource
import subprocess
import sys
import time

SAMPLE_SECONDS = 0.1
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree_rss_kib(root: int) -> int:
    """The summed RSS of ``root`` and all its descendants, now (one read of /proc/PID/stat each)."""
    parent_of, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # the process ended while we looked
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()  # fields 3.. of proc(5): state, ppid, …, rss (24)
        parent_of[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * PAGE_KIB
    total = 0
    for pid, kib in rss.items():
        p = pid
        while p and p != root:
            p = parent_of.get(p, 0)
        if p == root:
            total += kib
    return total


def main(argv: list[str]) -> int:
    out, sep, *command = argv
    assert sep == "--", "usage: python -m benchmarks.measure OUT.json -- COMMAND…"
    start = time.perf_counter()
    tree_peak_kib = 0
    with open(f"{out}.log", "wb") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        while child.poll() is None:
            tree_peak_kib = max(tree_peak_kib, _tree_rss_kib(child.pid))
            time.sleep(SAMPLE_SECONDS)
        code = child.wait()
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "wall_s": wall,
                "peak_mib": peak_kib / 1024,
                "tree_peak_mib": max(tree_peak_kib, peak_kib) / 1024,
                "returncode": code,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
