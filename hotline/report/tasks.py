"""The report's rendering work as tasks for the renderer's worker processes (pipelines/resources.py
``ReportRenderer``, started and ended by hotline/report/pool.py): one chart, or one document of a
month. Each task writes its file atomically
and returns its path, so a month's tasks can run in any process, in any order, and a range of
months keeps every CPU busy. Loading the marts and building the report model stay in the run's
own process (they read the warehouse); only drawing and writing files happens here."""

from __future__ import annotations

from pathlib import Path

from hotline.report.data import ReportData
from hotline.report.model import Report


def draw_chart(key: str, data: ReportData, path: Path) -> Path:
    from hotline.report.charts import CHARTS, style

    style()
    return CHARTS[key][1](data, path)


def write_docx(report: Report, path: Path) -> Path:
    from hotline.report.docx_render import render_docx
    from hotline.report.files import atomic_write_bytes

    return atomic_write_bytes(path, render_docx(report))


def write_html(report: Report, path: Path) -> Path:
    from hotline.report.files import atomic_write_text
    from hotline.report.html_render import render_html

    return atomic_write_text(path, render_html(report))


def write_xlsx(report: Report, path: Path) -> Path:
    from hotline.report.files import atomic_write_bytes
    from hotline.report.xlsx_render import render_xlsx

    return atomic_write_bytes(path, render_xlsx(report))
