"""``hotline trace MONTH UNIT``: why a unit scored what it did.

Each indicator of tables 1–3 (响应, 按时, 解决, 满意) and of table 4 (the unit's enterprise orders:
按时, 解决, 满意) with its numerator, denominator, rate and points, and the order numbers that lost
points. The counts come from ``sql/unit_trace.sql`` over ``core.assignments``, with the month's stored
rules bound exactly as the marts bind them, so they reproduce ``mart.unit_scores`` and
``mart.enterprise_scores``. No name, phone or text: order numbers only."""

from __future__ import annotations

import csv
import io
from typing import Any

import duckdb
import polars as pl

SCOPE_LABELS = {"unit": "表1–3", "enterprise": "表4 企业"}
CSV_COLUMNS = (
    "month",
    "unit",
    "scope",
    "indicator",
    "numerator",
    "denominator",
    "no_callback",
    "rate",
    "max_points",
    "points",
    "lost_count",
    "lost_orders",
)


class UnknownUnit(LookupError):
    pass


def resolve_unit(con: duckdb.DuckDBPyConnection, month: str, name: str) -> str:
    """The roster name of ``name`` (the name itself, its 简称 or one of its 别名) in ``month``."""
    rows = con.execute(
        "SELECT DISTINCT unit FROM ref.units WHERE month = $month "
        "AND (unit = $name OR short_name = $name OR list_contains(aliases, $name)) ORDER BY unit",
        {"month": month, "name": name},
    ).fetchall()
    if len(rows) == 1:
        return rows[0][0]
    if not rows:
        known = con.execute("SELECT count(*) FROM ref.units WHERE month = $month", {"month": month}).fetchall()[0][0]
        if not known:
            raise UnknownUnit(f"{month} is not loaded: no roster stored for it")
        raise UnknownUnit(f"no unit '{name}' in the roster of {month} (name, 简称 or 别名)")
    raise UnknownUnit(f"'{name}' names several units in {month}: {'、'.join(r[0] for r in rows)}")


def trace_params(con: duckdb.DuckDBPyConnection, month: str, unit: str) -> dict[str, Any]:
    """The parameters of sql/unit_trace.sql: the marts' own, from the rules the month was computed with."""
    from hotline.marts import enterprise_params, unit_scores_params
    from hotline.warehouse import month_rules

    rules = month_rules(con, month)
    params = unit_scores_params(rules, month)
    enterprise = enterprise_params(rules, month)
    params = {
        k: params[k]
        for k in (
            "month",
            "points_response",
            "points_ontime",
            "points_resolution",
            "points_satisfaction",
            "no_callback_rate",
        )
    }
    params.update(
        {f"enterprise_{k}": enterprise[k] for k in ("points_ontime", "points_resolution", "points_satisfaction")}
    )
    params["unit"] = unit
    return params


def trace_unit(con: duckdb.DuckDBPyConnection, month: str, name: str) -> pl.DataFrame:
    """One row per indicator of the unit (roster name, 简称 or alias) in ``month``."""
    from hotline.warehouse import fetch, sql_text

    unit = resolve_unit(con, month, name)
    return fetch(con, sql_text("unit_trace"), trace_params(con, month, unit))


def to_csv(frame: pl.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in frame.select(CSV_COLUMNS).iter_rows(named=True):
        writer.writerow([" ".join(v) if k == "lost_orders" else ("" if v is None else v) for k, v in row.items()])
    return buffer.getvalue()


def render_table(frame: pl.DataFrame, console, shown_orders: int) -> None:
    """The trace as a rich table; each indicator lists up to ``shown_orders`` order numbers."""
    from rich.table import Table

    if frame.is_empty():
        console.print("no orders for this unit in this month")
        return
    first = frame.row(0, named=True)
    table = Table(title=f"{first['month']} {first['unit']}: why it scored what it did", title_justify="left")
    for column, justify in (
        ("表", "left"),
        ("指标", "left"),
        ("分子", "right"),
        ("分母", "right"),
        ("率", "right"),
        ("得分", "right"),
        ("失分工单", "right"),
        ("工单编号", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")
    for row in frame.iter_rows(named=True):
        orders = row["lost_orders"]
        listed = " ".join(orders[:shown_orders]) + (
            f" … (+{len(orders) - shown_orders}, --csv lists all)" if len(orders) > shown_orders else ""
        )
        denominator = "无回访，按满分" if row["no_callback"] else str(row["denominator"])
        table.add_row(
            SCOPE_LABELS[row["scope"]],
            row["indicator"],
            _plain(row["numerator"]),
            denominator,
            f"{row['rate'] * 100:.2f}%",
            f"{row['points']} / {row['max_points']}",
            str(row["lost_count"]),
            listed,
        )
    console.print(table)


def _plain(number) -> str:
    """A credit sum as a person writes it: 108, 72.7506 (the CSV keeps the exact DECIMAL)."""
    from decimal import Decimal

    return format(number.normalize(), "f") if isinstance(number, Decimal) else str(number)
