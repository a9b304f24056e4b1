"""Unit assessment: tables 1–5 of the report and the named lists of section 二.

Every table is one SQL file (``sql/<table>.sql``) run per month; its parameters come from the
month's stored rules (hotline/marts.py: how decimal settings stay exact); Python here only wires
the tables to Dagster and reports what was written."""

from typing import Any

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
)

from assets.keys import (
    ADJUSTMENTS,
    ASSIGNMENTS,
    ENTERPRISE_SCORES,
    ONSITE_2H,
    RULES,
    UNIT_HIGHLIGHTS,
    UNIT_SCORES,
    UNITS,
)
from assets.steps import Table, log_rows
from hotline.marts import (
    enterprise_params,
    highlights_params,
    onsite_params,
    replace_assessment_months,
    unit_scores_params,
)
from hotline.warehouse import markdown_table, months_of


def _build(
    context: AssetExecutionContext, con, table: str, sql_name: str, params_of, summary: str | None = None
) -> MaterializeResult:
    """Run ``sql/<sql_name>.sql`` for every month of the run into ``table``."""
    months = months_of(context)
    rows, summaries, preview = replace_assessment_months(con, table, sql_name, params_of, months, summary)
    log_rows(context, table, rows)
    metadata: dict[str, Any] = {
        "rows": MetadataValue.int(sum(rows.values())),
        "rows per month": MetadataValue.json(rows),
        f"preview ({months[-1]})": MetadataValue.md(preview),
    }
    if summary:
        metadata["units per group"] = MetadataValue.json(summaries)
    return MaterializeResult(metadata=metadata)


def unit_scores(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(
        context,
        con,
        "mart.unit_scores",
        "unit_scores",
        unit_scores_params,
        "SELECT group_code, count(*) FROM mart.unit_scores WHERE month = $month GROUP BY ALL ORDER BY 1",
    )


def enterprise_scores(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(
        context,
        con,
        "mart.enterprise_scores",
        "enterprise_scores",
        enterprise_params,
        "SELECT unit_group, count(*) FROM mart.enterprise_scores WHERE month = $month GROUP BY ALL ORDER BY 1",
    )


def onsite_2h(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(context, con, "mart.onsite_2h", "onsite_2h", onsite_params)


def unit_highlights(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(
        context,
        con,
        "mart.unit_highlights",
        "unit_highlights",
        highlights_params,
        "SELECT group_code, count(DISTINCT unit) FROM mart.unit_highlights WHERE month = $month GROUP BY ALL ORDER "
        "BY 1",
    )


# --------------------------------------------------------------------------- blocking checks
# The checks of the month's adjustments run in the ingest (assets/ingest.py), before anything of
# the month is written: a blocked month keeps its previous rows, marts and report. Each problem
# names the month, the unit and the file (and row) to fix.
CHECK_PREVIEW = 50


def _check_result(problems: pl.DataFrame, ok: str, fault: str, fix: str) -> AssetCheckResult:
    lines = [
        f"- {r['month']} {r['unit']}: {r['problem']} ({r['where']})"
        for r in problems.head(CHECK_PREVIEW).iter_rows(named=True)
    ]
    return AssetCheckResult(
        passed=problems.height == 0,
        severity=AssetCheckSeverity.ERROR,
        description=ok if problems.height == 0 else f"{problems.height} {fault}. {fix}\n" + "\n".join(lines),
        metadata={
            "problems": MetadataValue.int(problems.height),
            "details": MetadataValue.md(markdown_table(problems, CHECK_PREVIEW) if problems.height else "none"),
        },
    )


# --------------------------------------------------------------------------- the tables as assets


def _spec(key: AssetKey, deps: list[AssetKey], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="assessment", kinds={"duckdb"}, description=description)


ASSESSMENT_TABLES = [
    Table(
        _spec(
            UNIT_SCORES,
            [ASSIGNMENTS, ADJUSTMENTS, UNITS, RULES],
            "Tables 1–3: one row per unit with assignments in the month, grouped town / dept_large / "
            "dept_small (the volume threshold is a rule), with the four rounded scores, 减分项, 质效, "
            "考核/办理/抽测/综合 ranks (competition ranking), list_order as printed, the counts behind "
            "each rate, and 解决率 against the previous month.",
        ),
        unit_scores,
    ),
    Table(
        _spec(
            ENTERPRISE_SCORES,
            [ASSIGNMENTS, UNITS, RULES],
            "Table 4: per unit over its enterprise assignments (企业诉求来源 given): 按时办理率, 解决率 "
            "and 满意率 scores (rule points), 总得分 and its competition rank; list_order breaks ties "
            "by the rules' tie_order.",
        ),
        enterprise_scores,
    ),
    Table(
        _spec(
            ONSITE_2H,
            [ASSIGNMENTS, UNITS, RULES],
            "Table 5: 省接诉即办 assignments per unit and a 合计 row: reached the site within the rules' "
            "hours of dispatch or not, and how the citizen was (not) met.",
        ),
        onsite_2h,
    ),
    Table(
        _spec(
            UNIT_HIGHLIGHTS,
            [UNIT_SCORES, RULES],
            "Section 二's named lists as rows (group_code, list_code, position, unit, short_name, value): "
            "top/bottom of 综合排名 for every group; 解决率, 满意率, 办理时长, 市重办率 and 解决率环比 lists "
            "for towns and large departments. Ties follow 综合排名, then roster order.",
        ),
        unit_highlights,
    ),
]
