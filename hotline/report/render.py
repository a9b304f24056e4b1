"""The report's files for the months whose marts are read, without Dagster: the file names, the
model built and rendered (the charts and documents drawn by an executor: the renderer's worker
processes, or the run's own), what to say when a file cannot be written, and the placeholders left
in a DOCX. The asset (assets/report.py) calls these and reports the files.

Every file is written atomically (temporary file, then rename)."""

from __future__ import annotations

import errno
from concurrent.futures import Executor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hotline.report.model import PLACEHOLDER_CLOSE, PLACEHOLDER_OPEN

if TYPE_CHECKING:
    from hotline.report.data import ReportData

DOCX_NAME, HTML_NAME, MD_NAME, XLSX_NAME = "月报.docx", "月报.html", "月报.md", "附表.xlsx"


class ReportFolders(Protocol):
    """Where a month's report files go (pipelines/resources.py HotlinePaths is one)."""

    def report_dir(self, month: str) -> Path: ...


def report_date(setting: Any) -> date:
    """The date under the title: the rules' report.date ('YYYY-MM-DD'), else today."""
    if setting in (None, ""):
        return date.today()
    return setting if isinstance(setting, date) else date.fromisoformat(str(setting))


def render_months(data: dict[str, ReportData], paths: ReportFolders, executor: Executor) -> dict[str, dict[str, Any]]:
    """Render the report files of the months whose marts ``data`` holds (hotline/report/
    data.py); per month: the files' paths by kind ('markdown', 'docx', 'html', 'xlsx'), the Markdown
    and the placeholders.

    The report model is built here; the charts, then the documents that show them, are drawn and
    written by the executor's tasks (the renderer's worker processes), every month's charts queued
    first so that the workers never wait."""
    # imported here: `hotline status` reads the file names above without loading the renderers
    from hotline.report import tasks
    from hotline.report.files import atomic_write_text
    from hotline.report.markdown_render import render_markdown
    from hotline.report.model import CHART_FILES
    from hotline.report.text import build_report

    months = list(data)
    charts = {
        month: {
            key: executor.submit(tasks.draw_chart, key, data[month], paths.report_dir(month) / name)
            for key, name in CHART_FILES.items()
        }
        for month in months
    }
    rendered, documents = {}, {}
    for month in months:
        folder = paths.report_dir(month)
        # the model and the Markdown only name the chart files: built while the workers draw them
        chart_paths = {key: folder / name for key, name in CHART_FILES.items()}
        report = build_report(data[month], report_date(data[month].settings.date), chart_paths)
        markdown = render_markdown(report)
        rendered[month] = {
            "files": {"markdown": atomic_write_text(folder / MD_NAME, markdown)},
            "charts": chart_paths,
            "markdown": markdown,
            "placeholders": report.placeholders(),
            "folder": folder,
        }
        for future in charts[month].values():  # the DOCX and HTML embed the charts: drawn first
            future.result()
        documents[month] = {
            "docx": executor.submit(tasks.write_docx, report, folder / DOCX_NAME),
            "html": executor.submit(tasks.write_html, report, folder / HTML_NAME),
            "xlsx": executor.submit(tasks.write_xlsx, report, folder / XLSX_NAME),
        }
    for month in months:
        rendered[month]["files"].update({key: future.result() for key, future in documents[month].items()})
    return rendered


def report_write_problem(exc: OSError, reports_dir: Path) -> str:
    """A report file that cannot be written (a read-only or missing reports folder, a full disk):
    which file, why in plain words, and what to do. The warehouse keeps the month's marts."""
    why = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.ENOSPC: "no space left on the disk",
        errno.ENOTDIR: "a part of its path is a file, not a folder",
        errno.EEXIST: "a part of its path is a file, not a folder",
    }.get(exc.errno, (exc.strerror or str(exc)).lower())
    target = exc.filename or reports_dir
    return (
        f"cannot write {target}: {why}; make the reports folder {reports_dir} writable "
        "(or point --reports / HOTLINE_REPORTS_DIR to one you can write) and run the month "
        "again. The month's data and marts are stored; only its report files were not written."
    )


WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_placeholders(path: Path) -> list[str]:
    """The 【待补充：…】 placeholders left in a DOCX: body paragraphs and table cells alike, each
    paragraph's text joined across its runs (Word splits a text into runs as it is edited).
    Read straight from word/document.xml: python-docx's object model is slower (BENCHMARKS.md)."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    found = []
    for paragraph in root.iter(f"{WORD_NS}p"):
        text = "".join(t.text or "" for t in paragraph.iter(f"{WORD_NS}t"))
        start = text.find(PLACEHOLDER_OPEN)
        while start >= 0:
            end = text.find(PLACEHOLDER_CLOSE, start)
            found.append(text[start : end + len(PLACEHOLDER_CLOSE) if end >= 0 else len(text)])
            start = text.find(PLACEHOLDER_OPEN, start + 1)
    return found
