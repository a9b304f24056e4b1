"""The warehouse side of every asset: opening a connection with the project's settings,
reading SQL files from ``sql/``, and writing one month of a table atomically."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from hotline.settings import SQL_DIR

if TYPE_CHECKING:
    from hotline.rules_model import Rules

PREVIEW_ROWS = 10


def sql_text(name: str) -> str:
    """The SQL of ``sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and core tables if missing, and this connection's macros."""
    con.execute(sql_text("warehouse_schema"))
    _fill_orders_of_older_months(con)
    _order_terms_as_view(con)  # before the macros, which read it
    con.execute(sql_text("macros"))


def _fill_orders_of_older_months(con: duckdb.DuckDBPyConnection) -> None:
    """core.orders for the months a warehouse stored before the table existed: the marts read
    their base months from it, and a base month missing there would count as 0 orders. Their
    callers are the hashes of 联系电话 stored with the assignments (来电人 was never stored)."""
    columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = 'orders'"
        ).fetchall()
    }
    missing = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT month FROM core.assignments EXCEPT SELECT DISTINCT month FROM core.orders"
        ).fetchall()
    ]
    if missing or not {"caller", "text"} <= columns:
        no_texts = pl.DataFrame(schema={"order_id": pl.String, "text": pl.Int32})
        no_callers = pl.DataFrame(schema={"order_id": pl.String, "caller_name": pl.String})
        with registered(con, order_texts=no_texts, order_callers=no_callers), transaction(con):
            if not {"caller", "text"} <= columns:  # written before orders had their caller and text
                con.execute("ALTER TABLE core.orders ADD COLUMN caller VARCHAR")
                con.execute("ALTER TABLE core.orders ADD COLUMN text INTEGER")
                con.execute("UPDATE core.orders SET caller = caller_hash")
            if missing:
                con.execute(
                    f"INSERT INTO core.orders BY NAME {sql_text('core_orders')}",
                    {"months": sorted(missing), "phone_key": ""},
                )


def _order_terms_as_view(con: duckdb.DuckDBPyConnection) -> None:
    """The view core.order_terms over core.orders.text and core.text_terms. A warehouse written when
    core.order_terms was a table of (order, term) rows has them moved first, each order its own text
    (and its caller from there: an order without 联系电话 had its 来电人's hash on its terms)."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = 'core' AND table_name = 'order_terms'"
    ).fetchall()
    if kind == [("VIEW",)]:
        return
    with transaction(con):
        if kind:
            con.execute(
                "UPDATE core.orders AS o SET text = x.text, caller = coalesce(o.caller_hash, x.caller) "
                "FROM (SELECT month, order_id, "
                "      row_number() OVER (PARTITION BY month ORDER BY order_id) AS text, min(caller) AS caller "
                "      FROM core.order_terms GROUP BY month, order_id) AS x "
                "WHERE o.month = x.month AND o.order_id = x.order_id"
            )
            con.execute(
                "INSERT INTO core.text_terms BY NAME SELECT t.month, o.text, t.term, t.kind "
                "FROM core.order_terms AS t INNER JOIN core.orders AS o USING (month, order_id)"
            )
            con.execute("DROP TABLE core.order_terms")
        con.execute(f"CREATE VIEW core.order_terms AS {sql_text('core_order_terms')}")


# Connections with a transaction open (by id): a transaction inside another joins it, so that a
# step can write all its tables in one transaction while each table's writer keeps its own.
_OPEN_TRANSACTIONS: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: everything inside commits together or not at all. Inside another
    transaction on the same connection it is part of that one."""
    if id(con) in _OPEN_TRANSACTIONS:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _OPEN_TRANSACTIONS.add(id(con))
    try:
        yield con
    except BaseException:
        _OPEN_TRANSACTIONS.discard(id(con))
        con.execute("ROLLBACK")
        raise
    else:
        _OPEN_TRANSACTIONS.discard(id(con))
        con.execute("COMMIT")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: pl.DataFrame) -> Iterator[duckdb.DuckDBPyConnection]:
    """Polars frames visible to SQL under the given names for the block, then gone again.

    Handed over as Arrow string views, which polars gives without copying (its default, large
    strings, copies every text value; BENCHMARKS.md has the cost)."""
    for name, frame in frames.items():
        con.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        yield con
    finally:
        for name in frames:
            con.unregister(name)


def fetch(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    """Run a query and fetch all of it (DuckDB 2.0 keeps a half-read result open otherwise)."""
    return con.sql(query, params=params or None).pl()


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None = None) -> Any:
    rows = con.execute(query, params or {}).fetchall()
    return rows[0][0] if rows else None


def _ensure_table(con: duckdb.DuckDBPyConnection, table: str, query: str, params: dict[str, Any]) -> None:
    """Create ``table`` with the query's columns on first use, and add any column the query
    gained since, so that the SQL file stays the one place that says what a mart holds."""
    shape = f"SELECT * FROM ({query}) AS q LIMIT 0"
    schema, name = table.split(".")
    exists = scalar(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = $s AND table_name = $t",
        {"s": schema, "t": name},
    )
    if not exists:
        con.execute(f"CREATE TABLE {table} AS {shape}", params)
        return
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $s AND table_name = $t",
            {"s": schema, "t": name},
        ).fetchall()
    }
    described = con.execute(f"DESCRIBE {shape}", params).fetchall()
    for column, column_type, *_ in described:
        if column not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {column_type}')


def replace_month(
    con: duckdb.DuckDBPyConnection, table: str, query: str, params: dict[str, Any], *, ensure: bool = True
) -> dict[str, Any]:
    """Replace the rows of ``params['month']`` in ``table`` with the result of ``query``, in one
    transaction. Returns metadata: the table and the rows written. ``ensure=False`` skips the
    check of the table's columns against the query's (done once per step, not once per month of
    a backfill)."""
    with transaction(con):
        if ensure:
            _ensure_table(con, table, query, params)
        con.execute(f"DELETE FROM {table} WHERE month = $month", {"month": params["month"]})
        inserted = con.execute(f"INSERT INTO {table} BY NAME {query}", params).fetchall()
    return {"table": table, "rows": int(inserted[0][0]) if inserted else 0}


def month_metadata(con: duckdb.DuckDBPyConnection, table: str, month: str) -> dict[str, Any]:
    rows = scalar(con, f"SELECT count(*) FROM {table} WHERE month = $month", {"month": month})
    preview = fetch(con, f"SELECT * FROM {table} WHERE month = $month LIMIT {PREVIEW_ROWS}", {"month": month})
    return {"table": table, "rows": int(rows), "preview": markdown_table(preview)}


def markdown_table(frame: pl.DataFrame, limit: int = PREVIEW_ROWS) -> str:
    if frame.width == 0:
        return "(no columns)"
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * frame.width
    body = [
        "| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.head(limit).iter_rows()
    ]
    return "\n".join([head, rule, *body])


# DuckDB lets one process write a file at a time. A run that finds the warehouse held by another
# process (another ``hotline run``, a run launched from the UI) waits for it, up to this many
# seconds, then fails with a message that says who holds it.
WAIT_SECONDS_ENV = "HOTLINE_WAREHOUSE_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 900.0


class WarehouseBusy(RuntimeError):
    pass


def _is_lock_conflict(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


# A process whose command line names one of these is a run of this project (the CLI, the UI's
# code server or daemon, a dagster command); anything else holding the file is another program.
RUN_MARKERS = ("hotline", "dagster", "pipelines.")


def lock_holder(exc: Exception) -> tuple[bool, str]:
    """(is it a run of hotline?, who) for DuckDB's lock conflict, which names the holder's PID:
    its command line (/proc/PID/cmdline) tells a hotline or Dagster run from, say, an analyst's
    ``duckdb -readonly`` session or a notebook."""
    import re

    match = re.search(r"PID (\d+)", str(exc))
    if not match:
        return True, "another process"
    pid = match.group(1)
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return True, f"PID {pid}"
    shown = command if len(command) <= 120 else command[:117] + "..."
    return any(marker in command for marker in RUN_MARKERS), f"PID {pid}: {shown}"


def _held_by(database: str, exc: Exception) -> tuple[str, str]:
    """(what the waiting line says, what the failure says) about who holds the file."""
    is_run, who = lock_holder(exc)
    if is_run:
        return "held by another run", "is still held by another run"
    return (
        f"it is open in another program (a DuckDB session? {who}); close it there (.exit in the duckdb shell, "
        "con.close() in Python)",
        f"is still open in another program (a DuckDB session? {who})",
    )


def connect_waiting(
    database: str, config: dict[str, Any], *, wait_seconds: float | None = None, echo=None
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` for writing, waiting (with backoff) while another process holds the file."""
    import os
    import sys
    import time

    if wait_seconds is None:
        wait_seconds = float(os.environ.get(WAIT_SECONDS_ENV, DEFAULT_WAIT_SECONDS))
    echo = echo or (lambda text: print(text, file=sys.stderr, flush=True))
    deadline = time.monotonic() + wait_seconds
    delay, announced = 0.1, False
    while True:
        try:
            return duckdb.connect(database, read_only=False, config=config)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise
            remaining = deadline - time.monotonic()
            waiting, still = _held_by(database, exc)
            if remaining <= 0:
                what = (
                    "Wait for that run to finish (or stop it)"
                    if still.endswith("another run")
                    else "Close that session (a read-only session blocks writing too)"
                )
                raise WarehouseBusy(
                    f"the warehouse {database} {still} after {wait_seconds:g} s ({exc}). "
                    f"{what}, then run again; {WAIT_SECONDS_ENV} sets how long to wait."
                ) from None
            if not announced:
                echo(f"waiting for the warehouse, {waiting} (up to {wait_seconds:g} s): {exc}")
                announced = True
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 1.0)


@contextmanager
def open_warehouse(resource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A prepared connection from the DuckDB resource's settings (creating the file's folder if
    needed), waiting while another process writes the file."""
    from pathlib import Path

    Path(resource.database).parent.mkdir(parents=True, exist_ok=True)
    con = connect_waiting(resource.database, {"custom_user_agent": "dagster", **(resource.connection_config or {})})
    try:
        prepare(con)
        yield con
    finally:
        # Closed on success and failure alike: a failed step must not keep the file open
        # (another process, or the next run, could not open it otherwise).
        con.close()


def month_rules(con: duckdb.DuckDBPyConnection, month: str) -> Rules:
    """The rules a month was computed with (written by the ``ref/rules`` asset), as the typed model:
    ``rules.text.min_orders``; numbers as the stored JSON holds them (5 stays 5, 0.3 stays 0.3)."""
    import json

    from hotline.rules_model import typed_rules

    text = scalar(con, "SELECT rules_json FROM ref.rules WHERE month = $month", {"month": month})
    if text is None:
        raise LookupError(f"no rules stored for {month}: materialize ref/rules for {month} first")
    return typed_rules(json.loads(text))


def months_of(context) -> list[str]:
    """The months a run covers, in month order: one for a month's run, many for a backfill
    launched as a single run (later months compare with earlier ones, so order matters)."""
    return sorted(context.partition_keys)
