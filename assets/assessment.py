"""Unit assessment: tables 1–5 of the report and the named lists of section 二.

Every table is one SQL file (``sql/<table>.sql``) run per month through ``replace_month``; every
number in it comes from the month's stored rules (``ref.rules``), bound as a parameter. Decimal
settings are bound as exact text (``"0.3"``) and scaled to whole numbers in SQL (macro ``e4``), so
no score passes through a binary float."""


from decimal import Decimal
from typing import Any

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from assets.calendar import shift_month
from assets.reference import MONTHLY
from assets.warehouse import fetch, markdown_table, month_rules, months_of, open_warehouse, replace_month, sql_text
from pipelines.partitions import assessment_months

ASSIGNMENTS = AssetKey(["core", "assignments"])
ADJUSTMENTS = AssetKey(["core", "adjustments"])
UNITS = AssetKey(["ref", "units"])
RULES = AssetKey(["ref", "rules"])
ASSESSMENT = dict(key_prefix="mart", group_name="assessment", compute_kind="duckdb", **MONTHLY)
TOTAL_LABEL = "合计"
PREVIEW_ROWS = 60


def exact(value: Any) -> str:
    """A rule setting as exact decimal text: YAML's 0.3 is bound as "0.3", never as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise TypeError(f"rule setting {value!r} is not a number")
    return str(Decimal(str(value)))


def unit_scores_params(rules: dict[str, Any], month: str) -> dict[str, Any]:
    points = rules["scores"]["points"]
    weights = rules["scores"]["overall_rank_weights"]
    return {
        "month": month,
        "prev_month": shift_month(month, -1),
        "dept_large_threshold": int(rules["groups"]["dept_large_threshold"]),
        "points_response": exact(points["response"]),
        "points_ontime": exact(points["ontime"]),
        "points_resolution": exact(points["resolution"]),
        "points_satisfaction": exact(points["satisfaction"]),
        "no_callback_rate": exact(rules["scores"]["no_callback_rate"]),
        "weight_handling": exact(weights["handling_rank"]),
        "weight_sampling": exact(weights["sampling_rank"]),
    }


def enterprise_params(rules: dict[str, Any], month: str) -> dict[str, Any]:
    points = rules["enterprise"]["points"]
    return {
        "month": month,
        "points_ontime": exact(points["ontime"]),
        "points_resolution": exact(points["resolution"]),
        "points_satisfaction": exact(points["satisfaction"]),
        "no_callback_rate": exact(rules["scores"]["no_callback_rate"]),
        "tie_order": rules["enterprise"]["tie_order"],
    }


def onsite_params(rules: dict[str, Any], month: str) -> dict[str, Any]:
    return {"month": month, "within_hours": exact(rules["onsite"]["within_hours"]), "total_label": TOTAL_LABEL}


def highlights_params(rules: dict[str, Any], month: str) -> dict[str, Any]:
    return {"month": month, "top_n": int(rules["highlights"]["top_n"])}


def _build(context: AssetExecutionContext, warehouse: DuckDBResource, table: str, sql_name: str, params_of,
           summary: str | None = None) -> MaterializeResult:
    """Run ``sql/<sql_name>.sql`` for every month of the run into ``table``."""
    rows: dict[str, int] = {}
    summaries: dict[str, Any] = {}
    preview = ""
    with open_warehouse(warehouse) as con:
        for month in months_of(context):
            params = params_of(month_rules(con, month), month)
            meta = replace_month(con, table, sql_text(sql_name), params)
            rows[month] = meta["rows"]
            if summary:
                summaries[month] = dict(fetch(con, summary, {"month": month}).rows())
            preview = markdown_table(fetch(con, f"SELECT * FROM {table} WHERE month = $month", {"month": month}),
                                     PREVIEW_ROWS)
            context.log.info(f"{month}: {table} {meta['rows']} rows")
    metadata: dict[str, Any] = {
        "rows": MetadataValue.int(sum(rows.values())),
        "rows per month": MetadataValue.json(rows),
        f"preview ({months_of(context)[-1]})": MetadataValue.md(preview),
    }
    if summary:
        metadata["units per group"] = MetadataValue.json(summaries)
    return MaterializeResult(metadata=metadata)


@asset(**ASSESSMENT, deps=[ASSIGNMENTS, ADJUSTMENTS, UNITS, RULES],
       description="Tables 1–3: one row per unit with assignments in the month, grouped town / dept_large / "
                   "dept_small (the volume threshold is a rule), with the four rounded scores, 减分项, 质效, "
                   "考核/办理/抽测/综合 ranks (competition ranking), list_order as printed, the counts behind "
                   "each rate, and 解决率 against the previous month.")
def unit_scores(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    return _build(context, warehouse, "mart.unit_scores", "unit_scores", unit_scores_params,
                  "SELECT group_code, count(*) FROM mart.unit_scores WHERE month = $month GROUP BY ALL ORDER BY 1")


@asset(**ASSESSMENT, deps=[ASSIGNMENTS, UNITS, RULES],
       description="Table 4: per unit over its enterprise assignments (企业诉求来源 given): 按时办理率, 解决率 "
                   "and 满意率 scores (rule points), 总得分 and its competition rank; list_order breaks ties "
                   "by the rules' tie_order.")
def enterprise_scores(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    return _build(context, warehouse, "mart.enterprise_scores", "enterprise_scores", enterprise_params,
                  "SELECT unit_group, count(*) FROM mart.enterprise_scores WHERE month = $month GROUP BY ALL ORDER BY 1")


@asset(**ASSESSMENT, deps=[ASSIGNMENTS, UNITS, RULES],
       description="Table 5: 省接诉即办 assignments per unit and a 合计 row: reached the site within the rules' "
                   "hours of dispatch or not, and how the citizen was (not) met.")
def onsite_2h(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    return _build(context, warehouse, "mart.onsite_2h", "onsite_2h", onsite_params)


@asset(**ASSESSMENT, deps=[unit_scores, RULES],
       description="Section 二's named lists as rows (group_code, list_code, position, unit, short_name, value): "
                   "top/bottom of 综合排名 for every group; 解决率, 满意率, 办理时长, 市重办率 and 解决率环比 lists "
                   "for towns and large departments. Ties follow 综合排名, then roster order.")
def unit_highlights(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    return _build(context, warehouse, "mart.unit_highlights", "unit_highlights", highlights_params,
                  "SELECT group_code, count(DISTINCT unit) FROM mart.unit_highlights WHERE month = $month GROUP BY ALL ORDER BY 1")
