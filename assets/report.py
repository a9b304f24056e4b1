"""The monthly report (月报): ``reports/YYYY-MM/月报.docx``, ``月报.html``, ``月报.md``, ``附表.xlsx`` and
the charts as PNG, laid out as the seed report.

One multi-asset renders all of a month's files from one read of the marts (hotline/report/
data.py: SELECTs only, no rule recomputed here), so the four documents always agree; the rendering
is the core's (hotline/report/render.py). The charts and documents are drawn in the renderer's
worker processes (pipelines/resources.py ReportRenderer), all months of a range at once. Every file
is written atomically (temporary file, then rename).

Draft convention: what needs a person (what a hotspot's problems mainly concern, a typical case)
is drafted with the marts' facts and a placeholder 【待补充：…（key）】, red on yellow in the DOCX and
HTML, under a "草稿" header/banner while any remains. The analyst fills it by writing the text into
``data/months/YYYY-MM/notes.md`` under a heading ``## 补充：<key>`` (the text replaces the paragraph on
the next run), or by editing the DOCX directly. The non-blocking check ``report_has_no_placeholders``
warns how many remain in the rendered report, so nobody sends a draft by accident."""

from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from assets.keys import CHARTS, DOCX, HTML, MARKDOWN, MARTS, RULES, UNITS, XLSX
from hotline.report.render import DOCX_NAME, docx_placeholders, render_months, report_write_problem
from hotline.warehouse import months_of, open_warehouse
from pipelines.partitions import MONTHLY, assessment_months
from pipelines.resources import HotlinePaths, ReportRenderer

MART_DEPS = [*MARTS, UNITS, RULES]

PREVIEW_CHARS = 20000


# the kind of each document in what render_months returns
DOCUMENT_KINDS = {DOCX: "docx", HTML: "html", MARKDOWN: "markdown", XLSX: "xlsx"}


def report_write_failure(exc: OSError, paths: HotlinePaths) -> Failure:
    """A report file that cannot be written: the run fails with the core's plain message."""
    return Failure(description=report_write_problem(exc, paths.reports_dir))


@multi_asset(
    specs=[
        AssetSpec(
            CHARTS,
            deps=MART_DEPS,
            group_name="report",
            kinds={"matplotlib"},
            description="The report's charts as PNG (reports/YYYY-MM/chart_*.png): orders per channel, request "
            "types, hotspot shares, enterprise orders per unit, and the 13-month trend of orders and "
            "of the top hotspots.",
        ),
        AssetSpec(
            DOCX,
            deps=[CHARTS],
            group_name="report",
            kinds={"docx"},
            description="月报.docx: what the office edits and prints "
            "(A4, 仿宋/黑体, real tables, charts, page numbers).",
        ),
        AssetSpec(
            HTML,
            deps=[CHARTS],
            group_name="report",
            kinds={"html"},
            description="月报.html: one self-contained file (charts inline), prints cleanly.",
        ),
        AssetSpec(
            MARKDOWN,
            deps=[CHARTS],
            group_name="report",
            kinds={"markdown"},
            description="月报.md: the same text and tables in Markdown.",
        ),
        AssetSpec(
            XLSX,
            deps=[CHARTS],
            group_name="report",
            kinds={"xlsx"},
            description="附表.xlsx: tables 1–5, one sheet each, headers as printed.",
        ),
    ],
    **MONTHLY,
)
def monthly_report(
    context: AssetExecutionContext, warehouse: DuckDBResource, paths: HotlinePaths, renderer: ReportRenderer
):
    from hotline.report.data import load_report_data

    with open_warehouse(warehouse) as con:  # held only while the marts are read
        data = {month: load_report_data(con, month, paths.month_dir(month)) for month in months_of(context)}
    try:
        rendered = render_months(data, paths, renderer.executor())
    except OSError as exc:
        raise report_write_failure(exc, paths) from None
    # one line for all months (each log line is an event Dagster stores)
    context.log.info(
        "\n".join(
            f"{month}: report written to {files['folder']}"
            + (
                f" — DRAFT, {len(files['placeholders'])} placeholder(s) 【待补充】 to fill"
                if files["placeholders"]
                else ""
            )
            for month, files in rendered.items()
        )
    )
    last = rendered[months_of(context)[-1]]
    months_meta = MetadataValue.json({m: str(r["folder"]) for m, r in rendered.items()})
    yield MaterializeResult(
        asset_key=CHARTS,
        metadata={
            "folder": MetadataValue.path(str(last["folder"])),
            "months": months_meta,
            **{f"chart {k}": MetadataValue.path(str(p)) for k, p in last["charts"].items()},
        },
    )
    for key in (DOCX, HTML, MARKDOWN, XLSX):
        metadata: dict[str, Any] = {
            "path": MetadataValue.path(str(last["files"][DOCUMENT_KINDS[key]])),
            "months": months_meta,
            "placeholders": MetadataValue.int(len(last["placeholders"])),
        }
        if key == MARKDOWN:
            metadata["preview"] = MetadataValue.md(last["markdown"][:PREVIEW_CHARS])
        yield MaterializeResult(asset_key=key, metadata=metadata)


@asset_check(
    asset=DOCX,
    blocking=False,
    partitions_def=assessment_months,
    description="The rendered 月报.docx has no 【待补充：…】 placeholder left. A WARN, not a failure: the "
    "draft is expected until the analyst fills in the text (notes.md '## 补充：<key>', or "
    "the DOCX itself), but nobody should send it before.",
)
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
        description=(
            "no placeholder left: the report can be sent"
            if total == 0
            else f"{total} placeholder(s) 【待补充】 left: a draft, do not send it yet.\n" + "\n".join(lines[:50])
        ),
        metadata={
            "placeholders": MetadataValue.int(total),
            "per month": MetadataValue.json({m: len(v) for m, v in remaining.items()}),
        },
    )
