"""What the hotspots are about, drafted from the orders: aspects (方面) with their counts and places,
the words people use (distinctive terms of 诉求内容), and places where orders cluster (聚集性诉求).

The terms themselves are derived at ingest (hotline/text, core.order_terms, written with
core.assignments); these marts only read them. SQL in sql/hotspot_aspects.sql, hotspot_terms.sql and
place_clusters.sql; the rule settings under ``text:`` in rules.yaml."""

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue

from assets.keys import (
    ASPECT_RULES,
    ASSIGNMENTS,
    COMPARED_MONTHS,
    HOTSPOT_ASPECTS,
    HOTSPOT_TAXONOMY,
    HOTSPOT_TERMS,
    PLACE_CLUSTERS,
    RULES,
)
from assets.overview import _DELTAS, materialize_table
from assets.reference import input_failure
from assets.steps import Table
from hotline.contract.files import FileFault, RowFaults
from hotline.marts import text_writer
from hotline.reference import load_aspects, store_aspects
from hotline.warehouse import markdown_table, months_of
from pipelines.resources import HotlinePaths


def aspect_rules(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        rules = load_aspects(paths.reference)
    except (FileFault, RowFaults) as exc:
        raise input_failure(exc) from None
    store_aspects(con, rules, months_of(context))
    return MaterializeResult(
        metadata={
            "rows": rules.height,
            "aspects": MetadataValue.md(
                markdown_table(rules.with_columns(pl.col("keywords").list.join("|")), 50) if rules.height else "none"
            ),
        }
    )


def _materialize(context: AssetExecutionContext, con, table: str, sql_name: str) -> MaterializeResult:
    return materialize_table(context, con, table, sql_name, write=text_writer(table))


def hotspot_aspects(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.hotspot_aspects", "hotspot_aspects")


def hotspot_terms(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.hotspot_terms", "hotspot_terms")


def place_clusters(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.place_clusters", "place_clusters")


def _spec(key: AssetKey, description: str, compares_months: bool = False) -> AssetSpec:
    reads = [*COMPARED_MONTHS, ASSIGNMENTS] if compares_months else [ASSIGNMENTS]
    return AssetSpec(
        key,
        deps=[*reads, HOTSPOT_TAXONOMY, ASPECT_RULES, RULES],
        group_name="hotspots",
        kinds={"duckdb"},
        description=description,
    )


TEXT_TABLES = [
    Table(
        AssetSpec(
            ASPECT_RULES,
            group_name="reference",
            kinds={"duckdb"},
            description="reference/aspects.csv (optional) for the months of the run: the aspects (方面) of the "
            "hotspots it names, each with its 诉求分类 prefix and keywords (empty = any), in file "
            "order. An order of such a hotspot belongs to the first matching row.",
        ),
        aspect_rules,
        needs_paths=True,
    ),
    Table(
        _spec(
            HOTSPOT_ASPECTS,
            "Section 三: each named hotspot's aspects (方面: reference/aspects.csv's for the hotspots it "
            "names, else its sub-hotspots, else the 诉求分类 level right below its prefix), distinct "
            "orders, share of the hotspot (share_pct) and of the month, rank within the hotspot, the "
            "places most named (text.places_per_aspect), and 同比/环比 with the base months re-mapped "
            "with this month's taxonomy. " + _DELTAS,
            compares_months=True,
        ),
        hotspot_aspects,
    ),
    Table(
        _spec(
            HOTSPOT_TERMS,
            "The words people use: per hotspot (aspect '') and aspect, the terms of 诉求内容 most "
            "distinctive against the rest of the month (z-score of the log-odds ratio with an "
            "informative Dirichlet prior, over orders), each used by at least text.min_orders orders "
            "from text.min_callers distinct callers of the group; the best text.terms_per_aspect.",
        ),
        hotspot_terms,
    ),
    Table(
        _spec(
            PLACE_CLUSTERS,
            "聚集性诉求: a place (诉求地址, else a place named in the text) with at least "
            "text.cluster_min_orders orders about one aspect within text.cluster_days days; its densest "
            "window with orders, distinct callers, first and last receipt.",
        ),
        place_clusters,
    ),
]
