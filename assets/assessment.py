"""Unit assessment: tables 1–5 of the report and the named lists of section 二.

Every table is one SQL file (``sql/<table>.sql``) run per month through ``replace_month``; every
number in it comes from the month's stored rules (``ref.rules``), bound as a parameter. Decimal
settings are bound as exact text (``"0.3"``) and scaled to whole numbers in SQL (macro ``e4``), so
no score passes through a binary float."""


from decimal import Decimal
from typing import Any

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
)

from assets.calendar import shift_month
from assets.steps import Check, Table, log_rows
from assets.warehouse import fetch, markdown_table, month_rules, months_of, replace_month, sql_text

ASSIGNMENTS = AssetKey(["core", "assignments"])
ADJUSTMENTS = AssetKey(["core", "adjustments"])
UNITS = AssetKey(["ref", "units"])
RULES = AssetKey(["ref", "rules"])
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


def _build(context: AssetExecutionContext, con, table: str, sql_name: str, params_of,
           summary: str | None = None) -> MaterializeResult:
    """Run ``sql/<sql_name>.sql`` for every month of the run into ``table``."""
    rows: dict[str, int] = {}
    summaries: dict[str, Any] = {}
    preview = ""
    query = sql_text(sql_name)
    for month in months_of(context):
        params = params_of(month_rules(con, month), month)
        meta = replace_month(con, table, query, params, ensure=month == months_of(context)[0])
        rows[month] = meta["rows"]
        if summary:
            summaries[month] = dict(fetch(con, summary, {"month": month}).rows())
    log_rows(context, table, rows)
    # the full table of the run's last month (the generic preview stops at 10 rows)
    preview = markdown_table(fetch(con, f"SELECT * FROM {table} WHERE month = $month", {"month": months_of(context)[-1]}),
                             PREVIEW_ROWS)
    metadata: dict[str, Any] = {
        "rows": MetadataValue.int(sum(rows.values())),
        "rows per month": MetadataValue.json(rows),
        f"preview ({months_of(context)[-1]})": MetadataValue.md(preview),
    }
    if summary:
        metadata["units per group"] = MetadataValue.json(summaries)
    return MaterializeResult(metadata=metadata)


def unit_scores(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(context, con, "mart.unit_scores", "unit_scores", unit_scores_params,
                  "SELECT group_code, count(*) FROM mart.unit_scores WHERE month = $month GROUP BY ALL ORDER BY 1")


def enterprise_scores(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(context, con, "mart.enterprise_scores", "enterprise_scores", enterprise_params,
                  "SELECT unit_group, count(*) FROM mart.enterprise_scores WHERE month = $month GROUP BY ALL ORDER BY 1")


def onsite_2h(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(context, con, "mart.onsite_2h", "onsite_2h", onsite_params)


def unit_highlights(context: AssetExecutionContext, con) -> MaterializeResult:
    return _build(context, con, "mart.unit_highlights", "unit_highlights", highlights_params,
                  "SELECT group_code, count(DISTINCT unit) FROM mart.unit_highlights WHERE month = $month GROUP BY ALL ORDER BY 1")


# --------------------------------------------------------------------------- blocking checks
# Each names the month, the unit and the file (and row) to fix. A failure blocks everything
# downstream of mart/unit_scores in the run (the highlights and the report): the scores can be
# inspected, but nothing is published until the inputs are complete.
CHECK_PREVIEW = 50


def _check_result(problems: pl.DataFrame, ok: str, fault: str, fix: str) -> AssetCheckResult:
    lines = [f"- {r['month']} {r['unit']}: {r['problem']} ({r['where']})" for r in problems.head(CHECK_PREVIEW).iter_rows(named=True)]
    return AssetCheckResult(
        passed=problems.height == 0,
        severity=AssetCheckSeverity.ERROR,
        description=ok if problems.height == 0 else f"{problems.height} {fault}. {fix}\n" + "\n".join(lines),
        metadata={
            "problems": MetadataValue.int(problems.height),
            "details": MetadataValue.md(markdown_table(problems, CHECK_PREVIEW) if problems.height else "none"),
        },
    )


def sampling_rank_problems(con, month: str) -> pl.DataFrame:
    return fetch(con, """
        SELECT s.month, s.unit, s.group_code,
               CASE WHEN j.unit IS NULL THEN 'no row for the unit'
                    ELSE '抽测排名 is empty' END AS problem,
               CASE WHEN j.unit IS NULL THEN coalesce(nullif(any_value(f.source_file), ''), 'months/' || s.month || '/adjustments.csv (missing)')
                    ELSE j.source_file || ' row ' || j.source_row END AS "where"
        FROM mart.unit_scores AS s
        LEFT JOIN core.adjustments AS j ON j.month = s.month AND j.unit = s.unit AND j.in_roster
        LEFT JOIN core.adjustments AS f ON f.month = s.month
        WHERE s.month = $month AND s.group_code IN ('town', 'dept_large') AND s.sampling_rank IS NULL
        GROUP BY s.month, s.unit, s.group_code, j.unit, j.source_file, j.source_row, s.list_order
        ORDER BY s.group_code, s.list_order
    """, {"month": month})


def sampling_rank_complete(context: AssetExecutionContext, con) -> AssetCheckResult:
    problems = pl.concat([sampling_rank_problems(con, m) for m in months_of(context)], how="vertical_relaxed")
    return _check_result(problems, "every ranked town and large department has a 抽测排名",
                         "ranked unit(s) without 抽测排名",
                         "Add the rank to adjustments.csv (column 抽测排名) and run the month again.")


def unknown_adjustment_units(con, month: str) -> pl.DataFrame:
    return fetch(con, """
        SELECT month, unit_as_written AS unit, 'not in the roster (units.csv)' AS problem,
               source_file || ' row ' || source_row AS "where"
        FROM core.adjustments WHERE month = $month AND NOT in_roster ORDER BY source_row
    """, {"month": month})


def adjustments_units_in_roster(context: AssetExecutionContext, con) -> AssetCheckResult:
    problems = pl.concat([unknown_adjustment_units(con, m) for m in months_of(context)], how="vertical_relaxed")
    return _check_result(problems, "every adjustment names a unit of the roster", "adjustment row(s) name a unit the roster does not know",
                         "Fix the name in adjustments.csv, or add the unit (or the name as an alias) to units.csv.")


def invalid_adjustments(con, month: str) -> pl.DataFrame:
    """The stored adjustments validated with the same pandera schema as the file's contract
    (schemas.reference.ADJUSTMENTS_SCHEMA: 减分项 ≤ 0, 质效 ≥ 0, 抽测排名 ≥ 1, one row per unit)."""
    import pandera.errors

    from schemas.reference import ADJUSTMENTS_SCHEMA

    stored = fetch(con, """
        SELECT month, unit, unit_as_written, deduction::DOUBLE AS deduction, quality_bonus::DOUBLE AS quality_bonus,
               sampling_rank::BIGINT AS sampling_rank, source_file, source_row
        FROM core.adjustments WHERE month = $month ORDER BY source_row
    """, {"month": month})
    empty = pl.DataFrame(schema={"month": pl.String, "unit": pl.String, "problem": pl.String, "where": pl.String})
    try:
        ADJUSTMENTS_SCHEMA.validate(stored, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        rows = []
        for case in cases.iter_rows(named=True):
            index = case.get("index")
            check = case.get("check") or ""
            column = case.get("column") or ""
            if index is None:
                rows.append((month, "", f"{column}: {check}", "adjustments"))
                continue
            r = stored.row(int(index), named=True)
            rows.append((month, r["unit"], f"{check} (got {case.get('failure_case')})", f"{r['source_file']} row {r['source_row']}"))
        return pl.DataFrame(rows, schema=empty.schema, orient="row") if rows else empty
    return empty


def adjustments_valid(context: AssetExecutionContext, con) -> AssetCheckResult:
    problems = pl.concat([invalid_adjustments(con, m) for m in months_of(context)], how="vertical_relaxed")
    return _check_result(problems, "every adjustment is within its rules", "adjustment value(s) break the rules",
                         "Fix the values in adjustments.csv and run the month again.")


# --------------------------------------------------------------------------- the tables as assets
UNIT_SCORES, ENTERPRISE_SCORES, ONSITE_2H, UNIT_HIGHLIGHTS = (
    AssetKey(["mart", n]) for n in ("unit_scores", "enterprise_scores", "onsite_2h", "unit_highlights"))


def _spec(key: AssetKey, deps: list[AssetKey], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="assessment", kinds={"duckdb"}, description=description)


def _blocking(name: str, description: str, evaluate) -> Check:
    return Check(AssetCheckSpec(name, asset=UNIT_SCORES, additional_deps=[ADJUSTMENTS], blocking=True,
                                description=description), evaluate)


ASSESSMENT_TABLES = [
    Table(_spec(UNIT_SCORES, [ASSIGNMENTS, ADJUSTMENTS, UNITS, RULES],
                "Tables 1–3: one row per unit with assignments in the month, grouped town / dept_large / "
                "dept_small (the volume threshold is a rule), with the four rounded scores, 减分项, 质效, "
                "考核/办理/抽测/综合 ranks (competition ranking), list_order as printed, the counts behind "
                "each rate, and 解决率 against the previous month."), unit_scores, checks=[
        _blocking("sampling_rank_complete",
                  "Every ranked town and large department has a 抽测排名 in the month's adjustments.csv: "
                  "without it 综合排名 is empty and the report cannot be published.", sampling_rank_complete),
        _blocking("adjustments_units_in_roster",
                  "Every unit named in adjustments.csv is a unit of the roster (by name or alias): an "
                  "unknown name would silently drop its 减分项, 质效 and 抽测排名.", adjustments_units_in_roster),
        _blocking("adjustments_valid",
                  "The month's adjustments satisfy the adjustments.csv contract (减分项 ≤ 0, 质效 ≥ 0, "
                  "抽测排名 from 1, one row per unit), validated with schemas.reference.ADJUSTMENTS_SCHEMA.",
                  adjustments_valid),
    ]),
    Table(_spec(ENTERPRISE_SCORES, [ASSIGNMENTS, UNITS, RULES],
                "Table 4: per unit over its enterprise assignments (企业诉求来源 given): 按时办理率, 解决率 "
                "and 满意率 scores (rule points), 总得分 and its competition rank; list_order breaks ties "
                "by the rules' tie_order."), enterprise_scores),
    Table(_spec(ONSITE_2H, [ASSIGNMENTS, UNITS, RULES],
                "Table 5: 省接诉即办 assignments per unit and a 合计 row: reached the site within the rules' "
                "hours of dispatch or not, and how the citizen was (not) met."), onsite_2h),
    Table(_spec(UNIT_HIGHLIGHTS, [UNIT_SCORES, RULES],
                "Section 二's named lists as rows (group_code, list_code, position, unit, short_name, value): "
                "top/bottom of 综合排名 for every group; 解决率, 满意率, 办理时长, 市重办率 and 解决率环比 lists "
                "for towns and large departments. Ties follow 综合排名, then roster order."), unit_highlights),
]
