"""The report's worker processes (pipelines/resources.py ReportRenderer): starting them, and their
life in the worker. Light on purpose (no Dagster, no DuckDB): ``hotline run`` starts the workers
before it imports anything heavy, so that their loading of matplotlib and python-docx runs on
another CPU while the run's own process loads Dagster and its instance.

The workers are started with ``spawn``: a fresh interpreter, never a fork of a process holding
DuckDB and Dagster threads."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

# A pool started ahead of the run (start_early), waiting to be adopted by the run's renderer.
_early: tuple[int, ProcessPoolExecutor] | None = None


def new_pool(workers: int, start: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, ``start`` of them started (and loading) now rather than at
    the first task."""
    context = multiprocessing.get_context("spawn")
    # one worker loads at a time: on a small machine they share the one CPU the run's own process
    # leaves free, instead of taking the run's CPU too
    loading = context.Lock()
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=warm, initargs=(loading,))
    for _ in range(start):
        pool.submit(ready)
    return pool


def start_early(workers: int) -> None:
    """Start every worker now, for the run this process is about to make (the CLI's first act)."""
    global _early
    if workers > 0 and _early is None:
        _early = (workers, new_pool(workers, workers))


def adopt(workers: int) -> ProcessPoolExecutor | None:
    """The pool started early, if it has the size the renderer wants (it then owns it)."""
    global _early
    if _early is None or _early[0] != workers:
        return None
    pool, _early = _early[1], None
    return pool


# --------------------------------------------------------------------------- in the worker
def warm(loading) -> None:
    """Start a worker: load the renderers (matplotlib, python-docx, jinja2, xlsxwriter) and the
    chart style once, while no other worker of the pool is loading (``loading``: a lock)."""
    import atexit

    with loading:
        from hotline.report import charts, docx_render, html_render, tasks, xlsx_render  # noqa: F401

        charts.style()
    atexit.register(_exit_now)
    _exit_with_parent()


def ready() -> bool:
    return True


def _exit_now() -> None:
    """A worker's last act when the pool shuts down: every task's file is written, closed and
    synced, so skip the interpreter's teardown of the renderers' modules, which the run would
    wait for (BENCHMARKS.md has the cost)."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _exit_with_parent() -> None:
    """End this worker when the run's process ends, however it ends. A worker holds both ends of
    its task pipe, so a parent killed without shutting the pool down (SIGKILL, OOM) would leave it
    waiting for tasks forever."""
    import multiprocessing.connection
    import os
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
