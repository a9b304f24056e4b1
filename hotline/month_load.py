"""A month is all or nothing: its side files (adjustments.csv, city_assessment.csv) are read and
judged with its exports, and the month's core tables change only when nothing blocks it.

``core.month_loads`` says, per month, what its last attempt did ('loaded', 'blocked' or 'failed')
and when it last loaded; ``core.blocked_faults`` holds the faults of its last blocked attempt
(file, row as Excel numbers it, column, value, reason), cleared when the month loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from hotline.contract.files import FileFault, RowFaults, cast_numbers, read_csv_with_headers, validate_reference
from hotline.lookups import is_month
from hotline.warehouse import fetch, registered, sql_text, transaction
from schemas.reference import (
    ADJUSTMENTS_HEADERS,
    ADJUSTMENTS_REQUIRED,
    ADJUSTMENTS_SCHEMA,
    CITY_HEADERS,
    CITY_REQUIRED,
    CITY_SCHEMA,
)

LOADED, BLOCKED, FAILED = "loaded", "blocked", "failed"
# One problem of a month's adjustments, as the blocking checks list it (month, unit, problem,
# where) and as core.blocked_faults stores it (file, row, column, value, reason).
PROBLEM_SCHEMA = {
    "month": pl.String,
    "unit": pl.String,
    "problem": pl.String,
    "where": pl.String,
    "source_file": pl.String,
    "row_number": pl.Int64,
    "column_name": pl.String,
    "value": pl.String,
}
FAULT_COLUMNS = ["source_file", "row_number", "column_name", "value", "reason"]
ADJUSTMENT_FRAME = {
    "unit_as_written": pl.String,
    "deduction": pl.Float64,
    "quality_bonus": pl.Float64,
    "sampling_rank": pl.Int64,
    "source_row": pl.Int64,
}
HEADER_OF = {name: header for header, name in ADJUSTMENTS_HEADERS.items()}


@dataclass
class SideFiles:
    """A month's adjustments (resolved through the roster, as core.adjustments stores them), its
    city figures, and every problem found in either file."""

    adjustments: pl.DataFrame
    city: pl.DataFrame
    adjustments_file: str  # relative to the data folder ('' when the month has none)
    file_faults: pl.DataFrame  # rows of a side file that are not numbers or break its schema (FAULT_COLUMNS)
    unknown_units: pl.DataFrame  # PROBLEM_SCHEMA
    invalid: pl.DataFrame  # PROBLEM_SCHEMA: values outside the contract, a unit listed twice


def _problems(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA, orient="row")


def no_problems() -> pl.DataFrame:
    return _problems([])


def _row_faults(exc: RowFaults, relative: str) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (relative, row, column, None if value is None else str(value), reason)
            for row, column, value, reason in exc.faults
        ],
        schema=dict(zip(FAULT_COLUMNS, [pl.String, pl.Int64, pl.String, pl.String, pl.String])),
        orient="row",
    )


def empty_faults() -> pl.DataFrame:
    return pl.DataFrame(schema=dict(zip(FAULT_COLUMNS, [pl.String, pl.Int64, pl.String, pl.String, pl.String])))


def read_side_files(con, data_dir: Path, month_dir: Path, month: str) -> SideFiles:
    """Read and judge the month's adjustments.csv and city_assessment.csv against the month's roster
    (ref.units). A file that cannot be read raises FileFault; everything else is returned as
    problems, so that all of a month's faults are listed together."""
    path = month_dir / "adjustments.csv"
    relative = path.relative_to(data_dir).as_posix()
    faults = [empty_faults()]
    frame = pl.DataFrame(schema=ADJUSTMENT_FRAME)
    if path.exists():
        raw = read_csv_with_headers(path, ADJUSTMENTS_HEADERS, ADJUSTMENTS_REQUIRED)
        try:
            frame = cast_numbers(
                raw,
                {"deduction": pl.Float64, "quality_bonus": pl.Float64, "sampling_rank": pl.Int64},
                path,
                ADJUSTMENTS_HEADERS,
            ).select(list(ADJUSTMENT_FRAME))
        except RowFaults as exc:
            faults.append(_row_faults(exc, relative))
    with registered(con, adjustments_file=frame):
        adjustments = fetch(
            con, sql_text("core_adjustments"), {"month": month, "file": relative if path.exists() else ""}
        )
    city_path = month_dir / "city_assessment.csv"
    city = pl.DataFrame(schema={"indicator": pl.String, "value_pct": pl.Float64})
    if city_path.exists():
        raw = read_csv_with_headers(city_path, CITY_HEADERS, CITY_REQUIRED)
        try:
            raw = cast_numbers(raw, {"value_pct": pl.Float64}, city_path, CITY_HEADERS)
            city = validate_reference(raw, CITY_SCHEMA, city_path, CITY_HEADERS).select("indicator", "value_pct")
        except RowFaults as exc:
            faults.append(_row_faults(exc, city_path.relative_to(data_dir).as_posix()))
    return SideFiles(
        adjustments,
        city,
        relative if path.exists() else "",
        pl.concat(faults),
        unknown_adjustment_units(adjustments),
        invalid_adjustments(adjustments),
    )


def _where(row: dict[str, Any]) -> str:
    return f"{row['source_file']} row {row['source_row']}"


def unknown_adjustment_units(adjustments: pl.DataFrame) -> pl.DataFrame:
    return _problems(
        [
            (
                r["month"],
                r["unit_as_written"],
                "not in the roster (units.csv)"
                if r["unit_as_written"] is not None
                else "单位名称 is empty: write the unit's name or delete the row",
                _where(r),
                r["source_file"],
                r["source_row"],
                "单位名称",
                r["unit_as_written"],
            )
            for r in adjustments.filter(~pl.col("in_roster")).sort("source_row").iter_rows(named=True)
        ]
    )


def invalid_adjustments(adjustments: pl.DataFrame) -> pl.DataFrame:
    """Values outside the adjustments.csv contract, validated with its pandera schema
    (schemas.reference.ADJUSTMENTS_SCHEMA: 减分项 ≤ 0, 质效 ≥ 0, 抽测排名 ≥ 1), and a unit listed
    on two rows, by its name or an alias: both rows are named (which one counts is not guessable)."""
    import pandera.errors

    stored = adjustments.select(
        "month",
        "unit",
        "unit_as_written",
        pl.col("deduction").cast(pl.Float64),
        pl.col("quality_bonus").cast(pl.Float64),
        pl.col("sampling_rank").cast(pl.Int64),
        "source_file",
        "source_row",
        "in_roster",
    ).sort("source_row")
    rows = []
    try:
        ADJUSTMENTS_SCHEMA.validate(stored, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        for case in errors.failure_cases.iter_rows(named=True):
            column, check = case.get("column") or "", case.get("check") or ""
            if column == "unit_as_written" and check.startswith("field_uniqueness"):
                continue  # named below with both rows, aliases included
            if case.get("index") is None:
                rows.append(
                    (
                        stored["month"][0] if stored.height else "",
                        "",
                        f"{column}: {check}",
                        "adjustments",
                        "",
                        0,
                        HEADER_OF.get(column, column),
                        None,
                    )
                )
                continue
            r = stored.row(int(case["index"]), named=True)
            reason = "required value is empty" if check.startswith("not_nullable") else check
            rows.append(
                (
                    r["month"],
                    r["unit"],
                    f"{reason} (got {case.get('failure_case')})",
                    _where(r),
                    r["source_file"],
                    r["source_row"],
                    HEADER_OF.get(column, column),
                    case.get("failure_case"),
                )
            )
    known = stored.filter(pl.col("in_roster"))
    first = known.group_by("unit").agg(
        pl.col("source_row").min().alias("first_row"), pl.col("unit_as_written").first().alias("first_name")
    )
    again = known.join(first, on="unit").filter(pl.col("source_row") != pl.col("first_row"))
    for r in again.sort("source_row").iter_rows(named=True):
        rows.append(
            (
                r["month"],
                r["unit"],
                f"listed twice: row {r['first_row']} ('{r['first_name']}') and row {r['source_row']} "
                f"('{r['unit_as_written']}') name the same unit; keep one row for it",
                _where(r),
                r["source_file"],
                r["source_row"],
                "单位名称",
                r["unit_as_written"],
            )
        )
    return _problems(rows)


def adjustments_against_roster(frame: pl.DataFrame, names: pl.DataFrame, month: str, relative: str) -> pl.DataFrame:
    """adjustments.csv resolved through the roster's names and aliases without the warehouse (for
    ``hotline validate``), in core.adjustments' shape; the run resolves with sql/core_adjustments.sql."""
    resolved = frame.join(
        names.select(pl.col("name").alias("unit_as_written"), "unit"), on="unit_as_written", how="left"
    )
    return resolved.select(
        pl.lit(month).alias("month"),
        pl.coalesce("unit", "unit_as_written").alias("unit"),
        "unit_as_written",
        pl.col("unit").is_not_null().alias("in_roster"),
        "deduction",
        "quality_bonus",
        "sampling_rank",
        pl.lit(relative).alias("source_file"),
        "source_row",
    )


def missing_sampling_ranks(
    staged: pl.DataFrame, side: SideFiles, roster: pl.DataFrame, month: str, dept_large_threshold: int
) -> pl.DataFrame:
    """Towns and large departments ranked this month (known from the month's volumes, as
    mart.unit_scores groups them) without a 抽测排名 in the month's adjustments. When the file itself
    has unreadable rows, its ranks are not judged: its rows are not read, and listing every ranked
    unit as missing would bury the one fault that needs fixing (listed in ``side.file_faults``)."""
    if side.adjustments_file and (side.file_faults["source_file"] == side.adjustments_file).any():
        return no_problems()
    volumes = staged.group_by("unit", "unit_group").len("volume")
    ranked = volumes.with_columns(
        pl.when(pl.col("unit_group") == "town")
        .then(pl.lit("town"))
        .when(pl.col("volume") >= dept_large_threshold)
        .then(pl.lit("dept_large"))
        .otherwise(pl.lit("dept_small"))
        .alias("group_code")
    ).filter(pl.col("group_code") != "dept_small")
    ranked = ranked.join(roster.select("unit", "roster_order"), on="unit", how="left")
    given = (
        side.adjustments.filter(pl.col("in_roster"))
        .group_by("unit")
        .agg(pl.col("sampling_rank").first(), pl.col("source_row").first())
    )
    file = side.adjustments_file or f"months/{month}/adjustments.csv (missing)"
    rows = []
    listed = ranked.join(given, on="unit", how="left", coalesce=True).sort("group_code", "roster_order")
    for r in listed.iter_rows(named=True):
        if r["source_row"] is None:
            rows.append(
                (month, r["unit"], "no row for the unit", file, side.adjustments_file or None, None, "单位名称", None)
            )
        elif r["sampling_rank"] is None:
            where = f"{side.adjustments_file} row {r['source_row']}"
            rows.append(
                (
                    month,
                    r["unit"],
                    "抽测排名 is empty",
                    where,
                    side.adjustments_file,
                    r["source_row"],
                    "抽测排名",
                    None,
                )
            )
    return _problems(rows)


def problem_faults(problems: pl.DataFrame) -> pl.DataFrame:
    """Adjustment problems as rows of core.blocked_faults."""
    # A problem of a row without a unit name is said without one (a null would make the reason null).
    reason = (
        pl.when(pl.col("unit").is_null()).then(pl.col("problem")).otherwise(pl.format("{}: {}", "unit", "problem"))
    )
    return problems.select(
        pl.col("source_file").fill_null(pl.col("where")),
        pl.col("row_number").fill_null(0),
        "column_name",
        "value",
        reason.alias("reason"),
    )


def store_side_files(con, month: str, side: SideFiles) -> None:
    """Replace the month's core.adjustments and core.city_assessment (inside the caller's transaction)."""
    with registered(con, adjustments_new=side.adjustments, city_new=side.city):
        for table in ("core.adjustments", "core.city_assessment"):
            con.execute(f"DELETE FROM {table} WHERE month = $month", {"month": month})
        con.execute("INSERT INTO core.adjustments BY NAME SELECT * FROM adjustments_new")
        con.execute(
            "INSERT INTO core.city_assessment BY NAME SELECT $month AS month, indicator, value_pct FROM city_new",
            {"month": month},
        )


def record_attempt(
    con, month: str, state: str, counts: dict[str, int | None], reason: str | None, faults: pl.DataFrame | None = None
) -> None:
    """Write the month's row of core.month_loads: 'loaded' (inside the transaction that stores
    the month; clears its blocked faults), 'blocked' (its faults replace the previous blocked
    attempt's) or 'failed'. The time of the last good load is kept across blocked and failed attempts."""
    now = datetime.now().replace(microsecond=0)
    previous = con.execute("SELECT loaded_at FROM core.month_loads WHERE month = $month", {"month": month}).fetchall()
    loaded_at = now if state == LOADED else (previous[0][0] if previous else None)
    con.execute("DELETE FROM core.month_loads WHERE month = $month", {"month": month})
    con.execute(
        "INSERT INTO core.month_loads VALUES ($month, $state, $attempted_at, $loaded_at, $rows_in, "
        "$rows_stored, $rows_rejected, $rows_replaced, $faults, $reason)",
        {
            "month": month,
            "state": state,
            "attempted_at": now,
            "loaded_at": loaded_at,
            "rows_in": counts.get("rows_in"),
            "rows_stored": counts.get("rows_stored"),
            "rows_rejected": counts.get("rows_rejected"),
            "rows_replaced": counts.get("rows_replaced"),
            "faults": 0 if faults is None else faults.height,
            "reason": reason,
        },
    )
    if state == LOADED:
        con.execute("DELETE FROM core.blocked_faults WHERE month = $month", {"month": month})
    elif state == BLOCKED and faults is not None:
        con.execute("DELETE FROM core.blocked_faults WHERE month = $month", {"month": month})
        with registered(con, blocked_new=faults.select(FAULT_COLUMNS)):
            con.execute(
                "INSERT INTO core.blocked_faults BY NAME SELECT $month AS month, * FROM blocked_new", {"month": month}
            )


def record_failure(con, month: str, reason: str) -> None:
    """A file fault or a failed write: the month keeps everything, core.month_loads says why.
    Written through a cursor of its own (its own transaction), so that it stays when the step's
    transaction is rolled back."""
    cursor = con.cursor()
    try:
        with transaction(cursor):
            record_attempt(cursor, month, FAILED, {}, reason)
    finally:
        cursor.close()


def month_states(con, months: list[str]) -> dict[str, tuple[str, str | None, int | None]]:
    """{month: (state, reason, faults)} of the months core.month_loads knows."""
    if not months:
        return {}
    rows = con.execute(
        "SELECT month, state, reason, faults FROM core.month_loads WHERE list_contains($months, month)",
        {"months": months},
    ).fetchall()
    return {m: (s, r, f) for m, s, r, f in rows}


def is_month_folder_name(name: str) -> bool:
    """``YYYY-MM`` with a real month: 2024-13, 24-02 and 2024-2 are not month folders."""
    return is_month(name)


def impossible_month_folders(data_dir: Path) -> list[Path]:
    """Folders under months/ whose name is not a month like 2024-02: a run never reads them."""
    months_dir = data_dir / "months"
    if not months_dir.is_dir():
        return []
    return sorted(p for p in months_dir.iterdir() if p.is_dir() and not is_month_folder_name(p.name))


def missing_month_folder(data_dir: Path, month_dir: Path, month: str) -> FileFault:
    """The month has no folder: say so, and name a misnamed folder that may be meant."""
    misnamed = impossible_month_folders(data_dir)
    hint = (
        f"; {', '.join(p.name for p in misnamed)} under months/ is not a month name (YYYY-MM, month 01–12): "
        "rename it if it holds this month"
        if misnamed
        else ""
    )
    return FileFault(
        month_dir,
        f"does not exist{hint}",
        f"Put the month's files in months/{month}/ (exports/, adjustments.csv) and run it again",
    )
