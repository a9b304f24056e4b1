"""pandera (polars) checks that decide NULL themselves.

pandera lets a check pass where its expression yields NULL (``ignore_na``, on by default), and
polars yields NULL for most comparisons with an empty cell, so a value set check like
``isin([...]) | number.is_between(0, 100)`` passes a label outside the set (``一般``: not in the
set, no number, NULL). Every check of the project's schemas is made here: NULL output is a
failure (``ignore_na=False``), and each check says explicitly what an empty cell means."""

from __future__ import annotations

from collections.abc import Callable, Collection

import pandera.polars as pa
import polars as pl

# What an empty cell means for a check: "allowed" where the column may be empty (the column's
# nullable=True); "not_nullable" where the column's own not_nullable check already names an empty
# cell, so the value check passes it rather than naming the same cell twice.
EMPTY_ALLOWED, EMPTY_IS_NOT_NULLABLE_FAULT = "allowed", "not_nullable"


def value_check(condition: Callable[[pl.Expr], pl.Expr], error: str, empty: str) -> pa.Check:
    """A check that ``condition(value)`` holds for every non-empty value; an empty value passes
    (see EMPTY_*: either it is allowed or another check names it). A NULL from ``condition`` on a
    non-empty value is a failure."""
    if empty not in (EMPTY_ALLOWED, EMPTY_IS_NOT_NULLABLE_FAULT):
        raise ValueError(f"empty must be {EMPTY_ALLOWED!r} or {EMPTY_IS_NOT_NULLABLE_FAULT!r}")

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        value = pl.col(data.key)
        return data.lazyframe.select(value.is_null() | condition(value).fill_null(False))

    return pa.Check(check, error=error, ignore_na=False)


def one_of(values: Collection, error: str, empty: str) -> pa.Check:
    """The value is one of ``values`` (exactly as written)."""
    allowed = list(values)
    return value_check(lambda value: value.is_in(allowed), error, empty)
