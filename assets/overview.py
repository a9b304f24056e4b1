"""Section 一 (district overview) and section 四 (enterprise demands) of the report.

Each asset writes one mart table from ``sql/<table>.sql``; the parameters it binds and the loop over
the run's months are in the core (hotline/marts.py, which says how 同比 and 环比 read their base
months). Python here only wires them to Dagster and reports what was written.
"""

import time

from dagster import AssetDep, AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue

from assets.keys import (
    ASSIGNMENTS,
    CHANNEL_COUNTS,
    CITY_ASSESSMENT,
    COMPARED_MONTHS,
    ENTERPRISE_SUMMARY,
    MONTHS,
    ORDERS,
    OVERVIEW,
    REQUEST_TYPE_SHARES,
    RULES,
    UNITS,
)
from assets.steps import SECONDS, Table, log_rows
from hotline.marts import (
    MonthWriter,
    dependent_months,  # noqa: F401  (pipelines/execution.py reads it here)
    replace_months,
)
from hotline.warehouse import month_metadata, months_of


def materialize_table(
    context: AssetExecutionContext, con, table: str, sql_name: str, write: MonthWriter | None = None
) -> MaterializeResult:
    """Replace each month of the run in ``table`` with ``sql/<sql_name>.sql`` (hotline/marts.py
    replace_months) and say what was written."""
    months = months_of(context)
    started = time.perf_counter()
    rows = replace_months(con, table, sql_name, months, write)
    seconds = time.perf_counter() - started
    log_rows(context, table, rows)
    return MaterializeResult(
        metadata={
            "table": table,
            "rows": MetadataValue.int(sum(rows.values())),
            SECONDS: MetadataValue.float(round(seconds, 2)),
            "rows per month": MetadataValue.json(rows),
            "preview": MetadataValue.md(month_metadata(con, table, months[-1])["preview"]),
        }
    )


_DELTAS = (
    "同比 compares with the assessment month 12 months earlier, 环比 with the previous one, "
    "both read from the warehouse each time this is materialized: NULL when the base month is "
    "not loaded, a NULL change against a base of 0."
)


def overview(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.overview", "overview")


def channel_counts(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.channel_counts", "channel_counts")


def request_type_shares(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.request_type_shares", "request_type_shares")


def enterprise_summary(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.enterprise_summary", "enterprise_summary")


# --------------------------------------------------------------------------- the tables as assets


def _spec(key: AssetKey, deps: list[AssetKey | AssetDep], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="overview", kinds={"duckdb"}, description=description)


OVERVIEW_TABLES = [
    Table(
        _spec(
            OVERVIEW,
            [*COMPARED_MONTHS, ASSIGNMENTS, MONTHS, CITY_ASSESSMENT, RULES],
            "Section 一: the month's distinct orders, 同比/环比, 日均受理量, the district's 响应率, 按时办理率, "
            "解决率 and 满意率 over the month's assignments (and the city's published figures, "
            "which the report quotes where given), the towns' and departments' shares. " + _DELTAS,
        ),
        overview,
    ),
    Table(
        _spec(
            CHANNEL_COUNTS,
            [*COMPARED_MONTHS, RULES],
            "Orders per 受理渠道 (distinct orders), share and rank, with the same channel's base counts. " + _DELTAS,
        ),
        channel_counts,
    ),
    Table(
        _spec(REQUEST_TYPE_SHARES, [ORDERS, RULES], "Orders and share per 诉求类型 (distinct orders)."),
        request_type_shares,
    ),
    Table(
        _spec(
            ENTERPRISE_SUMMARY,
            [*COMPARED_MONTHS, ASSIGNMENTS, UNITS, RULES],
            "Section 四: enterprise orders (distinct orders with a 企业诉求来源), 环比, per source, the "
            "three towns and three departments with most enterprise assignments (ties in roster "
            "order), 解决率 and 满意率 over enterprise assignments. " + _DELTAS,
        ),
        enterprise_summary,
    ),
]
