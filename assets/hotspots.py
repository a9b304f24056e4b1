"""Section 三 (民生热点问题): orders per hotspot and sub-hotspot with 同比/环比, the places most named,
and the surges (mart.anomalies) among hotspots, sub-hotspots, channels and units."""

from dagster import AssetDep, AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult

from assets.keys import (
    ANOMALIES,
    ASSIGNMENTS,
    CHANNEL_COUNTS,
    COMPARED_MONTHS,
    HOTSPOT_PLACES,
    HOTSPOT_TAXONOMY,
    HOTSPOTS,
    MONTHS,
    ORDERS,
    RULES,
)
from assets.overview import _DELTAS, materialize_table
from assets.steps import Table
from hotline.marts import write_anomalies


def hotspots(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.hotspots", "hotspots")


def hotspot_places(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.hotspot_places", "hotspot_places")


def anomalies(context: AssetExecutionContext, con) -> MaterializeResult:
    # the surges' test is in the core (hotline/marts.py flag_surges)
    return materialize_table(context, con, "mart.anomalies", "anomalies", write=write_anomalies)


# --------------------------------------------------------------------------- the tables as assets


def _spec(key: AssetKey, deps: list[AssetKey | AssetDep], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="hotspots", kinds={"duckdb"}, description=description)


HOTSPOT_TABLES = [
    Table(
        _spec(
            HOTSPOTS,
            [*COMPARED_MONTHS, HOTSPOT_TAXONOMY, RULES],
            "Section 三: distinct orders per hotspot and sub-hotspot (sub_hotspot NULL on the "
            "hotspot's own row), share of all orders, hotspots ranked by orders; orders matching no "
            "prefix count as the rules' unmatched label (其他, not ranked). The base months' orders "
            "are re-mapped with THIS month's taxonomy, so a taxonomy change compares like with "
            "like. " + _DELTAS,
        ),
        hotspots,
    ),
    Table(
        _spec(
            HOTSPOT_PLACES,
            [ORDERS, HOTSPOT_TAXONOMY, RULES],
            "The places (诉求地址 as stored) most named per hotspot (rules.hotspots.places_per_hotspot) "
            "and per sub-hotspot (places_per_sub_hotspot), by distinct orders.",
        ),
        hotspot_places,
    ),
    Table(
        _spec(
            ANOMALIES,
            [HOTSPOTS, CHANNEL_COUNTS, *COMPARED_MONTHS, ASSIGNMENTS, MONTHS, RULES],
            "Surges: hotspots, sub-hotspots and channels (distinct orders) and units (assignments) whose "
            "count rose significantly against any present base (rules.anomalies.bases = any, the default) "
            "or against all of them (bases = all); a base is present when its month is loaded and its "
            "count > 0. Test: one-sided exact Poisson test, H0: this month's count "
            "X ~ Poisson(λ) with λ = base count × (this window's days / base window's days); "
            "p = P(X ≥ count), the regularized incomplete gamma P(count, λ). A base counts as risen when "
            "p < rules.anomalies.significance AND the change (this − base) / base × 100 ≥ "
            "rules.anomalies.min_rise_pct, both as printed and per day of the windows (a longer window "
            "alone cannot alarm); `surge` is true when any (or every) present base has risen (and at "
            "least one is present). Small counts cannot alarm: 2 → 5 has p ≈ 0.05. Rows: every item "
            "at least min_rise_pct above one of its bases, with both p-values and verdicts; the report "
            "names the rows with surge = true.",
        ),
        anomalies,
    ),
]
