"""Everything the report prints, read from the warehouse's marts for one month.

Only SELECTs on the marts (and ref.* for the window and the roster's short names): no rule is
computed here. The numbers are the marts'; the renderers only format them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from hotline.calendar import shift_month
from hotline.rules_model import Report as ReportSettings
from hotline.rules_model import Rules
from hotline.warehouse import fetch, month_rules

TREND_MONTHS = 13


@dataclass
class ReportData:
    month: str
    rules: Rules
    overview: dict[str, Any]
    channels: pl.DataFrame
    request_types: pl.DataFrame
    unit_scores: pl.DataFrame
    highlights: pl.DataFrame
    enterprise: dict[str, Any]
    enterprise_scores: pl.DataFrame
    onsite: pl.DataFrame
    hotspots: pl.DataFrame
    places: pl.DataFrame
    anomalies: pl.DataFrame
    trend_orders: pl.DataFrame
    trend_hotspots: pl.DataFrame
    short_names: dict[str, str]
    notes: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> ReportSettings:
        return self.rules.report

    def highlight(self, group: str, list_code: str) -> list[str]:
        """The short names of a section 二 list, in position order."""
        rows = self.highlights.filter((pl.col("group_code") == group) & (pl.col("list_code") == list_code)).sort(
            "position"
        )
        return [r["short_name"] or r["unit"] for r in rows.iter_rows(named=True)]

    def highlight_rows(self, group: str, list_code: str) -> list[dict[str, Any]]:
        rows = self.highlights.filter((pl.col("group_code") == group) & (pl.col("list_code") == list_code)).sort(
            "position"
        )
        return list(rows.iter_rows(named=True))

    def scores(self, group: str) -> pl.DataFrame:
        return self.unit_scores.filter(pl.col("group_code") == group).sort("list_order")

    def short(self, unit: str) -> str:
        return self.short_names.get(unit) or unit


def _one(con, sql: str, month: str, table: str) -> dict[str, Any]:
    frame = fetch(con, sql, {"month": month})
    if frame.height != 1:
        raise LookupError(f"{table} has {frame.height} rows for {month}: materialize the month's marts first")
    return frame.row(0, named=True)


def load_report_data(con: duckdb.DuckDBPyConnection, month: str, month_dir: Path | None = None) -> ReportData:
    p = {"month": month}
    first = shift_month(month, -(TREND_MONTHS - 1))
    rules = month_rules(con, month)
    overview = _one(con, "SELECT * FROM mart.overview WHERE month = $month", month, "mart.overview")
    enterprise = _one(
        con, "SELECT * FROM mart.enterprise_summary WHERE month = $month", month, "mart.enterprise_summary"
    )
    hotspots = fetch(
        con,
        "SELECT * FROM mart.hotspots WHERE month = $month ORDER BY rank NULLS LAST, hotspot, sub_hotspot NULLS FIRST",
        p,
    )
    top_n = int(rules.hotspots.report_top_n)
    top_names = [
        r["hotspot"]
        for r in hotspots.filter(pl.col("sub_hotspot").is_null() & pl.col("rank").is_not_null())
        .sort("rank", "hotspot_order" if "hotspot_order" in hotspots.columns else "hotspot")
        .head(top_n)
        .iter_rows(named=True)
    ]
    trend_params = {"first": first, "month": month}
    notes_path = month_dir / "notes.md" if month_dir is not None else None
    return ReportData(
        month=month,
        rules=rules,
        overview=overview,
        channels=fetch(con, "SELECT * FROM mart.channel_counts WHERE month = $month ORDER BY orders DESC, channel", p),
        request_types=fetch(
            con, "SELECT * FROM mart.request_type_shares WHERE month = $month ORDER BY orders DESC, request_type", p
        ),
        unit_scores=fetch(
            con, "SELECT * FROM mart.unit_scores WHERE month = $month ORDER BY group_code, list_order", p
        ),
        highlights=fetch(
            con, "SELECT * FROM mart.unit_highlights WHERE month = $month ORDER BY group_code, list_code, position", p
        ),
        enterprise=enterprise,
        enterprise_scores=fetch(
            con, "SELECT * FROM mart.enterprise_scores WHERE month = $month ORDER BY list_order", p
        ),
        onsite=fetch(con, "SELECT * FROM mart.onsite_2h WHERE month = $month ORDER BY list_order", p),
        hotspots=hotspots,
        places=fetch(
            con,
            "SELECT * FROM mart.hotspot_places WHERE month = $month ORDER BY hotspot, sub_hotspot NULLS FIRST, "
            "position",
            p,
        ),
        anomalies=fetch(con, "SELECT * FROM mart.anomalies WHERE month = $month AND surge ORDER BY kind, item", p),
        trend_orders=fetch(
            con,
            "SELECT month, orders FROM mart.overview WHERE month BETWEEN $first AND $month ORDER BY month",
            trend_params,
        ),
        trend_hotspots=fetch(
            con,
            """
            SELECT month, hotspot, orders FROM mart.hotspots
            WHERE month BETWEEN $first AND $month AND sub_hotspot IS NULL AND list_contains($names, hotspot)
            ORDER BY month, hotspot""",
            {**trend_params, "names": top_names},
        ),
        short_names=dict(fetch(con, "SELECT unit, short_name FROM ref.units WHERE month = $month", p).rows()),
        notes=notes_path.read_text(encoding="utf-8-sig") if notes_path is not None and notes_path.exists() else None,
        extras={"top_hotspots": top_names, **_text_extras(con, month)},
    )


def _text_extras(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, pl.DataFrame]:
    """What the hotspots are about (assets/text.py): aspects, distinctive terms, clusters."""
    p = {"month": month}
    return {
        "aspects": fetch(
            con, "SELECT * FROM mart.hotspot_aspects WHERE month = $month ORDER BY hotspot, rank, aspect", p
        ),
        "terms": fetch(con, "SELECT * FROM mart.hotspot_terms WHERE month = $month ORDER BY hotspot, aspect, rank", p),
        "clusters": fetch(
            con,
            "SELECT * FROM mart.place_clusters WHERE month = $month ORDER BY orders DESC, first_received, place",
            p,
        ),
    }
