"""Reference data in force for each month: rules, the assessment window, the roster and the
hotspot taxonomy: read and stored by the core (hotline/reference.py), a bad file turned into a failed
run here. (The month's side files are judged and stored with its exports: assets/ingest.py.)"""

from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec, Failure, MaterializeResult, MetadataValue

from assets.keys import HOTSPOT_TAXONOMY, MONTHS, RULES, UNITS
from assets.steps import Table, tables_step
from hotline.calendar import Calendar, CalendarError
from hotline.contract.files import FileFault, RowFaults
from hotline.reference import (
    load_hotspots,
    load_roster,
    rules_source,
    store_hotspots,
    store_rules,
    store_units,
    store_windows,
)
from hotline.rules import RulesError, load_rules
from hotline.rules_model import typed_rules
from hotline.warehouse import markdown_table, months_of
from pipelines.resources import HotlinePaths


def input_failure(exc: Exception) -> Failure:
    """A bad input file stops the run with the file's own message (file, row, column, fix)."""
    return Failure(description=str(exc), metadata={"problem": MetadataValue.text(str(exc))})


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
    source = rules_source(paths.reference)
    store_rules(con, months_of(context), effective, source)
    return MaterializeResult(metadata={"source": source, "months": len(months_of(context))})


def months(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        calendar = Calendar.load(paths.reference, typed_rules(_reference_rules(paths, con, context)))
    except (CalendarError, FileFault) as exc:
        raise _failed(exc, con, context) from None
    windows = [calendar.window(m) for m in months_of(context)]
    store_windows(con, windows)
    return MaterializeResult(
        metadata={
            "windows": MetadataValue.md(
                "\n".join(f"- {w.month}: {w.start} .. {w.end} ({w.days} days, {w.source})" for w in windows)
            )
        }
    )


def units(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        roster = load_roster(paths.reference, typed_rules(_reference_rules(paths, con, context)))
    except (FileFault, RowFaults) as exc:
        raise _failed(exc, con, context) from None
    counts = store_units(con, roster, months_of(context))
    return MaterializeResult(metadata={"units per group": MetadataValue.json({m: dict(c) for m, c in counts.items()})})


def hotspots(context: AssetExecutionContext, con, paths: HotlinePaths) -> MaterializeResult:
    try:
        taxonomy = load_hotspots(paths.reference)
    except (FileFault, RowFaults) as exc:
        raise _failed(exc, con, context) from None
    store_hotspots(con, taxonomy, months_of(context))
    listed = markdown_table(taxonomy.select("hotspot", "sub_hotspot", "prefix"), 50)
    return MaterializeResult(metadata={"prefixes": taxonomy.height, "hotspots": MetadataValue.md(listed)})


HOTSPOTS = HOTSPOT_TAXONOMY  # ref/hotspots (mart/hotspots is assets/hotspots.py's)


def _spec(key: AssetKey, deps: list[AssetKey], description: str) -> AssetSpec:
    return AssetSpec(key, deps=deps, group_name="reference", kinds={"duckdb"}, description=description)


reference_data = tables_step(
    "reference_data",
    [
        Table(
            _spec(
                RULES,
                [],
                "The rule settings in force for the month: the built-in defaults (the seed report's) "
                "merged with data/reference/rules.yaml.",
            ),
            rules,
            needs_paths=True,
        ),
        Table(
            _spec(
                MONTHS,
                [RULES],
                "The month's assessment window: calendar.csv, or the default rule. Overlaps and gaps "
                "between windows are errors that name both months.",
            ),
            months,
            needs_paths=True,
        ),
        Table(
            _spec(
                UNITS,
                [RULES],
                "The roster of handling units valid in the month (units.csv), in roster order, with "
                "short names, groups, leaders and aliases.",
            ),
            units,
            needs_paths=True,
        ),
        Table(
            _spec(
                HOTSPOTS,
                [RULES],
                "The hotspot taxonomy (hotspots.csv): 诉求分类 prefixes mapped to a hotspot and "
                "optionally a sub-hotspot; the longest prefix wins.",
            ),
            hotspots,
            needs_paths=True,
        ),
    ],
    "Reference data in force for the months of the run, read from data/reference. (The months' side files, "
    "adjustments.csv and city_assessment.csv, are read with the exports: assets/ingest.py.)",
)
