"""The report's rendering work as tasks for the renderer's worker processes (pipelines/resources.py
``ReportRenderer``, started and ended by pipelines/report_pool.py): one chart, or one document of a
month. Each task writes its file atomically
and returns its path, so a month's tasks can run in any process, in any order, and a range of
months keeps every CPU busy. Loading the marts and building the report model stay in the run's
own process (they read the warehouse); only drawing and writing files happens here."""

from __future__ import annotations

from pathlib import Path

from assets.report_render.data import ReportData
from assets.report_render.model import Report


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
