"""What the hotspots are about, drafted from the orders: aspects (方面) with their counts and places,
the words people use (distinctive terms of 诉求内容), and places where orders cluster (聚集性诉求).

The terms themselves are derived at ingest (hotline/text, core.order_terms, written with
core.assignments); these marts only read them. SQL in sql/hotspot_aspects.sql, hotspot_terms.sql and
place_clusters.sql; the rule settings under ``text:`` in rules.yaml."""

from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult

from assets.overview import _DELTAS, ASSIGNMENTS, HOTSPOT_TAXONOMY, RULES, bind, materialize_table
from assets.steps import Table
from assets.warehouse import month_rules, replace_month

HOTSPOT_ASPECTS, HOTSPOT_TERMS, PLACE_CLUSTERS = (
    AssetKey(["mart", n]) for n in ("hotspot_aspects", "hotspot_terms", "place_clusters"))


def text_params(rules: dict[str, Any]) -> dict[str, Any]:
    """The SQL parameters of the text marts, from a month's rules."""
    text = rules["text"]
    return {
        "other_aspect": text["other_aspect"],
        "enterprise_label": text["enterprise_label"],
        "unmatched_label": rules["hotspots"]["unmatched_label"],
        "places_per_aspect": text["places_per_aspect"],
        "min_orders": text["min_orders"],
        "min_callers": text["min_callers"],
        "prior_weight": float(text["prior_weight"]),
        "terms_per_aspect": text["terms_per_aspect"],
        "cluster_min_orders": text["cluster_min_orders"],
        "cluster_days": text["cluster_days"],
    }


def _materialize(context: AssetExecutionContext, con, table: str, sql_name: str) -> MaterializeResult:
    def write(con, query: str, params: dict[str, Any], ensure: bool) -> dict[str, Any]:
        params = {**params, **text_params(month_rules(con, params["month"]))}
        return replace_month(con, table, query, bind(query, params), ensure=ensure)

    return materialize_table(context, con, table, sql_name, write=write)


def hotspot_aspects(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.hotspot_aspects", "hotspot_aspects")


def hotspot_terms(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.hotspot_terms", "hotspot_terms")


def place_clusters(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.place_clusters", "place_clusters")


def _spec(key: AssetKey, description: str) -> AssetSpec:
    return AssetSpec(key, deps=[ASSIGNMENTS, HOTSPOT_TAXONOMY, RULES], group_name="hotspots", kinds={"duckdb"},
                     description=description)


TEXT_TABLES = [
    Table(_spec(HOTSPOT_ASPECTS,
                "Section 三: each named hotspot's aspects (方面: its sub-hotspots, else the 诉求分类 level "
                "right below its prefix), distinct orders, share of the hotspot (share_pct) and of the month, "
                "rank within the hotspot, the places most named (text.places_per_aspect), and 同比/环比 with "
                "the base months re-mapped with this month's taxonomy. " + _DELTAS), hotspot_aspects),
    Table(_spec(HOTSPOT_TERMS,
                "The words people use: per hotspot (aspect '') and aspect, the terms of 诉求内容 most "
                "distinctive against the rest of the month (z-score of the log-odds ratio with an "
                "informative Dirichlet prior, over orders), each used by at least text.min_orders orders "
                "from text.min_callers distinct callers of the group; the best text.terms_per_aspect."),
          hotspot_terms),
    Table(_spec(PLACE_CLUSTERS,
                "聚集性诉求: a place (诉求地址, else a place named in the text) with at least "
                "text.cluster_min_orders orders about one aspect within text.cluster_days days; its densest "
                "window with orders, distinct callers, first and last receipt."), place_clusters),
]
