"""Reference data in force for each month, without Dagster: reading and validating the files of
data/reference (units.csv, hotspots.csv, aspects.csv, a month's adjustments.csv) and writing the
months' rows of the ref.* tables. The assets (assets/reference.py, assets/text.py) turn a bad file
into a failed run; the readers here only raise the file's own fault (file, row, column, fix)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from hotline.calendar import Window
from hotline.contract.files import FileFault, RowFaults, cast_numbers, read_csv_with_headers, validate_reference
from hotline.rules import rules_json
from hotline.rules_model import Rules
from hotline.warehouse import registered, replace_month, transaction
from schemas.aspects import ASPECTS_HEADERS, ASPECTS_REQUIRED, ASPECTS_SCHEMA
from schemas.reference import (
    ADJUSTMENTS_HEADERS,
    ADJUSTMENTS_REQUIRED,
    HOTSPOTS_HEADERS,
    HOTSPOTS_REQUIRED,
    HOTSPOTS_SCHEMA,
    UNITS_HEADERS,
    UNITS_REQUIRED,
    units_schema,
)

ASPECTS_FILE = "aspects.csv"
_ASPECT_COLUMNS = {
    "hotspot": pl.String,
    "aspect": pl.String,
    "prefix": pl.String,
    "keywords": pl.List(pl.String),
    "aspect_order": pl.Int32,
}
ROSTER_COLUMNS = [
    "roster_order",
    "unit",
    "short_name",
    "roster_group",
    "unit_group",
    "primary_leader",
    "deputy_leader",
    "aliases",
]


def load_roster(reference_dir: Path, rules: Rules) -> pl.DataFrame:
    """units.csv validated: one row per unit in roster order, aliases as a list."""
    path = reference_dir / "units.csv"
    if not path.exists():
        raise FileFault(path, "is missing", "Put the roster of handling units in data/reference/units.csv")
    frame = read_csv_with_headers(path, UNITS_HEADERS, UNITS_REQUIRED)
    roster_groups = rules.groups.roster_groups
    frame = validate_reference(frame, units_schema(list(roster_groups)), path, UNITS_HEADERS)
    frame = frame.with_columns(
        pl.col("short_name").fill_null(pl.col("unit")),
        pl.col("roster_group").replace_strict(roster_groups, return_dtype=pl.String).alias("unit_group"),
        pl.col("aliases")
        .fill_null("")
        .str.replace_all("；", ";")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars(" \u3000"))
        .list.eval(pl.element().filter(pl.element() != "")),
        (pl.col("source_row") - 1).cast(pl.Int32).alias("roster_order"),
    )
    # A name (or alias) must lead to one unit only.
    names = pl.concat(
        [
            frame.select("source_row", pl.col("unit").alias("name"), "unit"),
            frame.select("source_row", pl.col("aliases").alias("name"), "unit").explode("name").drop_nulls("name"),
        ]
    )
    clashes = names.filter(pl.col("name").is_duplicated() & pl.struct("name", "unit").is_unique())
    if clashes.height:
        faults = [
            (
                r["source_row"],
                "别名",
                r["name"],
                "this name also leads to another unit; a name or alias may belong to one unit only",
            )
            for r in clashes.iter_rows(named=True)
        ]
        raise RowFaults(path, sorted(faults))
    return frame


def roster_of_month(roster: pl.DataFrame, month: str) -> pl.DataFrame:
    return roster.filter(
        (pl.col("valid_from").is_null() | (pl.col("valid_from") <= month))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= month))
    )


def unit_names(roster_month: pl.DataFrame) -> pl.DataFrame:
    """Every name that resolves to a unit this month: the unit's own name and its aliases."""
    return pl.concat(
        [
            roster_month.select(pl.col("unit").alias("name"), "unit", "unit_group"),
            roster_month.select(pl.col("aliases").alias("name"), "unit", "unit_group")
            .explode("name")
            .drop_nulls("name"),
        ]
    ).unique(subset="name", keep="first")


def load_hotspots(reference_dir: Path) -> pl.DataFrame:
    path = reference_dir / "hotspots.csv"
    if not path.exists():
        raise FileFault(path, "is missing", "Put the hotspot taxonomy in data/reference/hotspots.csv")
    frame = read_csv_with_headers(path, HOTSPOTS_HEADERS, HOTSPOTS_REQUIRED)
    frame = frame.with_columns(pl.col("prefix").str.strip_chars("/"))
    frame = validate_reference(frame, HOTSPOTS_SCHEMA, path, HOTSPOTS_HEADERS)
    return frame.with_columns((pl.col("source_row") - 1).cast(pl.Int32).alias("hotspot_order"))


def load_adjustments(path: Path) -> pl.DataFrame:
    frame = read_csv_with_headers(path, ADJUSTMENTS_HEADERS, ADJUSTMENTS_REQUIRED)
    return cast_numbers(
        frame,
        {"deduction": pl.Float64, "quality_bonus": pl.Float64, "sampling_rank": pl.Int64},
        path,
        ADJUSTMENTS_HEADERS,
    )


def load_aspects(reference_dir: Path) -> pl.DataFrame:
    """reference/aspects.csv validated (schemas/aspects.py): hotspot, aspect, prefix, keywords
    (a list, empty = any order), aspect_order (file order). No file: no rows."""
    path = reference_dir / ASPECTS_FILE
    if not path.exists():
        return pl.DataFrame(schema=_ASPECT_COLUMNS)
    frame = read_csv_with_headers(path, ASPECTS_HEADERS, ASPECTS_REQUIRED)
    frame = validate_reference(frame, ASPECTS_SCHEMA, path, ASPECTS_HEADERS)
    return frame.select(
        "hotspot",
        "aspect",
        pl.col("prefix").str.strip_chars("/"),
        pl.col("keywords")
        .fill_null("")
        .str.replace_all("｜", "|")
        .str.split("|")
        .list.eval(pl.element().str.strip_chars(" \u3000"))
        .list.eval(pl.element().filter(pl.element() != "")),
        (pl.col("source_row") - 1).cast(pl.Int32).alias("aspect_order"),
    )


def aspect_keywords(reference_dir: Path) -> list[str]:
    """Every keyword of aspects.csv: the ingest records which orders' texts hold them."""
    return sorted({k for ks in load_aspects(reference_dir)["keywords"].to_list() for k in ks})


# --------------------------------------------------------------------------- the ref.* tables
def rules_source(reference_dir: Path) -> str:
    """Where the effective rules come from: the data folder's rules.yaml, else the defaults."""
    return str(reference_dir / "rules.yaml") if (reference_dir / "rules.yaml").exists() else "defaults"


def store_rules(con, months: list[str], effective: dict[str, Any], source: str) -> None:
    """ref.rules: the effective rules of each month, in one transaction."""
    with transaction(con):
        for month in months:
            con.execute("DELETE FROM ref.rules WHERE month = $month", {"month": month})
            con.execute(
                "INSERT INTO ref.rules VALUES ($month, $rules, $source)",
                {"month": month, "rules": rules_json(effective), "source": source},
            )


def store_windows(con, windows: list[Window]) -> None:
    """ref.months: each month's assessment window, in one transaction."""
    with transaction(con):
        for w in windows:
            con.execute("DELETE FROM ref.months WHERE month = $month", {"month": w.month})
            con.execute(
                "INSERT INTO ref.months VALUES ($month, $start, $end, $days, $source)",
                {"month": w.month, "start": w.start, "end": w.end, "days": w.days, "source": w.source},
            )


def store_units(con, roster: pl.DataFrame, months: list[str]) -> dict[str, list[tuple[str, int]]]:
    """ref.units: the roster valid in each month; the units per group of each month."""
    counts = {}
    for month in months:
        month_roster = roster_of_month(roster, month).select(ROSTER_COLUMNS)
        with registered(con, month_roster=month_roster):
            replace_month(
                con,
                "ref.units",
                "SELECT $month AS month, * FROM month_roster",
                {"month": month},
                ensure=month == months[0],
            )
        counts[month] = month_roster.group_by("unit_group").len().sort("unit_group").rows()
    return counts


def store_hotspots(con, taxonomy: pl.DataFrame, months: list[str]) -> None:
    """ref.hotspots: the taxonomy in force for each month."""
    with registered(con, taxonomy=taxonomy.select("hotspot", "sub_hotspot", "prefix", "hotspot_order")):
        for month in months:
            replace_month(
                con,
                "ref.hotspots",
                "SELECT $month AS month, * FROM taxonomy",
                {"month": month},
                ensure=month == months[0],
            )


def store_aspects(con, aspects: pl.DataFrame, months: list[str]) -> None:
    """ref.aspects: reference/aspects.csv for each month."""
    with registered(con, aspect_rows=aspects):
        for month in months:
            replace_month(
                con,
                "ref.aspects",
                "SELECT $month AS month, * FROM aspect_rows",
                {"month": month},
                ensure=month == months[0],
            )
