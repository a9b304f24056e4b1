"""The monthly report (月报): ``reports/YYYY-MM/月报.docx``, ``月报.html``, ``月报.md``, ``附表.xlsx`` and
the charts as PNG, laid out as the seed report.

One multi-asset renders all of a month's files from one read of the marts (assets/report_render/
data.py: SELECTs only, no rule recomputed here), so the four documents always agree. Every file is
written atomically (temporary file, then rename).

Draft convention: what needs a person (what a hotspot's problems mainly concern, a typical case)
is drafted with the marts' facts and a placeholder 【待补充：…（key）】, red on yellow in the DOCX and
HTML, under a "草稿" header/banner while any remains. The analyst fills it by writing the text into
``data/months/YYYY-MM/notes.md`` under a heading ``## 补充：<key>`` (the text replaces the paragraph on
the next run), or by editing the DOCX directly. The non-blocking check ``report_has_no_placeholders``
warns how many remain in the rendered report, so nobody sends a draft by accident."""


from datetime import date
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from assets.reference import MONTHLY
from assets.report_render.model import PLACEHOLDER_OPEN
from assets.warehouse import months_of, open_warehouse
from pipelines.partitions import assessment_months
from pipelines.resources import HotlinePaths

MART_DEPS = [AssetKey(["mart", name]) for name in (
    "overview", "channel_counts", "request_type_shares", "unit_scores", "unit_highlights", "enterprise_scores",
    "onsite_2h", "hotspots", "hotspot_places", "enterprise_summary", "anomalies")] + [AssetKey(["ref", "units"]),
                                                                                     AssetKey(["ref", "rules"])]

DOCX_NAME, HTML_NAME, MD_NAME, XLSX_NAME = "月报.docx", "月报.html", "月报.md", "附表.xlsx"
CHARTS, DOCX, HTML, MARKDOWN, XLSX = (AssetKey(["report", n]) for n in ("charts", "docx", "html", "markdown", "xlsx"))
PREVIEW_CHARS = 20000


def report_date(setting: Any) -> date:
    """The date under the title: the rules' report.date ('YYYY-MM-DD'), else today."""
    if setting in (None, ""):
        return date.today()
    return setting if isinstance(setting, date) else date.fromisoformat(str(setting))


def render_month(con, month: str, paths: HotlinePaths) -> dict[str, Any]:
    # The renderers (matplotlib, python-docx, xlsxwriter, jinja2) load here, not with the
    # definitions: every CLI call and the UI's code server load the definitions, most render nothing.
    from assets.report_render.charts import render_charts
    from assets.report_render.data import load_report_data
    from assets.report_render.docx_render import render_docx
    from assets.report_render.files import atomic_write_bytes, atomic_write_text
    from assets.report_render.html_render import render_html
    from assets.report_render.markdown_render import render_markdown
    from assets.report_render.text import build_report
    from assets.report_render.xlsx_render import render_xlsx

    """Render one month's report files; returns their paths, the Markdown and the placeholders."""
    folder = paths.report_dir(month)
    data = load_report_data(con, month, paths.month_dir(month))
    charts = render_charts(data, folder)
    report = build_report(data, report_date(data.settings.get("date")), charts)
    markdown = render_markdown(report)
    files = {
        DOCX: atomic_write_bytes(folder / DOCX_NAME, render_docx(report)),
        HTML: atomic_write_text(folder / HTML_NAME, render_html(report)),
        MARKDOWN: atomic_write_text(folder / MD_NAME, markdown),
        XLSX: atomic_write_bytes(folder / XLSX_NAME, render_xlsx(report)),
    }
    return {"files": files, "charts": charts, "markdown": markdown, "placeholders": report.placeholders(), "folder": folder}


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
def monthly_report(context: AssetExecutionContext, warehouse: DuckDBResource, paths: HotlinePaths):
    rendered: dict[str, dict[str, Any]] = {}
    with open_warehouse(warehouse) as con:
        for month in months_of(context):
            rendered[month] = render_month(con, month, paths)
            n = len(rendered[month]["placeholders"])
            context.log.info(f"{month}: report written to {rendered[month]['folder']}"
                             + (f" — DRAFT, {n} placeholder(s) 【待补充】 to fill" if n else ""))
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
            end = text.find("】", start)
            found.append(text[start:end + 1 if end >= 0 else len(text)])
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
