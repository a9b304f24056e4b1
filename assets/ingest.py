"""Ingest: a month's export files → validated, personal-data-free ``core.assignments``, with
every replaced row in ``core.rejected_rows`` and per-file counts in ``core.export_files``; and the
month's side files → ``core.adjustments`` and ``core.city_assessment``.

A month is all or nothing (assets/month_load.py): its exports and side files are judged together,
and only when no blocking fault is found are its five core tables written, in one transaction. A
blocked or failed attempt writes none of them: ``core.month_loads`` records it and
``core.blocked_faults`` lists what blocked it."""

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any, Sequence

import duckdb
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from assets.exports import MonthRows, read_export, validate_month
from assets.month_load import (
    BLOCKED,
    FAULT_COLUMNS,
    LOADED,
    SideFiles,
    missing_month_folder,
    missing_sampling_ranks,
    no_problems,
    problem_faults,
    read_side_files,
    record_attempt,
    record_failure,
    store_side_files,
)
from assets.platform_exports import (
    hotspot_match_message,
    hotspot_match_of_month,
    load_column_aliases,
    normalise_category_separators,
    require_callback_columns,
)
from assets.reference import input_failure
from assets.text import aspect_keywords
from assets.warehouse import fetch, markdown_table, month_rules, months_of, open_warehouse, registered, sql_text, transaction
from hotline.text import text_terms
from pipelines.partitions import MONTHLY
from pipelines.resources import HotlinePaths
from schemas.discovery import discover_exports
from schemas.files import FileFault, RowFaults

ASSIGNMENTS = AssetKey(["core", "assignments"])
REJECTED_ROWS = AssetKey(["core", "rejected_rows"])
EXPORT_FILES = AssetKey(["core", "export_files"])
ADJUSTMENTS = AssetKey(["core", "adjustments"])
CITY_ASSESSMENT = AssetKey(["core", "city_assessment"])
UNIT_SCORES = AssetKey(["mart", "unit_scores"])
REFERENCE_DEPS = [AssetKey(["ref", name]) for name in ("rules", "months", "units", "hotspots")]
FAULT_PREVIEW = 50
STAGED_COLUMNS = [
    "order_id", "unit", "unit_group", "received_at", "channel", "request_type", "category_path", "address",
    "dispatched_at", "signed_at", "completed_at", "responded_on_time", "completed_on_time", "resolution_result",
    "satisfaction_result", "city_rework", "city_overdue", "enterprise_source", "fast_track", "arrived_at",
    "onsite_meeting", "source_file", "source_row", "unit_as_written", "caller_phone",
]
FLAGS = {
    "flag_signed_before_dispatch": "签收时间 before 派单时间",
    "flag_completed_before_dispatch": "办结时间 before 派单时间",
    "flag_fast_close": "closed within minutes of dispatch",
    "flag_callback_while_open": "callback on an order still open",
}


def phone_key(key_file: Path, data_dir: Path) -> str:
    """The secret for hashing phone numbers, created on first use. It must live outside the data
    folder: whoever has a copy of the data must not also have the key."""
    key_file, data_dir = key_file.resolve(), data_dir.resolve()
    if key_file.is_relative_to(data_dir):
        raise Failure(f"The phone-hash key file {key_file} is inside the data folder {data_dir}. "
                      "Set HOTLINE_PHONE_KEY_FILE to a path outside it.")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def read_month(paths: HotlinePaths, con, month: str) -> MonthRows:
    """Read and validate every export of ``month`` against the reference data in the warehouse."""
    from assets.reference import unit_names

    exports_dir = paths.month_dir(month) / "exports"
    discovery = discover_exports(exports_dir)
    if discovery.refused:
        # A month is read whole or not at all: a file that cannot be read stops it.
        raise discovery.fault()
    if not discovery.files:
        raise FileFault(exports_dir, "holds no export files (.xlsx, .xls, .csv, .tsv, .txt)",
                        f"Put the work-order exports of {month} in this folder")
    rules = month_rules(con, month)
    window = fetch(con, "SELECT window_start, window_end FROM ref.months WHERE month = $month", {"month": month})
    if window.height == 0:
        raise LookupError(f"no window stored for {month}: materialize ref/months for {month} first")
    roster = fetch(con, "SELECT unit, unit_group, aliases FROM ref.units WHERE month = $month ORDER BY roster_order",
                   {"month": month})
    try:
        aliases = load_column_aliases(paths.reference)
    except RowFaults as exc:
        raise input_failure(exc) from None
    exports = [read_export(path, discovery.name_of(path), aliases) for path in discovery.files]
    require_callback_columns(exports, month, rules, exports_dir, aliases)
    prefixes = fetch(con, "SELECT prefix FROM ref.hotspots WHERE month = $month", {"month": month})["prefix"].to_list()
    for export in exports:
        normalise_category_separators(export, prefixes)
    month_rows = validate_month(exports, rules, window["window_start"][0], window["window_end"][0], unit_names(roster))
    month_rows.notes = discovery.notes
    return month_rows


def _credit_map(rules: dict[str, Any]) -> pl.DataFrame:
    rows = [("resolution", label, credit) for label, credit in rules["credit"]["resolution"].items()]
    rows += [("satisfaction", label, credit) for label, credit in rules["credit"]["satisfaction"].items()]
    return pl.DataFrame(rows, schema={"kind": pl.String, "label": pl.String, "credit": pl.Decimal(9, 4)}, orient="row")


def _rejected_per_row(faults: pl.DataFrame) -> pl.DataFrame:
    """One row per rejected input row (the contract's grain); a row with several faults lists
    its columns and reasons together."""
    return faults.group_by("source_file", "row_number", "fault", maintain_order=True).agg(
        pl.col("column_name").unique(maintain_order=True).str.join("、"),
        pl.col("value").fill_null("").str.join(" | "),
        pl.col("reason").unique(maintain_order=True).str.join("；"),
    )


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _file_stats(month_rows: MonthRows, rejected: pl.DataFrame) -> pl.DataFrame:
    stored = month_rows.rows.group_by("source_file").len("rows_stored")
    per_kind = rejected.group_by("source_file").agg(
        pl.col("fault").sum().alias("rows_rejected"), (~pl.col("fault")).sum().alias("rows_replaced"))
    files = pl.DataFrame({
        "source_file": [f.name for f in month_rows.files],
        "encoding": [f.encoding for f in month_rows.files],
        "sha256": [f.sha256 or _file_sha256(f.path) for f in month_rows.files],
        "rows_in": [f.rows.height for f in month_rows.files],
        "extra_columns": [f.extra_columns for f in month_rows.files],
    }, schema_overrides={"extra_columns": pl.List(pl.String)})
    replacements = month_rows.replacements
    replacing = replacements.group_by(pl.col("kept_file").alias("source_file")).len("rows_replacing")
    conflicts = month_rows.conflicts
    in_conflict = pl.concat([
        conflicts.select("source_file", pl.col("row_number").alias("row")),
        conflicts.select(pl.col("kept_file").alias("source_file"), pl.col("kept_row").alias("row")),
    ]).unique().group_by("source_file").len("rows_in_conflict")
    counts = ["rows_stored", "rows_rejected", "rows_replaced", "rows_replacing", "rows_in_conflict"]
    return (files.join(stored, on="source_file", how="left").join(per_kind, on="source_file", how="left")
            .join(replacing, on="source_file", how="left").join(in_conflict, on="source_file", how="left")
            .with_columns(pl.col(counts).fill_null(0).cast(pl.Int64)))


CONFLICTS_IN_SUMMARY = 5


def _reexport_check(conflicts: pl.DataFrame) -> AssetCheckResult:
    """A warning, not a block: conflicting re-exports are resolved by a stated rule (the later file
    name wins), but a person should confirm which export is right."""
    listed = "; ".join(f"{r['month']} {r['source_file']} row {r['row_number']} ↔ {r['kept_file']} row {r['kept_row']} "
                       f"({r['columns']})" for r in conflicts.head(CONFLICTS_IN_SUMMARY).iter_rows(named=True))
    more = conflicts.height - CONFLICTS_IN_SUMMARY
    return AssetCheckResult(
        check_name="reexports_agree", asset_key=ASSIGNMENTS, passed=conflicts.height == 0,
        severity=AssetCheckSeverity.WARN,
        description=("re-exported rows agree" if conflicts.height == 0 else
                     f"{conflicts.height} re-exported row(s) conflict with another export's row of the same order and "
                     f"unit; the later export (by file name) was kept: {listed}"
                     + (f"; and {more} more" if more > 0 else "")),
        metadata={
            "conflicting rows": MetadataValue.int(conflicts.height),
            "conflicts": MetadataValue.md(markdown_table(conflicts.rename(
                {"source_file": "replaced_file", "row_number": "replaced_row"}), FAULT_PREVIEW)),
        },
    )


def _order_texts(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per order with 诉求内容: order_id, content, caller_name (a co-handled order's rows
    carry the same text; the first is taken)."""
    return (rows.select("order_id", "content", "caller_name").filter(pl.col("content").is_not_null())
            .unique(subset="order_id", keep="first"))


def store_month(con, month: str, month_rows: MonthRows, rules: dict[str, Any], key: str,
                keywords: Sequence[str] = (), also=None) -> dict[str, Any]:
    """Replace the month in core.assignments, core.rejected_rows, core.export_files and
    core.order_terms at once; ``also(con)`` writes the month's other tables inside the same
    transaction. 诉求内容 and 来电人 go no further than this function: only the terms that pass the
    month's thresholds (sql/core_order_terms.sql) are stored, and which of ``keywords``
    (reference/aspects.csv's) each text holds."""
    staged = month_rows.rows.select(STAGED_COLUMNS)
    rejected = _rejected_per_row(pl.concat([month_rows.faults, month_rows.superseded]))
    files = _file_stats(month_rows, rejected)
    params = {
        "month": month,
        "unmatched_label": rules["hotspots"]["unmatched_label"],
        "satisfaction_numeric_max": rules["credit"]["satisfaction_numeric_max"],
        "phone_key": key,
        "fast_close_minutes": rules["flags"]["fast_close_minutes"],
    }
    texts = _order_texts(month_rows.rows)
    order_texts, terms = text_terms(texts, keywords)
    frames = dict(staged_rows=staged, credit_map=_credit_map(rules), rejected_rows_new=rejected, export_files_new=files,
                  order_texts=order_texts, text_terms=terms, order_callers=texts.select("order_id", "caller_name"))
    term_params = {"month": month, "phone_key": key, "min_orders": rules["text"]["min_orders"],
                   "min_callers": rules["text"]["min_callers"]}
    with registered(con, **frames), transaction(con):
        for table in ("core.assignments", "core.rejected_rows", "core.export_files", "core.order_terms"):
            con.execute(f"DELETE FROM {table} WHERE month = $month", {"month": month})
        con.execute(f"INSERT INTO core.assignments BY NAME {sql_text('core_assignments')}", params)
        con.execute(f"INSERT INTO core.order_terms BY NAME {sql_text('core_order_terms')}", term_params)
        con.execute("INSERT INTO core.rejected_rows BY NAME SELECT $month AS month, * FROM rejected_rows_new", {"month": month})
        con.execute("INSERT INTO core.export_files BY NAME SELECT $month AS month, * FROM export_files_new", {"month": month})
        if also is not None:
            also(con)
    flags = fetch(con, "SELECT " + ", ".join(f"count(*) FILTER ({f}) AS {f}" for f in FLAGS)
                  + " FROM core.assignments WHERE month = $month", {"month": month}).row(0, named=True)
    return {"files": files, "flags": flags, "rejected": rejected}


def _judges_ranks(context: AssetExecutionContext) -> bool:
    """A missing 抽测排名 matters where the month's scores are computed: a run that stops at the
    ingest (to look at the rows) does not need complete adjustments."""
    return UNIT_SCORES in context.job_def.asset_layer.selected_asset_keys


def _export_faults(rejected: pl.DataFrame) -> pl.DataFrame:
    return rejected.filter(pl.col("fault")).select(FAULT_COLUMNS)


def _blocked_reason(month: str, rejected_rows: int, side: SideFiles, ranks: pl.DataFrame) -> str:
    parts = [f"{rejected_rows} rejected row(s)" if rejected_rows else "",
             f"{side.file_faults.height} fault(s) in its side files" if side.file_faults.height else "",
             f"{side.unknown_units.height} unknown unit(s) in adjustments.csv" if side.unknown_units.height else "",
             f"{side.invalid.height} invalid adjustment(s)" if side.invalid.height else "",
             f"{ranks.height} ranked unit(s) without 抽测排名" if ranks.height else ""]
    return f"{month} is blocked (" + ", ".join(p for p in parts if p) + ")"


def _write_failure(warehouse: DuckDBResource, month: str, exc: Exception) -> Failure:
    # A failed write (a full disk, a vanished mount) rolls the transaction back: the month keeps
    # its previous rows. Say so, and where.
    cause = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return Failure(
        f"{month}: could not write the warehouse {warehouse.database} ({cause}). "
        "Nothing of the month was changed: its previous rows are kept. Free space on that disk "
        "(or point HOTLINE_WAREHOUSE elsewhere) and run the month again.")


@multi_asset(
    specs=[
        AssetSpec(ASSIGNMENTS, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="One row per assignment of an order to a unit: the month's exports validated, "
                              "units resolved through aliases, hotspots by longest prefix, personal data removed; "
                              "every row traceable to its export file and row (source_file, source_row)."),
        AssetSpec(REJECTED_ROWS, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="The input rows of a loaded month that did not reach core.assignments: rows replaced "
                              "by another export's row of the same order and unit (decided by content). The faults "
                              "of a blocked month are in core.blocked_faults."),
        AssetSpec(EXPORT_FILES, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="The month's export files: encoding, checksum and rows in / stored / rejected / replaced "
                              "(lost to another file's row), rows of other files they replaced, rows in conflict."),
        AssetSpec(ADJUSTMENTS, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="The month's adjustments (adjustments.csv): 减分项, 质效 and 抽测排名 per unit. Unit "
                              "names resolve through the roster; an unknown name, a unit listed twice or a value "
                              "outside the contract blocks the month."),
        AssetSpec(CITY_ASSESSMENT, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="The city's published district figures for the month (city_assessment.csv), "
                              "quoted by the report in place of the figures computed from the orders."),
    ],
    check_specs=[
        AssetCheckSpec("no_rejected_rows", asset=ASSIGNMENTS, blocking=True,
                       description="Every row of the month's exports and side files is valid. Anything rejected "
                                   "blocks the month: nothing of it is stored, its marts and report keep their "
                                   "previous state, and the metadata names each fault."),
        AssetCheckSpec("sampling_rank_complete", asset=ADJUSTMENTS, blocking=True,
                       description="Every ranked town and large department (known from the month's volumes) has a "
                                   "抽测排名 in the month's adjustments.csv: without it 综合排名 is empty and the "
                                   "report cannot be published. Judged in runs that compute the month's scores."),
        AssetCheckSpec("adjustments_units_in_roster", asset=ADJUSTMENTS, blocking=True,
                       description="Every unit named in adjustments.csv is a unit of the roster (by name or alias): an "
                                   "unknown name would silently drop its 减分项, 质效 and 抽测排名."),
        AssetCheckSpec("adjustments_valid", asset=ADJUSTMENTS, blocking=True,
                       description="The month's adjustments satisfy the adjustments.csv contract (减分项 ≤ 0, 质效 ≥ 0, "
                                   "抽测排名 from 1, one row per unit, by name or alias), validated with "
                                   "schemas.reference.ADJUSTMENTS_SCHEMA."),
        AssetCheckSpec("hotspots_matched", asset=ASSIGNMENTS, blocking=False,
                       description="Warns when a large share of the month's orders match no hotspot prefix "
                                   "(hotspots.unmatched_warning_share), e.g. 诉求分类 written with another separator."),
        AssetCheckSpec("reexports_agree", asset=ASSIGNMENTS, blocking=False,
                       description="Rows of the same order and unit in several exports agree (or one completes the "
                                   "other). Where they truly conflict the later export (by file name) is kept; this "
                                   "warns and lists both files and rows."),
    ],
    **MONTHLY,
)
def ingest_exports(context: AssetExecutionContext, warehouse: DuckDBResource, paths: HotlinePaths):
    """Read and judge the exports and side files of each month in the run; store a month only
    when nothing blocks it."""
    from assets.assessment import _check_result

    key = phone_key(Path(paths.phone_key_file), paths.data)
    judge_ranks = _judges_ranks(context)
    try:
        keywords = aspect_keywords(paths.reference)
    except (FileFault, RowFaults) as exc:
        raise input_failure(exc) from None
    totals = {"rows_in": 0, "rows_stored": 0, "rows_rejected": 0, "rows_replaced": 0}
    file_tables, flag_counts, faults, notes, blocked, hotspot_matches, conflicts = [], {}, [], [], [], [], []
    problems: dict[str, list[pl.DataFrame]] = {"ranks": [], "unknown": [], "invalid": []}
    with open_warehouse(warehouse) as con:
        for month in months_of(context):
            month_dir = paths.month_dir(month)
            context.log.info(f"{month}: reading exports from {month_dir / 'exports'}")
            try:
                if not month_dir.is_dir():
                    raise missing_month_folder(paths.data, month_dir, month)
                month_rows = read_month(paths, con, month)
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
            rules = month_rules(con, month)
            rejected = _rejected_per_row(pl.concat([month_rows.faults, month_rows.superseded]))
            files = _file_stats(month_rows, rejected)
            counts = {c: int(files[c].sum()) for c in totals}
            ranks = (missing_sampling_ranks(month_rows.rows, side, fetch(
                con, "SELECT unit, roster_order FROM ref.units WHERE month = $month", {"month": month}), month,
                int(rules["groups"]["dept_large_threshold"])) if judge_ranks else no_problems())
            problems["ranks"].append(ranks)
            problems["unknown"].append(side.unknown_units)
            problems["invalid"].append(side.invalid)
            month_faults = pl.concat([_export_faults(rejected), side.file_faults, problem_faults(side.unknown_units),
                                      problem_faults(side.invalid), problem_faults(ranks)], how="vertical_relaxed")
            faults.append(month_faults.with_columns(pl.lit(month).alias("month")))
            for column in totals:
                totals[column] += counts[column]
            file_tables.append(files.with_columns(pl.lit(month).alias("month")))
            if month_faults.height:
                reason = _blocked_reason(month, counts["rows_rejected"], side, ranks)
                with transaction(con):
                    record_attempt(con, month, BLOCKED, counts, reason, month_faults)
                blocked.append(reason)
                context.log.warning(f"{reason}: nothing of it was stored; it keeps its previous state")
                continue

            context.log.info(f"{month}: nothing blocks the month; storing")

            def also(con, month=month, side=side, counts=counts):
                store_side_files(con, month, side)
                record_attempt(con, month, LOADED, counts, None)

            try:
                stored = store_month(con, month, month_rows, rules, key, keywords, also=also)
            except (duckdb.IOException, duckdb.FatalException, OSError) as exc:
                failure = _write_failure(warehouse, month, exc)
                try:
                    record_failure(con, month, failure.description)
                except (duckdb.Error, OSError):
                    pass  # the disk that refused the month refuses its state too: the message says it all
                raise failure from None
            flag_counts[month] = stored["flags"]
            hotspot_matches.append(hotspot_match_of_month(con, month, rules))
            conflicts.append(month_rows.conflicts.with_columns(pl.lit(month).alias("month")))
            if month_rows.conflicts.height:
                context.log.warning(f"{month}: {month_rows.conflicts.height} re-exported row(s) conflict with another "
                                    "export's row; the later export (by file name) was kept (check reexports_agree)")
            context.log.info(f"{month}: stored {counts['rows_stored']}, replaced {counts['rows_replaced']}")
    per_file = pl.concat(file_tables).select("month", "source_file", "encoding", "rows_in", "rows_stored", "rows_rejected",
                                             "rows_replaced", "rows_replacing", "rows_in_conflict", "extra_columns")
    extra = sorted({c for cols in per_file["extra_columns"].to_list() for c in cols})
    all_faults = pl.concat(faults, how="vertical_relaxed")
    accounted = totals["rows_in"] == totals["rows_stored"] + totals["rows_rejected"] + totals["rows_replaced"]
    state = MetadataValue.md("\n".join(f"- {b}: nothing of it stored" for b in blocked) if blocked
                             else "every month loaded")
    yield MaterializeResult(asset_key=ASSIGNMENTS, metadata={
        **{k: MetadataValue.int(v) for k, v in totals.items()},
        "every row accounted for": MetadataValue.bool(accounted),
        "months blocked": state,
        "files": MetadataValue.md(markdown_table(per_file.drop("extra_columns"), 100)),
        "suspicious rows (kept, flagged)": MetadataValue.json(
            {m: {FLAGS[f]: n for f, n in c.items()} for m, c in flag_counts.items()}),
        "unknown columns (not stored)": MetadataValue.text("、".join(extra) if extra else "none"),
        "reader notes": MetadataValue.md("\n".join(f"- {n}" for n in notes) if notes else "none"),
    })
    # none when every month of the run was blocked (nothing re-exported was stored)
    all_conflicts = (pl.concat(conflicts) if conflicts else MonthRows.no_conflicts().with_columns(month=pl.lit(""))
                     ).select("month", "source_file", "row_number", "kept_file", "kept_row", "columns")
    yield _reexport_check(all_conflicts)
    yield MaterializeResult(asset_key=REJECTED_ROWS, metadata={
        "rows rejected": MetadataValue.int(totals["rows_rejected"]), "rows replaced": MetadataValue.int(totals["rows_replaced"])})
    yield MaterializeResult(asset_key=EXPORT_FILES, metadata={"files": MetadataValue.int(per_file.height)})
    yield MaterializeResult(asset_key=ADJUSTMENTS, metadata={"months blocked": state})
    yield MaterializeResult(asset_key=CITY_ASSESSMENT, metadata={"months blocked": state})
    yield AssetCheckResult(
        check_name="no_rejected_rows", asset_key=ASSIGNMENTS, passed=all_faults.height == 0,
        severity=AssetCheckSeverity.ERROR,
        description=("all rows valid" if all_faults.height == 0 else
                     f"{all_faults.height} fault(s): " + "; ".join(blocked) + ". Nothing of a blocked month was "
                     "stored; fix the file(s) and run the month again"),
        metadata={
            "rejected rows": MetadataValue.int(all_faults.height),
            "faults": MetadataValue.md(markdown_table(
                all_faults.select("month", "source_file", "row_number", "column_name", "value", "reason"), FAULT_PREVIEW)),
        },
    )
    unmatched = [m for m in hotspot_matches if m["warn"]]
    yield AssetCheckResult(
        check_name="hotspots_matched", asset_key=ASSIGNMENTS, passed=not unmatched,
        severity=AssetCheckSeverity.WARN,
        description="; ".join(hotspot_match_message(m) for m in (unmatched or hotspot_matches)),
        metadata={"orders matching no hotspot": MetadataValue.json(
            {m["month"]: {"orders": m["orders"], "unmatched": m["unmatched"]} for m in hotspot_matches})},
    )
    checks = {
        "sampling_rank_complete": _check_result(
            pl.concat(problems["ranks"]), "every ranked town and large department has a 抽测排名"
            + ("" if judge_ranks else " (not judged: this run does not compute the month's scores)"),
            "ranked unit(s) without 抽测排名", "Add the rank to adjustments.csv (column 抽测排名) and run the month again."),
        "adjustments_units_in_roster": _check_result(
            pl.concat(problems["unknown"]), "every adjustment names a unit of the roster",
            "adjustment row(s) name a unit the roster does not know",
            "Fix the name in adjustments.csv, or add the unit (or the name as an alias) to units.csv."),
        "adjustments_valid": _check_result(
            pl.concat(problems["invalid"]), "every adjustment is within its rules",
            "adjustment value(s) break the rules",
            "Fix the values in adjustments.csv and run the month again."),
    }
    for name, result in checks.items():
        yield AssetCheckResult(check_name=name, asset_key=ADJUSTMENTS, passed=result.passed, severity=result.severity,
                               description=result.description, metadata=result.metadata)
