"""Section 三 (民生热点问题): orders per hotspot and sub-hotspot with 同比/环比, the places most named,
and the surges (mart.anomalies) among hotspots, sub-hotspots, channels and units."""


import math
from typing import Any

import polars as pl
from dagster import AssetDep, AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult

from assets.overview import (
    _DELTAS,
    ASSIGNMENTS,
    CHANNEL_COUNTS,
    COMPARED_MONTHS,
    HOTSPOT_TAXONOMY,
    MONTHS,
    ORDERS,
    RULES,
    bind,
    materialize_table,
    month_rules,
)
from assets.steps import Table
from assets.warehouse import fetch, registered, replace_month


def hotspots(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.hotspots", "hotspots")


def hotspot_places(context: AssetExecutionContext, con) -> MaterializeResult:
    return materialize_table(context, con, "mart.hotspot_places", "hotspot_places")


# --------------------------------------------------------------------------- anomalies
# The series/continued-fraction evaluation of the regularized incomplete gamma function
# (Numerical Recipes §6.2): P(X ≥ k) for X ~ Poisson(λ) is P(k, λ) = γ(k, λ) / Γ(k). In pure Python
# because the run needs a few dozen values and scipy takes ~0.8 s to import on every run; the
# tests compare it with scipy.stats.poisson over counts and bases from 1 to 10^5.
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


def flag_surges(candidates: pl.DataFrame, significance: float, min_rise_pct: float, bases: str = "any") -> pl.DataFrame:
    """Add the p-values, the per-day changes and the verdicts to the SQL candidates."""
    def per_row(fn, base: str, base_days: str) -> pl.Series:
        return pl.Series([fn(r["count"], r[base], r["days"], r[base_days]) for r in candidates.iter_rows(named=True)],
                         dtype=pl.Float64)

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
        return pl.when(pl.col(p).is_null()).then(None).otherwise(
            (pl.col(p) < significance) & (pl.col(pct).cast(pl.Float64) >= min_rise_pct)
            & (pl.col(per_day) >= min_rise_pct))

    frame = frame.with_columns(rise_mom=verdict("mom_pct", "mom_per_day_pct", "p_value_mom"),
                               rise_yoy=verdict("yoy_pct", "yoy_per_day_pct", "p_value_yoy"))
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


def anomalies(context: AssetExecutionContext, con) -> MaterializeResult:
    def write(con, query: str, params: dict[str, Any], ensure: bool) -> dict[str, Any]:
        rules = month_rules(con, params["month"])["anomalies"]
        candidates = fetch(con, query, bind(query, params))
        flagged = flag_surges(candidates, float(rules["significance"]), float(rules["min_rise_pct"]), rules["bases"])
        with registered(con, anomaly_rows=flagged):
            return replace_month(con, "mart.anomalies", "SELECT * FROM anomaly_rows WHERE month = $month",
                                 {"month": params["month"]}, ensure=ensure)

    return materialize_table(context, con, "mart.anomalies", "anomalies", write=write)


# --------------------------------------------------------------------------- the tables as assets
HOTSPOTS, HOTSPOT_PLACES, ANOMALIES = (AssetKey(["mart", n]) for n in ("hotspots", "hotspot_places", "anomalies"))


def _spec(key: AssetKey, deps: list[AssetKey | AssetDep], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="hotspots", kinds={"duckdb"}, description=description)


HOTSPOT_TABLES = [
    Table(_spec(HOTSPOTS, [*COMPARED_MONTHS, HOTSPOT_TAXONOMY, RULES],
                "Section 三: distinct orders per hotspot and sub-hotspot (sub_hotspot NULL on the "
                "hotspot's own row), share of all orders, hotspots ranked by orders; orders matching no "
                "prefix count as the rules' unmatched label (其他, not ranked). The base months' orders "
                "are re-mapped with THIS month's taxonomy, so a taxonomy change compares like with "
                "like. " + _DELTAS), hotspots),
    Table(_spec(HOTSPOT_PLACES, [ORDERS, HOTSPOT_TAXONOMY, RULES],
                "The places (诉求地址 as stored) most named per hotspot (rules.hotspots.places_per_hotspot) "
                "and per sub-hotspot (places_per_sub_hotspot), by distinct orders."), hotspot_places),
    Table(_spec(ANOMALIES, [HOTSPOTS, CHANNEL_COUNTS, *COMPARED_MONTHS, ASSIGNMENTS, MONTHS, RULES],
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
                "names the rows with surge = true."), anomalies),
]
