"""What the hotspots are about, drafted from the orders: aspects (方面) with their counts and places,
the words people use (distinctive terms of 诉求内容), and places where orders cluster (聚集性诉求).

The terms themselves are derived at ingest (hotline/text, core.order_terms, written with
core.assignments); these marts only read them. SQL in sql/hotspot_aspects.sql, hotspot_terms.sql and
place_clusters.sql; the rule settings under ``text:`` in rules.yaml."""

from pathlib import Path
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue

from assets.overview import _DELTAS, ASSIGNMENTS, HOTSPOT_TAXONOMY, RULES, bind, materialize_table
from assets.reference import input_failure
from assets.steps import Table
from assets.warehouse import markdown_table, month_rules, months_of, registered, replace_month, scalar, sql_text
from pipelines.resources import HotlinePaths
from schemas.aspects import ASPECTS_HEADERS, ASPECTS_REQUIRED, ASPECTS_SCHEMA
from schemas.files import FileFault, RowFaults, read_csv_with_headers, validate_reference

ASPECT_RULES = AssetKey(["ref", "aspects"])
HOTSPOT_ASPECTS, HOTSPOT_TERMS, PLACE_CLUSTERS = (
    AssetKey(["mart", n]) for n in ("hotspot_aspects", "hotspot_terms", "place_clusters"))
ASPECTS_FILE = "aspects.csv"
_ASPECT_COLUMNS = {"hotspot": pl.String, "aspect": pl.String, "prefix": pl.String, "keywords": pl.List(pl.String),
                   "aspect_order": pl.Int32}


def load_aspects(reference_dir: Path) -> pl.DataFrame:
    """reference/aspects.csv validated (schemas/aspects.py): hotspot, aspect, prefix, keywords
    (a list, empty = any order), aspect_order (file order). No file: no rows."""
    path = reference_dir / ASPECTS_FILE
    if not path.exists():
        return pl.DataFrame(schema=_ASPECT_COLUMNS)
    frame = read_csv_with_headers(path, ASPECTS_HEADERS, ASPECTS_REQUIRED)
    frame = validate_reference(frame, ASPECTS_SCHEMA, path, ASPECTS_HEADERS)
    return frame.select(
        "hotspot", "aspect", pl.col("prefix").str.strip_chars("/"),
        pl.col("keywords").fill_null("").str.replace_all("｜", "|").str.split("|")
        .list.eval(pl.element().str.strip_chars(" \u3000")).list.eval(pl.element().filter(pl.element() != "")),
        (pl.col("source_row") - 1).cast(pl.Int32).alias("aspect_order"),
    )


def aspect_keywords(reference_dir: Path) -> list[str]:
    """Every keyword of aspects.csv: the ingest records which orders' texts hold them."""
    return sorted({k for ks in load_aspects(reference_dir)["keywords"].to_list() for k in ks})


def aspect_rules(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        rules = load_aspects(paths.reference)
    except (FileFault, RowFaults) as exc:
        raise input_failure(exc) from None
    months = months_of(context)
    with registered(con, aspect_rows=rules):
        for month in months:
            replace_month(con, "ref.aspects", "SELECT $month AS month, * FROM aspect_rows", {"month": month},
                          ensure=month == months[0])
    return MaterializeResult(metadata={"rows": rules.height, "aspects": MetadataValue.md(
        markdown_table(rules.with_columns(pl.col("keywords").list.join("|")), 50) if rules.height else "none")})


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


MONTH_ORDER_ASPECTS = "month_order_aspects"
_MONTH_ORDER_ASPECTS_KEYS = "month_order_aspects_keys"


def month_order_aspects(con, params: dict[str, Any]) -> None:
    """Make the temp table month_order_aspects hold ``params["month"]``'s orders
    (sql/month_order_aspects.sql), computed once per transaction, month and rule labels: the text marts
    of one step share it. Rows of another transaction are recomputed, so a table written since
    (core.assignments, core.order_terms, ref.aspects) is never read stale."""
    key = {"transaction": scalar(con, "SELECT txid_current()"), "month": params["month"],
           "other_aspect": params["other_aspect"], "unmatched_label": params["unmatched_label"]}
    query = sql_text(MONTH_ORDER_ASPECTS)
    if not scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = $name",
                  {"name": MONTH_ORDER_ASPECTS}):
        con.execute(f"CREATE TEMP TABLE {_MONTH_ORDER_ASPECTS_KEYS} (transaction UBIGINT, month VARCHAR, "
                    "other_aspect VARCHAR, unmatched_label VARCHAR)")
        con.execute(f"CREATE TEMP TABLE {MONTH_ORDER_ASPECTS} AS {query} WITH NO DATA", bind(query, params))
    where = ("transaction = $transaction AND month = $month AND other_aspect = $other_aspect "
             "AND unmatched_label = $unmatched_label")
    if scalar(con, f"SELECT count(*) FROM {_MONTH_ORDER_ASPECTS_KEYS} WHERE {where}", key):
        return
    outdated = (f"month = $month OR month IN (SELECT month FROM {_MONTH_ORDER_ASPECTS_KEYS} "
                "WHERE transaction <> $transaction)")
    scope = {"month": key["month"], "transaction": key["transaction"]}
    con.execute(f"DELETE FROM {MONTH_ORDER_ASPECTS} WHERE {outdated}", scope)
    con.execute(f"DELETE FROM {_MONTH_ORDER_ASPECTS_KEYS} WHERE month = $month OR transaction <> $transaction", scope)
    con.execute(f"INSERT INTO {MONTH_ORDER_ASPECTS} {query}", bind(query, params))
    con.execute(f"INSERT INTO {_MONTH_ORDER_ASPECTS_KEYS} VALUES ($transaction, $month, $other_aspect, "
                "$unmatched_label)", key)


def _materialize(context: AssetExecutionContext, con, table: str, sql_name: str) -> MaterializeResult:
    def write(con, query: str, params: dict[str, Any], ensure: bool) -> dict[str, Any]:
        params = {**params, **text_params(month_rules(con, params["month"]))}
        month_order_aspects(con, params)
        return replace_month(con, table, query, bind(query, params), ensure=ensure)

    return materialize_table(context, con, table, sql_name, write=write)


def hotspot_aspects(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.hotspot_aspects", "hotspot_aspects")


def hotspot_terms(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.hotspot_terms", "hotspot_terms")


def place_clusters(context: AssetExecutionContext, con) -> MaterializeResult:
    return _materialize(context, con, "mart.place_clusters", "place_clusters")


def _spec(key: AssetKey, description: str) -> AssetSpec:
    return AssetSpec(key, deps=[ASSIGNMENTS, HOTSPOT_TAXONOMY, ASPECT_RULES, RULES], group_name="hotspots",
                     kinds={"duckdb"}, description=description)


TEXT_TABLES = [
    Table(AssetSpec(ASPECT_RULES, group_name="reference", kinds={"duckdb"},
                    description="reference/aspects.csv (optional) for the months of the run: the aspects (方面) of the "
                                "hotspots it names, each with its 诉求分类 prefix and keywords (empty = any), in file "
                                "order. An order of such a hotspot belongs to the first matching row."),
          aspect_rules, needs_paths=True),
    Table(_spec(HOTSPOT_ASPECTS,
                "Section 三: each named hotspot's aspects (方面: reference/aspects.csv's for the hotspots it "
                "names, else its sub-hotspots, else the 诉求分类 level right below its prefix), distinct "
                "orders, share of the hotspot (share_pct) and of the month, rank within the hotspot, the "
                "places most named (text.places_per_aspect), and 同比/环比 with the base months re-mapped "
                "with this month's taxonomy. " + _DELTAS), hotspot_aspects),
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
