"""Ingest: a month's export files → validated, personal-data-free ``core.assignments`` (and its
distinct orders, ``core.orders``), with every replaced row in ``core.rejected_rows`` and per-file
counts in ``core.export_files``; and the month's side files → ``core.adjustments`` and
``core.city_assessment``.

What is read, judged and stored is the core's (hotline/ingest.py, hotline/month_load.py): a month
is all or nothing, its exports and side files judged together, and only when no blocking fault is
found are its core tables written, in one transaction. A blocked or failed attempt writes none
of them: ``core.month_loads`` records it and ``core.blocked_faults`` lists what blocked it."""

from pathlib import Path

import duckdb
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from assets.keys import (
    ADJUSTMENTS,
    ASSIGNMENTS,
    CITY_ASSESSMENT,
    EXPORT_FILES,
    ORDERS,
    REFERENCE_DEPS,
    REJECTED_ROWS,
    UNIT_SCORES,
)
from assets.reference import input_failure
from assets.steps import TEXT_SECONDS
from hotline.contract.exports import MonthRows
from hotline.contract.files import FileFault, RowFaults
from hotline.contract.platform_exports import hotspot_match_message, hotspot_match_of_month
from hotline.ingest import (
    FLAGS,
    PhoneKeyInDataFolder,
    judge_month,
    phone_key,
    read_month,
    record_blocked,
    store_judged_month,
)
from hotline.month_load import missing_month_folder, read_side_files, record_failure
from hotline.reference import aspect_keywords
from hotline.warehouse import markdown_table, months_of, open_warehouse
from pipelines.partitions import MONTHLY
from pipelines.resources import HotlinePaths

FAULT_PREVIEW = 50
CONFLICTS_IN_SUMMARY = 5


def _reexport_check(conflicts: pl.DataFrame) -> AssetCheckResult:
    """A warning, not a block: conflicting re-exports are resolved by a stated rule (the later file
    name wins), but a person should confirm which export is right."""
    listed = "; ".join(
        f"{r['month']} {r['source_file']} row {r['row_number']} ↔ "
        f"{r['kept_file']} row {r['kept_row']} ({r['columns']})"
        for r in conflicts.head(CONFLICTS_IN_SUMMARY).iter_rows(named=True)
    )
    more = conflicts.height - CONFLICTS_IN_SUMMARY
    return AssetCheckResult(
        check_name="reexports_agree",
        asset_key=ASSIGNMENTS,
        passed=conflicts.height == 0,
        severity=AssetCheckSeverity.WARN,
        description=(
            "re-exported rows agree"
            if conflicts.height == 0
            else f"{conflicts.height} re-exported row(s) conflict with another export's row of the same order and "
            f"unit; the later export (by file name) was kept: {listed}" + (f"; and {more} more" if more > 0 else "")
        ),
        metadata={
            "conflicting rows": MetadataValue.int(conflicts.height),
            "conflicts": MetadataValue.md(
                markdown_table(
                    conflicts.rename({"source_file": "replaced_file", "row_number": "replaced_row"}), FAULT_PREVIEW
                )
            ),
        },
    )


def _judges_ranks(context: AssetExecutionContext) -> bool:
    """A missing 抽测排名 matters where the month's scores are computed: a run that stops at the
    ingest (to look at the rows) does not need complete adjustments."""
    return UNIT_SCORES in context.job_def.asset_layer.selected_asset_keys


def _write_failure(warehouse: DuckDBResource, month: str, exc: Exception) -> Failure:
    # A failed write (a full disk, a vanished mount) rolls the transaction back: the month keeps
    # its previous rows. Say so, and where.
    cause = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return Failure(
        f"{month}: could not write the warehouse {warehouse.database} ({cause}). "
        "Nothing of the month was changed: its previous rows are kept. Free space on that disk "
        "(or point HOTLINE_WAREHOUSE elsewhere) and run the month again."
    )


@multi_asset(
    specs=[
        AssetSpec(
            ASSIGNMENTS,
            deps=REFERENCE_DEPS,
            group_name="ingest",
            kinds={"duckdb"},
            description="One row per assignment of an order to a unit: the month's exports validated, "
            "units resolved through aliases, hotspots by longest prefix, personal data removed; "
            "every row traceable to its export file and row (source_file, source_row).",
        ),
        # skippable (and core/export_files): a run whose every month was blocked stored neither, and
        # says so by not materializing them: the months comparing with them are not shown stale.
        AssetSpec(
            ORDERS,
            deps=REFERENCE_DEPS,
            group_name="ingest",
            kinds={"duckdb"},
            skippable=True,
            description="One row per distinct order of the month with its classification (channel, "
            "诉求类型, 诉求分类, hotspot, enterprise source, address): what every mart that "
            "counts orders reads. Written with core.assignments, in the same transaction.",
        ),
        AssetSpec(
            REJECTED_ROWS,
            deps=REFERENCE_DEPS,
            group_name="ingest",
            kinds={"duckdb"},
            description="The input rows of a loaded month that did not reach core.assignments: rows replaced "
            "by another export's row of the same order and unit (decided by content). The faults "
            "of a blocked month are in core.blocked_faults.",
        ),
        AssetSpec(
            EXPORT_FILES,
            deps=REFERENCE_DEPS,
            group_name="ingest",
            kinds={"duckdb"},
            skippable=True,
            description="The month's export files: encoding, checksum and rows in / stored / rejected / replaced "
            "(lost to another file's row), rows of other files they replaced, rows in conflict.",
        ),
        AssetSpec(
            ADJUSTMENTS,
            deps=REFERENCE_DEPS,
            group_name="ingest",
            kinds={"duckdb"},
            description="The month's adjustments (adjustments.csv): 减分项, 质效 and 抽测排名 per unit. Unit "
            "names resolve through the roster; an unknown name, a unit listed twice or a value "
            "outside the contract blocks the month.",
        ),
        AssetSpec(
            CITY_ASSESSMENT,
            deps=REFERENCE_DEPS,
            group_name="ingest",
            kinds={"duckdb"},
            description="The city's published district figures for the month (city_assessment.csv), "
            "quoted by the report in place of the figures computed from the orders.",
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            "no_rejected_rows",
            asset=ASSIGNMENTS,
            blocking=True,
            description="Every row of the month's exports and side files is valid. Anything rejected "
            "blocks the month: nothing of it is stored, its marts and report keep their "
            "previous state, and the metadata names each fault.",
        ),
        AssetCheckSpec(
            "sampling_rank_complete",
            asset=ADJUSTMENTS,
            blocking=True,
            description="Every ranked town and large department (known from the month's volumes) has a "
            "抽测排名 in the month's adjustments.csv: without it 综合排名 is empty and the "
            "report cannot be published. Judged in runs that compute the month's scores.",
        ),
        AssetCheckSpec(
            "adjustments_units_in_roster",
            asset=ADJUSTMENTS,
            blocking=True,
            description="Every unit named in adjustments.csv is a unit of the roster (by name or alias): an "
            "unknown name would silently drop its 减分项, 质效 and 抽测排名.",
        ),
        AssetCheckSpec(
            "adjustments_valid",
            asset=ADJUSTMENTS,
            blocking=True,
            description="The month's adjustments satisfy the adjustments.csv contract (减分项 ≤ 0, 质效 ≥ 0, "
            "抽测排名 from 1, one row per unit, by name or alias), validated with "
            "schemas.reference.ADJUSTMENTS_SCHEMA.",
        ),
        AssetCheckSpec(
            "hotspots_matched",
            asset=ASSIGNMENTS,
            blocking=False,
            description="Warns when a large share of the month's orders match no hotspot prefix "
            "(hotspots.unmatched_warning_share), e.g. 诉求分类 written with another separator.",
        ),
        AssetCheckSpec(
            "reexports_agree",
            asset=ASSIGNMENTS,
            blocking=False,
            description="Rows of the same order and unit in several exports agree (or one completes the "
            "other). Where they truly conflict the later export (by file name) is kept; this "
            "warns and lists both files and rows.",
        ),
    ],
    **MONTHLY,
)
def ingest_exports(context: AssetExecutionContext, warehouse: DuckDBResource, paths: HotlinePaths):
    """Read and judge the exports and side files of each month in the run; store a month only
    when nothing blocks it."""
    from assets.assessment import _check_result

    try:
        key = phone_key(Path(paths.phone_key_file), paths.data)
    except PhoneKeyInDataFolder as exc:
        raise Failure(str(exc)) from None
    judge_ranks = _judges_ranks(context)
    try:
        keywords = aspect_keywords(paths.reference)
    except (FileFault, RowFaults) as exc:
        raise input_failure(exc) from None
    totals = {"rows_in": 0, "rows_stored": 0, "rows_rejected": 0, "rows_replaced": 0}
    text_seconds = 0.0  # the text stage's share of the ingest (hotline/ingest.py store_month)
    file_tables, flag_counts, faults, notes, blocked, hotspot_matches, conflicts = [], {}, [], [], [], [], []
    problems: dict[str, list[pl.DataFrame]] = {"ranks": [], "unknown": [], "invalid": []}
    with open_warehouse(warehouse) as con:
        for month in months_of(context):
            month_dir = paths.month_dir(month)
            context.log.info(f"{month}: reading exports from {month_dir / 'exports'}")
            try:
                if not month_dir.is_dir():
                    raise missing_month_folder(paths.data, month_dir, month)
                try:
                    month_rows = read_month(con, month, month_dir / "exports", paths.reference)
                except RowFaults as exc:  # reference/column_aliases.csv: the run's reference, not the month
                    raise input_failure(exc) from None
                side = read_side_files(con, paths.data, month_dir, month)
            except FileFault as exc:
                # A file fault stops the run before anything of the month is written.
                record_failure(con, month, str(exc))
                raise input_failure(exc) from None
            context.log.info(f"{month}: {month_rows.rows_in} rows read from {len(month_rows.files)} file(s)")
            for note in month_rows.notes:
                context.log.info(f"{month}: exports/{note}")
                notes.append(f"{month} exports/{note}")
            for export in month_rows.files:
                for note in export.notes:
                    context.log.info(f"{month}: {export.name}: {note}")
                    notes.append(f"{month} {export.name}: {note}")
            judged = judge_month(con, month, month_rows, side, judge_ranks)
            counts = judged.counts
            problems["ranks"].append(judged.ranks)
            problems["unknown"].append(side.unknown_units)
            problems["invalid"].append(side.invalid)
            faults.append(judged.faults.with_columns(pl.lit(month).alias("month")))
            for column in totals:
                totals[column] += counts[column]
            file_tables.append(judged.files.with_columns(pl.lit(month).alias("month")))
            if judged.blocked_reason:
                reason = record_blocked(con, judged)
                blocked.append(reason)
                context.log.warning(f"{reason}: nothing of it was stored; it keeps its previous state")
                continue

            context.log.info(f"{month}: nothing blocks the month; storing")
            try:
                stored = store_judged_month(con, judged, key, keywords)
            except (duckdb.IOException, duckdb.FatalException, OSError) as exc:
                failure = _write_failure(warehouse, month, exc)
                try:
                    record_failure(con, month, failure.description)
                except (duckdb.Error, OSError):
                    pass  # the disk that refused the month refuses its state too: the message says it all
                raise failure from None
            flag_counts[month] = stored["flags"]
            text_seconds += stored["text_seconds"]
            hotspot_matches.append(hotspot_match_of_month(con, month, judged.rules))
            conflicts.append(month_rows.conflicts.with_columns(pl.lit(month).alias("month")))
            if month_rows.conflicts.height:
                context.log.warning(
                    f"{month}: {month_rows.conflicts.height} re-exported row(s) conflict with another "
                    "export's row; the later export (by file name) was kept (check reexports_agree)"
                )
            context.log.info(f"{month}: stored {counts['rows_stored']}, replaced {counts['rows_replaced']}")
    per_file = pl.concat(file_tables).select(
        "month",
        "source_file",
        "encoding",
        "rows_in",
        "rows_stored",
        "rows_rejected",
        "rows_replaced",
        "rows_replacing",
        "rows_in_conflict",
        "extra_columns",
    )
    extra = sorted({c for cols in per_file["extra_columns"].to_list() for c in cols})
    all_faults = pl.concat(faults, how="vertical_relaxed")
    accounted = totals["rows_in"] == totals["rows_stored"] + totals["rows_rejected"] + totals["rows_replaced"]
    state = MetadataValue.md(
        "\n".join(f"- {b}: nothing of it stored" for b in blocked) if blocked else "every month loaded"
    )
    yield MaterializeResult(
        asset_key=ASSIGNMENTS,
        metadata={
            **{k: MetadataValue.int(v) for k, v in totals.items()},
            "every row accounted for": MetadataValue.bool(accounted),
            "months blocked": state,
            "files": MetadataValue.md(markdown_table(per_file.drop("extra_columns"), 100)),
            "suspicious rows (kept, flagged)": MetadataValue.json(
                {m: {FLAGS[f]: n for f, n in c.items()} for m, c in flag_counts.items()}
            ),
            "unknown columns (not stored)": MetadataValue.text("、".join(extra) if extra else "none"),
            "reader notes": MetadataValue.md("\n".join(f"- {n}" for n in notes) if notes else "none"),
            TEXT_SECONDS: MetadataValue.float(round(text_seconds, 2)),
        },
    )
    # none when every month of the run was blocked (nothing re-exported was stored)
    all_conflicts = (
        pl.concat(conflicts) if conflicts else MonthRows.no_conflicts().with_columns(month=pl.lit(""))
    ).select("month", "source_file", "row_number", "kept_file", "kept_row", "columns")
    yield _reexport_check(all_conflicts)
    yield MaterializeResult(
        asset_key=REJECTED_ROWS,
        metadata={
            "rows rejected": MetadataValue.int(totals["rows_rejected"]),
            "rows replaced": MetadataValue.int(totals["rows_replaced"]),
        },
    )
    if flag_counts:  # some month of the run was stored (the marts' 环比/同比 bases: assets/keys.py)
        yield MaterializeResult(
            asset_key=ORDERS, metadata={"months stored": MetadataValue.text(", ".join(sorted(flag_counts)))}
        )
        yield MaterializeResult(asset_key=EXPORT_FILES, metadata={"files": MetadataValue.int(per_file.height)})
    yield MaterializeResult(asset_key=ADJUSTMENTS, metadata={"months blocked": state})
    yield MaterializeResult(asset_key=CITY_ASSESSMENT, metadata={"months blocked": state})
    yield AssetCheckResult(
        check_name="no_rejected_rows",
        asset_key=ASSIGNMENTS,
        passed=all_faults.height == 0,
        severity=AssetCheckSeverity.ERROR,
        description=(
            "all rows valid"
            if all_faults.height == 0
            else f"{all_faults.height} fault(s): " + "; ".join(blocked) + ". Nothing of a blocked month was "
            "stored; fix the file(s) and run the month again"
        ),
        metadata={
            "rejected rows": MetadataValue.int(all_faults.height),
            "faults": MetadataValue.md(
                markdown_table(
                    all_faults.select("month", "source_file", "row_number", "column_name", "value", "reason"),
                    FAULT_PREVIEW,
                )
            ),
        },
    )
    unmatched = [m for m in hotspot_matches if m["warn"]]
    yield AssetCheckResult(
        check_name="hotspots_matched",
        asset_key=ASSIGNMENTS,
        passed=not unmatched,
        severity=AssetCheckSeverity.WARN,
        description="; ".join(hotspot_match_message(m) for m in (unmatched or hotspot_matches)),
        metadata={
            "orders matching no hotspot": MetadataValue.json(
                {m["month"]: {"orders": m["orders"], "unmatched": m["unmatched"]} for m in hotspot_matches}
            )
        },
    )
    checks = {
        "sampling_rank_complete": _check_result(
            pl.concat(problems["ranks"]),
            "every ranked town and large department has a 抽测排名"
            + ("" if judge_ranks else " (not judged: this run does not compute the month's scores)"),
            "ranked unit(s) without 抽测排名",
            "Add the rank to adjustments.csv (column 抽测排名) and run the month again.",
        ),
        "adjustments_units_in_roster": _check_result(
            pl.concat(problems["unknown"]),
            "every adjustment names a unit of the roster",
            "adjustment row(s) name a unit the roster does not know",
            "Fix the name in adjustments.csv, or add the unit (or the name as an alias) to units.csv.",
        ),
        "adjustments_valid": _check_result(
            pl.concat(problems["invalid"]),
            "every adjustment is within its rules",
            "adjustment value(s) break the rules",
            "Fix the values in adjustments.csv and run the month again.",
        ),
    }
    for name, result in checks.items():
        yield AssetCheckResult(
            check_name=name,
            asset_key=ADJUSTMENTS,
            passed=result.passed,
            severity=result.severity,
            description=result.description,
            metadata=result.metadata,
        )
