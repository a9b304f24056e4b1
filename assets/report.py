"""The monthly report (月报): ``reports/YYYY-MM/月报.docx``, ``月报.html``, ``月报.md``, ``附表.xlsx`` and
the charts as PNG, laid out as the seed report.

One multi-asset renders all of a month's files from one read of the marts (hotline/report/
data.py: SELECTs only, no rule recomputed here), so the four documents always agree. The charts and
documents are drawn in the renderer's worker processes (pipelines/resources.py ReportRenderer), all
months of a range at once. Every file is written atomically (temporary file, then rename).

Draft convention: what needs a person (what a hotspot's problems mainly concern, a typical case)
is drafted with the marts' facts and a placeholder 【待补充：…（key）】, red on yellow in the DOCX and
HTML, under a "草稿" header/banner while any remains. The analyst fills it by writing the text into
``data/months/YYYY-MM/notes.md`` under a heading ``## 补充：<key>`` (the text replaces the paragraph on
the next run), or by editing the DOCX directly. The non-blocking check ``report_has_no_placeholders``
warns how many remain in the rendered report, so nobody sends a draft by accident."""


from concurrent.futures import Executor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from hotline.report.model import PLACEHOLDER_CLOSE, PLACEHOLDER_OPEN
from hotline.warehouse import months_of, open_warehouse
from pipelines.partitions import MONTHLY, assessment_months
from pipelines.resources import HotlinePaths, ReportRenderer

if TYPE_CHECKING:
    from hotline.report.data import ReportData

MART_DEPS = [AssetKey(["mart", name]) for name in (
    "overview", "channel_counts", "request_type_shares", "unit_scores", "unit_highlights", "enterprise_scores",
    "onsite_2h", "hotspots", "hotspot_places", "enterprise_summary", "anomalies",
    "hotspot_aspects", "hotspot_terms", "place_clusters")] + [AssetKey(["ref", "units"]), AssetKey(["ref", "rules"])]

DOCX_NAME, HTML_NAME, MD_NAME, XLSX_NAME = "月报.docx", "月报.html", "月报.md", "附表.xlsx"
CHARTS, DOCX, HTML, MARKDOWN, XLSX = (AssetKey(["report", n]) for n in ("charts", "docx", "html", "markdown", "xlsx"))
PREVIEW_CHARS = 20000


def report_date(setting: Any) -> date:
    """The date under the title: the rules' report.date ('YYYY-MM-DD'), else today."""
    if setting in (None, ""):
        return date.today()
    return setting if isinstance(setting, date) else date.fromisoformat(str(setting))


def render_months(data: dict[str, "ReportData"], paths: HotlinePaths, executor: Executor) -> dict[str, dict[str, Any]]:
    """Render the report files of the months whose marts ``data`` holds (hotline/report/
    data.py); per month: the files' paths, the Markdown and the placeholders.

    The report model is built here; the charts, then the documents that show them, are drawn and
    written by the executor's tasks (the renderer's worker processes), every month's charts queued
    first so that the workers never wait."""
    from hotline.report import tasks
    from hotline.report.model import CHART_FILES
    from hotline.report.files import atomic_write_text
    from hotline.report.markdown_render import render_markdown
    from hotline.report.text import build_report

    months = list(data)
    charts = {month: {key: executor.submit(tasks.draw_chart, key, data[month], paths.report_dir(month) / name)
                      for key, name in CHART_FILES.items()} for month in months}
    rendered, documents = {}, {}
    for month in months:
        folder = paths.report_dir(month)
        # the model and the Markdown only name the chart files: built while the workers draw them
        chart_paths = {key: folder / name for key, name in CHART_FILES.items()}
        report = build_report(data[month], report_date(data[month].settings.get("date")), chart_paths)
        markdown = render_markdown(report)
        rendered[month] = {"files": {MARKDOWN: atomic_write_text(folder / MD_NAME, markdown)}, "charts": chart_paths,
                           "markdown": markdown, "placeholders": report.placeholders(), "folder": folder}
        for future in charts[month].values():  # the DOCX and HTML embed the charts: drawn first
            future.result()
        documents[month] = {DOCX: executor.submit(tasks.write_docx, report, folder / DOCX_NAME),
                            HTML: executor.submit(tasks.write_html, report, folder / HTML_NAME),
                            XLSX: executor.submit(tasks.write_xlsx, report, folder / XLSX_NAME)}
    for month in months:
        rendered[month]["files"].update({key: future.result() for key, future in documents[month].items()})
    return rendered


def report_write_failure(exc: OSError, paths: HotlinePaths) -> Failure:
    """A report file that cannot be written (a read-only or missing reports folder, a full disk):
    which file, why in plain words, and what to do. The warehouse keeps the month's marts."""
    import errno

    why = {errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "the disk is read-only",
           errno.ENOSPC: "no space left on the disk", errno.ENOTDIR: "a part of its path is a file, not a folder",
           errno.EEXIST: "a part of its path is a file, not a folder"}.get(exc.errno,
                                                                           (exc.strerror or str(exc)).lower())
    target = exc.filename or paths.reports_dir
    return Failure(description=f"cannot write {target}: {why}; make the reports folder {paths.reports_dir} writable "
                               "(or point --reports / HOTLINE_REPORTS_DIR to one you can write) and run the month "
                               "again. The month's data and marts are stored; only its report files were not written.")


@multi_asset(
    specs=[
        AssetSpec(CHARTS, deps=MART_DEPS, group_name="report", kinds={"matplotlib"},
                  description="The report's charts as PNG (reports/YYYY-MM/chart_*.png): orders per channel, request "
                              "types, hotspot shares, enterprise orders per unit, and the 13-month trend of orders and "
                              "of the top hotspots."),
        AssetSpec(DOCX, deps=[CHARTS], group_name="report", kinds={"docx"},
                  description="月报.docx: what the office edits and prints (A4, 仿宋/黑体, real tables, charts, page numbers)."),
        AssetSpec(HTML, deps=[CHARTS], group_name="report", kinds={"html"},
                  description="月报.html: one self-contained file (charts inline), prints cleanly."),
        AssetSpec(MARKDOWN, deps=[CHARTS], group_name="report", kinds={"markdown"},
                  description="月报.md: the same text and tables in Markdown."),
        AssetSpec(XLSX, deps=[CHARTS], group_name="report", kinds={"xlsx"},
                  description="附表.xlsx: tables 1–5, one sheet each, headers as printed."),
    ],
    **MONTHLY,
)
def monthly_report(context: AssetExecutionContext, warehouse: DuckDBResource, paths: HotlinePaths,
                   renderer: ReportRenderer):
    from hotline.report.data import load_report_data

    with open_warehouse(warehouse) as con:  # held only while the marts are read
        data = {month: load_report_data(con, month, paths.month_dir(month)) for month in months_of(context)}
    try:
        rendered = render_months(data, paths, renderer.executor())
    except OSError as exc:
        raise report_write_failure(exc, paths) from None
    # one line for all months (each log line is an event Dagster stores)
    context.log.info("\n".join(f"{month}: report written to {files['folder']}"
                               + (f" — DRAFT, {len(files['placeholders'])} placeholder(s) 【待补充】 to fill"
                                  if files["placeholders"] else "") for month, files in rendered.items()))
    last = rendered[months_of(context)[-1]]
    months_meta = MetadataValue.json({m: str(r["folder"]) for m, r in rendered.items()})
    yield MaterializeResult(asset_key=CHARTS, metadata={
        "folder": MetadataValue.path(str(last["folder"])), "months": months_meta,
        **{f"chart {k}": MetadataValue.path(str(p)) for k, p in last["charts"].items()}})
    for key in (DOCX, HTML, MARKDOWN, XLSX):
        metadata: dict[str, Any] = {"path": MetadataValue.path(str(last["files"][key])), "months": months_meta,
                                    "placeholders": MetadataValue.int(len(last["placeholders"]))}
        if key == MARKDOWN:
            metadata["preview"] = MetadataValue.md(last["markdown"][:PREVIEW_CHARS])
        yield MaterializeResult(asset_key=key, metadata=metadata)


WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_placeholders(path: Path) -> list[str]:
    """The 【待补充：…】 placeholders left in a DOCX: body paragraphs and table cells alike, each
    paragraph's text joined across its runs (Word splits a text into runs as it is edited).
    Read straight from word/document.xml: python-docx's object model costs ~10× as much."""
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
            found.append(text[start:end + len(PLACEHOLDER_CLOSE) if end >= 0 else len(text)])
            start = text.find(PLACEHOLDER_OPEN, start + 1)
    return found


@asset_check(asset=DOCX, blocking=False, partitions_def=assessment_months,
             description="The rendered 月报.docx has no 【待补充：…】 placeholder left. A WARN, not a failure: the "
                         "draft is expected until the analyst fills in the text (notes.md '## 补充：<key>', or "
                         "the DOCX itself), but nobody should send it before.")
def report_has_no_placeholders(context: AssetCheckExecutionContext, paths: HotlinePaths) -> AssetCheckResult:
    remaining: dict[str, list[str]] = {}
    for month in months_of(context):
        path = paths.report_dir(month) / DOCX_NAME
        remaining[month] = docx_placeholders(path) if path.exists() else [f"{path} is missing"]
    total = sum(len(v) for v in remaining.values())
    lines = [f"- {m}: {p}" for m, found in remaining.items() for p in found]
    return AssetCheckResult(
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        description=("no placeholder left: the report can be sent" if total == 0 else
                     f"{total} placeholder(s) 【待补充】 left: a draft, do not send it yet.\n" + "\n".join(lines[:50])),
        metadata={"placeholders": MetadataValue.int(total),
                  "per month": MetadataValue.json({m: len(v) for m, v in remaining.items()})},
    )
