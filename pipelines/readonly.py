"""A read-only look at the warehouse for the commands that run nothing (``status``, ``trace``).

DuckDB lets one process write a file and no other open it meanwhile, not even to read: while a
run writes the warehouse these commands say so instead of waiting or failing with a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be read now: missing, or held by a run that writes it."""


@contextmanager
def read_warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection with the project's macros (temporary, so nothing is written)."""
    from hotline.warehouse import sql_text

    if not Path(path).exists():
        raise WarehouseUnavailable(f"no warehouse at {path} yet: run a month first (hotline run YYYY-MM)")
    try:
        con = duckdb.connect(str(path), read_only=True, config={"python_enable_replacements": False})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseUnavailable(
                f"the warehouse {path} is being written by a run right now; try again when it has finished"
            ) from None
        raise
    try:
        con.execute(sql_text("macros"))
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $s AND table_name = $t",
            {"s": schema, "t": name},
        ).fetchall()[0][0]
    )
