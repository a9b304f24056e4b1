"""Section 一 (district overview) and section 四 (enterprise demands) of the report.

Each asset writes one mart table from ``sql/<table>.sql``; Python only wires: it binds the month,
the base months and the rule settings as SQL parameters and replaces the month's rows.

同比 compares with the assessment month 12 months earlier and 环比 with the previous one. The base
counts are read from the warehouse as it is when the mart is materialized, so a base month loaded
later (a backfill) changes the deltas of the months that compare against it. The marts declare
those months as partition mappings (``COMPARED_MONTHS``), and the automation refreshes
``dependent_months(base)`` after ``base`` is loaded (pipelines/automation.py).
"""


import re
from typing import Any, Callable

from dagster import AssetDep, AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue

from assets.calendar import shift_month
from assets.steps import Table, log_rows
from assets.warehouse import month_metadata, month_rules, months_of, replace_month, sql_text
from pipelines.partitions import MONTH_AND_PREVIOUS, YEAR_BEFORE
from schemas.exports import ENTERPRISE_SOURCES
from schemas.reference import CITY_INDICATORS

ASSIGNMENTS = AssetKey(["core", "assignments"])
MONTHS = AssetKey(["ref", "months"])
UNITS = AssetKey(["ref", "units"])
HOTSPOT_TAXONOMY = AssetKey(["ref", "hotspots"])
CITY_ASSESSMENT = AssetKey(["core", "city_assessment"])
RULES = AssetKey(["ref", "rules"])
ORDERS = AssetKey(["core", "orders"])
EXPORT_FILES = AssetKey(["core", "export_files"])
# What a mart comparing months reads of the other months (pipelines/partitions.py says why two keys):
# the orders of this month and of the 环比 base, and the 同比 base's load (its core.orders rows
# are written in the same transaction as its core.export_files).
COMPARED_MONTHS = [AssetDep(ORDERS, partition_mapping=MONTH_AND_PREVIOUS),
                   AssetDep(EXPORT_FILES, partition_mapping=YEAR_BEFORE)]

# The roster group codes of core.assignments.unit_group (rules.groups.roster_groups maps the
# roster's 分组 onto them).
TOWN_GROUP, DEPT_GROUP = "town", "dept"

# 同比 looks this many assessment months back, 环比 one.
YEAR_BACK, MONTH_BACK = 12, 1


def base_months(month: str) -> dict[str, str]:
    """The labels a month compares with: {'last_month': 环比 base, 'last_year': 同比 base}."""
    return {"last_month": shift_month(month, -MONTH_BACK), "last_year": shift_month(month, -YEAR_BACK)}


def dependent_months(month: str) -> list[str]:
    """The months whose 环比 / 同比 compare against ``month``: after loading (or reloading) it,
    re-materialize these months' marts so that their deltas see its data."""
    return [shift_month(month, MONTH_BACK), shift_month(month, YEAR_BACK)]


def bind(query: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters the query names (DuckDB refuses unused named parameters)."""
    names = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", query))
    missing = names - set(params)
    if missing:
        raise KeyError(f"SQL parameter(s) not bound: {', '.join(sorted(missing))}")
    return {name: params[name] for name in names}


def month_params(con, month: str) -> dict[str, Any]:
    """Every parameter the marts of this module and assets.hotspots use, from the month's rules."""
    rules = month_rules(con, month)
    return {
        "month": month,
        **base_months(month),
        "town_group": TOWN_GROUP,
        "dept_group": DEPT_GROUP,
        "city_response": CITY_INDICATORS[0],
        "city_ontime": CITY_INDICATORS[1],
        "city_resolution": CITY_INDICATORS[2],
        "city_satisfaction": CITY_INDICATORS[3],
        "source_provincial": ENTERPRISE_SOURCES[0],
        "source_direct": ENTERPRISE_SOURCES[1],
        "top_n": rules["highlights"]["top_n"],
        "unmatched_label": rules["hotspots"]["unmatched_label"],
        "places_per_hotspot": rules["hotspots"]["places_per_hotspot"],
        "places_per_sub_hotspot": rules["hotspots"]["places_per_sub_hotspot"],
        "min_rise_pct": rules["anomalies"]["min_rise_pct"],
    }


def materialize_table(context: AssetExecutionContext, con, table: str, sql_name: str,
                      write: Callable[..., dict[str, Any]] | None = None) -> MaterializeResult:
    """Replace each month of the run in ``table`` with ``sql/<sql_name>.sql``, oldest month first
    (a backfill's later months compare with its earlier ones)."""
    query = sql_text(sql_name)
    rows: dict[str, int] = {}
    months = months_of(context)
    for month in months:
        params = month_params(con, month)
        first = month == months[0]  # the table's columns are checked once per run
        if write is None:
            written = replace_month(con, table, query, bind(query, params), ensure=first)
        else:
            written = write(con, query, params, first)
        rows[month] = written["rows"]
    log_rows(context, table, rows)
    return MaterializeResult(metadata={
        "table": table,
        "rows": MetadataValue.int(sum(rows.values())),
        "rows per month": MetadataValue.json(rows),
        "preview": MetadataValue.md(month_metadata(con, table, months[-1])["preview"]),
    })


_DELTAS = ("同比 compares with the assessment month 12 months earlier, 环比 with the previous one, "
           "both read from the warehouse each time this is materialized: NULL when the base month is "
           "not loaded, a NULL change against a base of 0.")


def overview(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.overview", "overview")


def channel_counts(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.channel_counts", "channel_counts")


def request_type_shares(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.request_type_shares", "request_type_shares")


def enterprise_summary(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.enterprise_summary", "enterprise_summary")


# --------------------------------------------------------------------------- the tables as assets
OVERVIEW, CHANNEL_COUNTS, REQUEST_TYPE_SHARES, ENTERPRISE_SUMMARY = (
    AssetKey(["mart", n]) for n in ("overview", "channel_counts", "request_type_shares", "enterprise_summary"))


def _spec(key: AssetKey, deps: list[AssetKey | AssetDep], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="overview", kinds={"duckdb"}, description=description)


OVERVIEW_TABLES = [
    Table(_spec(OVERVIEW, [*COMPARED_MONTHS, ASSIGNMENTS, MONTHS, CITY_ASSESSMENT, RULES],
                "Section 一: the month's distinct orders, 同比/环比, 日均受理量, the district's 响应率, 按时办理率, "
                "解决率 and 满意率 over the month's assignments (and the city's published figures, "
                "which the report quotes where given), the towns' and departments' shares. " + _DELTAS), overview),
    Table(_spec(CHANNEL_COUNTS, [*COMPARED_MONTHS, RULES],
                "Orders per 受理渠道 (distinct orders), share and rank, with the same channel's base "
                "counts. " + _DELTAS), channel_counts),
    Table(_spec(REQUEST_TYPE_SHARES, [ORDERS, RULES],
                "Orders and share per 诉求类型 (distinct orders)."), request_type_shares),
    Table(_spec(ENTERPRISE_SUMMARY, [*COMPARED_MONTHS, ASSIGNMENTS, UNITS, RULES],
                "Section 四: enterprise orders (distinct orders with a 企业诉求来源), 环比, per source, the "
                "three towns and three departments with most enterprise assignments (ties in roster "
                "order), 解决率 and 满意率 over enterprise assignments. " + _DELTAS), enterprise_summary),
]
