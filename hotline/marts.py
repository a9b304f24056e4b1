"""The month's marts without Dagster: the SQL parameters each mart binds from the month's stored
rules, the loop that replaces the run's months of a table, and the Python part of the surges
(mart.anomalies). The assets (assets/overview.py, hotspots.py, assessment.py, text.py) only call
these and report what was written.

同比 compares with the assessment month 12 months earlier and 环比 with the previous one. The base
counts are read from the warehouse as it is when the mart is materialized, so a base month loaded
later (a backfill) changes the deltas of the months that compare against it. The marts declare
those months to Dagster as partition mappings (assets/keys.py ``COMPARED_MONTHS``), and the
automation refreshes ``dependent_months(base)`` after ``base`` is loaded (pipelines/automation.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl

from hotline.calendar import shift_month
from hotline.rules_model import Rules
from hotline.warehouse import fetch, markdown_table, month_rules, registered, replace_month, scalar, sql_text
from schemas.exports import ENTERPRISE_SOURCES
from schemas.reference import CITY_INDICATORS

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
    """Every parameter the overview and hotspot marts use, from the month's rules."""
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
        "top_n": rules.highlights.top_n,
        "unmatched_label": rules.hotspots.unmatched_label,
        "places_per_hotspot": rules.hotspots.places_per_hotspot,
        "places_per_sub_hotspot": rules.hotspots.places_per_sub_hotspot,
        "min_rise_pct": rules.anomalies.min_rise_pct,
    }


# write(con, query, params, ensure) -> replace_month's metadata: how one month of a table is written
MonthWriter = Callable[..., dict[str, Any]]


def replace_months(
    con, table: str, sql_name: str, months: list[str], write: MonthWriter | None = None
) -> dict[str, int]:
    """Replace each of ``months`` in ``table`` with ``sql/<sql_name>.sql``, oldest month first
    (a backfill's later months compare with its earlier ones); the rows written per month."""
    query = sql_text(sql_name)
    rows: dict[str, int] = {}
    for month in months:
        params = month_params(con, month)
        first = month == months[0]  # the table's columns are checked once per run
        if write is None:
            written = replace_month(con, table, query, bind(query, params), ensure=first)
        else:
            written = write(con, query, params, first)
        rows[month] = written["rows"]
    return rows


# --------------------------------------------------------------------------- anomalies
# The series/continued-fraction evaluation of the regularized incomplete gamma function
# (Numerical Recipes §6.2): P(X ≥ k) for X ~ Poisson(λ) is P(k, λ) = γ(k, λ) / Γ(k). In pure Python
# because the run needs a few dozen values and importing scipy on every run costs more than that
# (BENCHMARKS.md); the tests compare it with scipy.stats.poisson over counts and bases from 1 to 10^5.
_GAMMA_EPS = 1e-15
_GAMMA_MAX_TERMS = 100_000


def _lower_regularized_gamma(a: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:  # the series converges fast here and keeps tiny tails accurate
        term = total = 1.0 / a
        denominator = a
        for _ in range(_GAMMA_MAX_TERMS):
            denominator += 1.0
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _GAMMA_EPS:
                break
        return min(1.0, total * math.exp(log_prefix))
    # the continued fraction for the upper tail Q (modified Lentz)
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, _GAMMA_MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _GAMMA_EPS:
            break
    return max(0.0, 1.0 - math.exp(log_prefix) * h)


def poisson_rise_p(count: int | None, base: int | None, days: int | None, base_days: int | None) -> float | None:
    """One-sided exact Poisson p-value of a rise: P(X ≥ count) for X ~ Poisson(λ), where λ is the
    base count scaled to this month's window (base × days / base_days). None without a base > 0."""
    if count is None or base is None or base <= 0:
        return None
    lam = float(base) * (float(days) / float(base_days) if days and base_days else 1.0)
    if int(count) <= 0:
        return 1.0
    return _lower_regularized_gamma(float(int(count)), lam)


def per_day_change_pct(count: int | None, base: int | None, days: int | None, base_days: int | None) -> float | None:
    """The change of the daily rate, in percent: windows differ in length (29 to 33 days)."""
    if count is None or base is None or base <= 0:
        return None
    ratio = float(days) / float(base_days) if days and base_days else 1.0
    return round((float(count) / (float(base) * ratio) - 1.0) * 100.0, 2)


def flag_surges(
    candidates: pl.DataFrame, significance: float, min_rise_pct: float, bases: str = "any"
) -> pl.DataFrame:
    """Add the p-values, the per-day changes and the verdicts to the SQL candidates."""

    def per_row(fn, base: str, base_days: str) -> pl.Series:
        return pl.Series(
            [fn(r["count"], r[base], r["days"], r[base_days]) for r in candidates.iter_rows(named=True)],
            dtype=pl.Float64,
        )

    frame = candidates.with_columns(
        p_value_mom=per_row(poisson_rise_p, "count_last_month", "days_last_month"),
        p_value_yoy=per_row(poisson_rise_p, "count_last_year", "days_last_year"),
        mom_per_day_pct=per_row(per_day_change_pct, "count_last_month", "days_last_month"),
        yoy_per_day_pct=per_row(per_day_change_pct, "count_last_year", "days_last_year"),
    )

    def verdict(pct: str, per_day: str, p: str) -> pl.Expr:
        # NULL when the base is absent (month not loaded, or a count of 0). Risen: significant,
        # and at least min_rise_pct up both as printed and per day of the window, so that neither
        # a large-but-flat series nor a longer window alone can raise an alarm.
        return (
            pl.when(pl.col(p).is_null())
            .then(None)
            .otherwise(
                (pl.col(p) < significance)
                & (pl.col(pct).cast(pl.Float64) >= min_rise_pct)
                & (pl.col(per_day) >= min_rise_pct)
            )
        )

    frame = frame.with_columns(
        rise_mom=verdict("mom_pct", "mom_per_day_pct", "p_value_mom"),
        rise_yoy=verdict("yoy_pct", "yoy_per_day_pct", "p_value_yoy"),
    )
    # a surge: at least one base present, and a significant rise against any (rules: or every)
    # present base
    present = pl.col("rise_mom").is_not_null().cast(pl.Int32) + pl.col("rise_yoy").is_not_null().cast(pl.Int32)
    if bases == "all":
        risen = pl.col("rise_mom").fill_null(True) & pl.col("rise_yoy").fill_null(True)
    else:
        risen = pl.col("rise_mom").fill_null(False) | pl.col("rise_yoy").fill_null(False)
    return frame.with_columns(
        surge=(present > 0) & risen,
        significance=pl.lit(significance, dtype=pl.Float64),
    )


def write_anomalies(con, query: str, params: dict[str, Any], ensure: bool) -> dict[str, Any]:
    """One month of mart.anomalies: the SQL's candidates, judged by ``flag_surges``."""
    anomalies = month_rules(con, params["month"]).anomalies
    candidates = fetch(con, query, bind(query, params))
    flagged = flag_surges(candidates, float(anomalies.significance), float(anomalies.min_rise_pct), anomalies.bases)
    with registered(con, anomaly_rows=flagged):
        return replace_month(
            con,
            "mart.anomalies",
            "SELECT * FROM anomaly_rows WHERE month = $month",
            {"month": params["month"]},
            ensure=ensure,
        )


# --------------------------------------------------------------------------- assessment (tables 1–5)
# Every number comes from the month's stored rules (``ref.rules``), bound as a parameter. Decimal
# settings are bound as exact text (``"0.3"``) and scaled to whole numbers in SQL (macro ``e4``), so
# no score passes through a binary float.
TOTAL_LABEL = "合计"
PREVIEW_ROWS = 60


def exact(value: Any) -> str:
    """A rule setting as exact decimal text: YAML's 0.3 is bound as "0.3", never as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise TypeError(f"rule setting {value!r} is not a number")
    return str(Decimal(str(value)))


def unit_scores_params(rules: Rules, month: str) -> dict[str, Any]:
    points = rules.scores.points
    weights = rules.scores.overall_rank_weights
    return {
        "month": month,
        "prev_month": shift_month(month, -1),
        "dept_large_threshold": int(rules.groups.dept_large_threshold),
        "points_response": exact(points.response),
        "points_ontime": exact(points.ontime),
        "points_resolution": exact(points.resolution),
        "points_satisfaction": exact(points.satisfaction),
        "no_callback_rate": exact(rules.scores.no_callback_rate),
        "weight_handling": exact(weights.handling_rank),
        "weight_sampling": exact(weights.sampling_rank),
    }


def enterprise_params(rules: Rules, month: str) -> dict[str, Any]:
    points = rules.enterprise.points
    return {
        "month": month,
        "points_ontime": exact(points.ontime),
        "points_resolution": exact(points.resolution),
        "points_satisfaction": exact(points.satisfaction),
        "no_callback_rate": exact(rules.scores.no_callback_rate),
        "tie_order": rules.enterprise.tie_order,
    }


def onsite_params(rules: Rules, month: str) -> dict[str, Any]:
    return {"month": month, "within_hours": exact(rules.onsite.within_hours), "total_label": TOTAL_LABEL}


def highlights_params(rules: Rules, month: str) -> dict[str, Any]:
    return {"month": month, "top_n": int(rules.highlights.top_n)}


ParamsOf = Callable[[Rules, str], dict[str, Any]]  # (month's rules, month) -> SQL parameters


def replace_assessment_months(
    con, table: str, sql_name: str, params_of: ParamsOf, months: list[str], summary: str | None = None
) -> tuple[dict[str, int], dict[str, Any], str]:
    """Run ``sql/<sql_name>.sql`` for each of ``months`` into ``table``: the rows per month, the
    ``summary`` query's pairs per month, and the last month's table as Markdown."""
    rows: dict[str, int] = {}
    summaries: dict[str, Any] = {}
    query = sql_text(sql_name)
    for month in months:
        params = params_of(month_rules(con, month), month)
        meta = replace_month(con, table, query, params, ensure=month == months[0])
        rows[month] = meta["rows"]
        if summary:
            summaries[month] = dict(fetch(con, summary, {"month": month}).rows())
    # the full table of the run's last month (the generic preview stops at 10 rows)
    preview = markdown_table(
        fetch(con, f"SELECT * FROM {table} WHERE month = $month", {"month": months[-1]}), PREVIEW_ROWS
    )
    return rows, summaries, preview


# --------------------------------------------------------------------------- text marts
def text_params(rules: Rules) -> dict[str, Any]:
    """The SQL parameters of the text marts, from a month's rules."""
    text = rules.text
    return {
        "other_aspect": text.other_aspect,
        "enterprise_label": text.enterprise_label,
        "unmatched_label": rules.hotspots.unmatched_label,
        "places_per_aspect": text.places_per_aspect,
        "min_orders": text.min_orders,
        "min_callers": text.min_callers,
        "prior_weight": float(text.prior_weight),
        "terms_per_aspect": text.terms_per_aspect,
        "cluster_min_orders": text.cluster_min_orders,
        "cluster_days": text.cluster_days,
    }


MONTH_ORDER_ASPECTS = "month_order_aspects"
_MONTH_ORDER_ASPECTS_KEYS = "month_order_aspects_keys"


def month_order_aspects(con, params: dict[str, Any]) -> None:
    """Make the temp table month_order_aspects hold ``params["month"]``'s orders
    (sql/month_order_aspects.sql), computed once per transaction, month and rule labels: the text marts
    of one step share it. Rows of another transaction are recomputed, so a table written since
    (core.orders, core.order_terms, ref.aspects) is never read stale."""
    key = {
        "transaction": scalar(con, "SELECT txid_current()"),
        "month": params["month"],
        "other_aspect": params["other_aspect"],
        "unmatched_label": params["unmatched_label"],
    }
    query = sql_text(MONTH_ORDER_ASPECTS)
    if not scalar(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = $name",
        {"name": MONTH_ORDER_ASPECTS},
    ):
        con.execute(
            f"CREATE TEMP TABLE {_MONTH_ORDER_ASPECTS_KEYS} (transaction UBIGINT, month VARCHAR, "
            "other_aspect VARCHAR, unmatched_label VARCHAR)"
        )
        con.execute(f"CREATE TEMP TABLE {MONTH_ORDER_ASPECTS} AS {query} WITH NO DATA", bind(query, params))
    where = (
        "transaction = $transaction AND month = $month AND other_aspect = $other_aspect "
        "AND unmatched_label = $unmatched_label"
    )
    if scalar(con, f"SELECT count(*) FROM {_MONTH_ORDER_ASPECTS_KEYS} WHERE {where}", key):
        return
    outdated = (
        f"month = $month OR month IN (SELECT month FROM {_MONTH_ORDER_ASPECTS_KEYS} WHERE transaction <> $transaction)"
    )
    scope = {"month": key["month"], "transaction": key["transaction"]}
    con.execute(f"DELETE FROM {MONTH_ORDER_ASPECTS} WHERE {outdated}", scope)
    con.execute(f"DELETE FROM {_MONTH_ORDER_ASPECTS_KEYS} WHERE month = $month OR transaction <> $transaction", scope)
    con.execute(f"INSERT INTO {MONTH_ORDER_ASPECTS} {query}", bind(query, params))
    con.execute(
        f"INSERT INTO {_MONTH_ORDER_ASPECTS_KEYS} VALUES ($transaction, $month, $other_aspect, $unmatched_label)", key
    )


def text_writer(table: str) -> MonthWriter:
    """How a month of a text mart is written: the marts' parameters and the text rules bound, the
    month's order aspects computed once for the step's text marts (``month_order_aspects``)."""

    def write(con, query: str, params: dict[str, Any], ensure: bool) -> dict[str, Any]:
        params = {**params, **text_params(month_rules(con, params["month"]))}
        month_order_aspects(con, params)
        return replace_month(con, table, query, bind(query, params), ensure=ensure)

    return write
