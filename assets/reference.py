"""Reference data in force for each month: rules, the assessment window, the roster and the
hotspot taxonomy. (The month's side files are judged and stored with its exports: assets/ingest.py.)"""


from pathlib import Path
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, Failure, MaterializeResult, MetadataValue

from hotline.calendar import Calendar, CalendarError
from hotline.rules import RulesError, load_rules, rules_json
from assets.steps import Table, tables_step
from hotline.warehouse import markdown_table, months_of, registered, replace_month, transaction
from pipelines.resources import HotlinePaths
from hotline.contract.files import FileFault, RowFaults, cast_numbers, read_csv_with_headers, validate_reference
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



def input_failure(exc: Exception) -> Failure:
    """A bad input file stops the run with the file's own message (file, row, column, fix)."""
    return Failure(description=str(exc), metadata={"problem": MetadataValue.text(str(exc))})


def load_roster(reference_dir: Path, rules: dict[str, Any]) -> pl.DataFrame:
    """units.csv validated: one row per unit in roster order, aliases as a list."""
    path = reference_dir / "units.csv"
    if not path.exists():
        raise FileFault(path, "is missing", "Put the roster of handling units in data/reference/units.csv")
    frame = read_csv_with_headers(path, UNITS_HEADERS, UNITS_REQUIRED)
    roster_groups = rules["groups"]["roster_groups"]
    frame = validate_reference(frame, units_schema(list(roster_groups)), path, UNITS_HEADERS)
    frame = frame.with_columns(
        pl.col("short_name").fill_null(pl.col("unit")),
        pl.col("roster_group").replace_strict(roster_groups, return_dtype=pl.String).alias("unit_group"),
        pl.col("aliases").fill_null("").str.replace_all("；", ";").str.split(";")
        .list.eval(pl.element().str.strip_chars(" \u3000")).list.eval(pl.element().filter(pl.element() != "")),
        (pl.col("source_row") - 1).cast(pl.Int32).alias("roster_order"),
    )
    # A name (or alias) must lead to one unit only.
    names = pl.concat([
        frame.select("source_row", pl.col("unit").alias("name"), "unit"),
        frame.select("source_row", pl.col("aliases").alias("name"), "unit").explode("name").drop_nulls("name"),
    ])
    clashes = names.filter(pl.col("name").is_duplicated() & pl.struct("name", "unit").is_unique())
    if clashes.height:
        faults = [(r["source_row"], "别名", r["name"], "this name also leads to another unit; a name or alias may belong to one unit only")
                  for r in clashes.iter_rows(named=True)]
        raise RowFaults(path, sorted(faults))
    return frame


def roster_of_month(roster: pl.DataFrame, month: str) -> pl.DataFrame:
    return roster.filter(
        (pl.col("valid_from").is_null() | (pl.col("valid_from") <= month))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= month))
    )


def unit_names(roster_month: pl.DataFrame) -> pl.DataFrame:
    """Every name that resolves to a unit this month: the unit's own name and its aliases."""
    return pl.concat([
        roster_month.select(pl.col("unit").alias("name"), "unit", "unit_group"),
        roster_month.select(pl.col("aliases").alias("name"), "unit", "unit_group").explode("name").drop_nulls("name"),
    ]).unique(subset="name", keep="first")


def load_hotspots(reference_dir: Path) -> pl.DataFrame:
    path = reference_dir / "hotspots.csv"
    if not path.exists():
        raise FileFault(path, "is missing", "Put the hotspot taxonomy in data/reference/hotspots.csv")
    frame = read_csv_with_headers(path, HOTSPOTS_HEADERS, HOTSPOTS_REQUIRED)
    frame = frame.with_columns(pl.col("prefix").str.strip_chars("/"))
    frame = validate_reference(frame, HOTSPOTS_SCHEMA, path, HOTSPOTS_HEADERS)
    return frame.with_columns((pl.col("source_row") - 1).cast(pl.Int32).alias("hotspot_order"))


def _failed(exc: Exception, con, context: AssetExecutionContext) -> Failure:
    """A bad reference file fails every month of the run: core.month_loads says so (and why), and
    the months keep everything they held."""
    from hotline.month_load import record_failure

    for month in months_of(context):
        record_failure(con, month, str(exc))
    return input_failure(exc)


def _reference_rules(paths: HotlinePaths, con, context: AssetExecutionContext) -> dict[str, Any]:
    try:
        return load_rules(paths.reference)
    except RulesError as exc:
        raise _failed(exc, con, context) from None


def rules(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    effective = _reference_rules(paths, con, context)
    source = str(paths.reference / "rules.yaml") if (paths.reference / "rules.yaml").exists() else "defaults"
    with transaction(con):
        for month in months_of(context):
            con.execute("DELETE FROM ref.rules WHERE month = $month", {"month": month})
            con.execute("INSERT INTO ref.rules VALUES ($month, $rules, $source)",
                        {"month": month, "rules": rules_json(effective), "source": source})
    return MaterializeResult(metadata={"source": source, "months": len(months_of(context))})


def months(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        calendar = Calendar.load(paths.reference, _reference_rules(paths, con, context))
    except (CalendarError, FileFault) as exc:
        raise _failed(exc, con, context) from None
    windows = [calendar.window(m) for m in months_of(context)]
    with transaction(con):
        for w in windows:
            con.execute("DELETE FROM ref.months WHERE month = $month", {"month": w.month})
            con.execute("INSERT INTO ref.months VALUES ($month, $start, $end, $days, $source)",
                        {"month": w.month, "start": w.start, "end": w.end, "days": w.days, "source": w.source})
    return MaterializeResult(metadata={
        "windows": MetadataValue.md("\n".join(f"- {w.month}: {w.start} .. {w.end} ({w.days} days, {w.source})" for w in windows))
    })


def units(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        roster = load_roster(paths.reference, _reference_rules(paths, con, context))
    except (FileFault, RowFaults) as exc:
        raise _failed(exc, con, context) from None
    columns = ["roster_order", "unit", "short_name", "roster_group", "unit_group", "primary_leader", "deputy_leader", "aliases"]
    counts = {}
    for month in months_of(context):
        month_roster = roster_of_month(roster, month).select(columns)
        with registered(con, month_roster=month_roster):
            replace_month(con, "ref.units", "SELECT $month AS month, * FROM month_roster", {"month": month},
                          ensure=month == months_of(context)[0])
        counts[month] = month_roster.group_by("unit_group").len().sort("unit_group").rows()
    return MaterializeResult(metadata={"units per group": MetadataValue.json({m: dict(c) for m, c in counts.items()})})


def hotspots(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        taxonomy = load_hotspots(paths.reference)
    except (FileFault, RowFaults) as exc:
        raise _failed(exc, con, context) from None
    with registered(con, taxonomy=taxonomy.select("hotspot", "sub_hotspot", "prefix", "hotspot_order")):
        for month in months_of(context):
            replace_month(con, "ref.hotspots", "SELECT $month AS month, * FROM taxonomy", {"month": month},
                          ensure=month == months_of(context)[0])
    return MaterializeResult(metadata={"prefixes": taxonomy.height,
                                       "hotspots": MetadataValue.md(markdown_table(taxonomy.select("hotspot", "sub_hotspot", "prefix"), 50))})


def load_adjustments(path: Path) -> pl.DataFrame:
    frame = read_csv_with_headers(path, ADJUSTMENTS_HEADERS, ADJUSTMENTS_REQUIRED)
    return cast_numbers(frame, {"deduction": pl.Float64, "quality_bonus": pl.Float64, "sampling_rank": pl.Int64},
                        path, ADJUSTMENTS_HEADERS)


RULES, MONTHS, UNITS, HOTSPOTS = (AssetKey(["ref", n]) for n in ("rules", "months", "units", "hotspots"))


def _spec(key: AssetKey, deps: list[AssetKey], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="reference", kinds={"duckdb"}, description=description)


reference_data = tables_step("reference_data", [
    Table(_spec(RULES, [], "The rule settings in force for the month: the built-in defaults (the seed report's) "
                           "merged with data/reference/rules.yaml."), rules, needs_paths=True),
    Table(_spec(MONTHS, [RULES], "The month's assessment window: calendar.csv, or the default rule. Overlaps and gaps "
                                 "between windows are errors that name both months."), months, needs_paths=True),
    Table(_spec(UNITS, [RULES], "The roster of handling units valid in the month (units.csv), in roster order, with "
                                "short names, groups, leaders and aliases."), units, needs_paths=True),
    Table(_spec(HOTSPOTS, [RULES], "The hotspot taxonomy (hotspots.csv): 诉求分类 prefixes mapped to a hotspot and "
                                   "optionally a sub-hotspot; the longest prefix wins."), hotspots, needs_paths=True),
], "Reference data in force for the months of the run, read from data/reference. (The months' side files, "
   "adjustments.csv and city_assessment.csv, are read with the exports: assets/ingest.py.)")
