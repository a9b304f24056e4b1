"""The report's rendering work as tasks for the renderer's worker processes (pipelines/resources.py
``ReportRenderer``): one chart, or one document of a month. Each task writes its file atomically
and returns its path, so a month's tasks can run in any process, in any order, and a range of
months keeps every CPU busy. Loading the marts and building the report model stay in the run's
own process (they read the warehouse); only drawing and writing files happens here."""

from __future__ import annotations

from pathlib import Path

from assets.report_render.data import ReportData
from assets.report_render.model import Report


def warm() -> None:
    """Start a worker: load the renderers (matplotlib, python-docx, jinja2, xlsxwriter: ~2 s) and
    the chart style once, while the run is still ingesting and computing the marts."""
    import atexit

    from assets.report_render import charts, docx_render, html_render, xlsx_render  # noqa: F401

    charts.style()
    atexit.register(_exit_now)
    _exit_with_parent()


def _exit_with_parent() -> None:
    """End this worker when the run's process ends, however it ends. A worker holds both ends of
    its task pipe, so a parent killed without shutting the pool down (SIGKILL, OOM) would leave it
    waiting for tasks forever."""
    import multiprocessing
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


def _exit_now() -> None:
    """A worker's last act when the pool shuts down: every task's file is written, closed and
    synced, so skip the interpreter's teardown of the renderers' modules (~0.5–1 s per worker,
    which the run would wait for)."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def ready() -> bool:
    return True


def draw_chart(key: str, data: ReportData, path: Path) -> Path:
    from assets.report_render.charts import CHARTS, style

    style()
    return CHARTS[key][1](data, path)


def write_docx(report: Report, path: Path) -> Path:
    from assets.report_render.docx_render import render_docx
    from assets.report_render.files import atomic_write_bytes

    return atomic_write_bytes(path, render_docx(report))


def write_html(report: Report, path: Path) -> Path:
    from assets.report_render.files import atomic_write_text
    from assets.report_render.html_render import render_html

    return atomic_write_text(path, render_html(report))


def write_xlsx(report: Report, path: Path) -> Path:
    from assets.report_render.files import atomic_write_bytes
    from assets.report_render.xlsx_render import render_xlsx

    return atomic_write_bytes(path, render_xlsx(report))
