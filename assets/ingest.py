"""Ingest: a month's export files → validated, personal-data-free ``core.assignments``, with
every rejected or replaced row in ``core.rejected_rows`` and per-file counts in
``core.export_files``. The three tables of a month are written in one transaction."""

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

from assets.exports import MonthRows, export_files, read_export, validate_month
from assets.reference import input_failure
from assets.text import aspect_keywords
from assets.warehouse import fetch, markdown_table, month_rules, months_of, open_warehouse, registered, sql_text, transaction
from hotline.text import order_terms
from pipelines.partitions import MONTHLY
from pipelines.resources import HotlinePaths
from schemas.files import FileFault, RowFaults

ASSIGNMENTS = AssetKey(["core", "assignments"])
REJECTED_ROWS = AssetKey(["core", "rejected_rows"])
EXPORT_FILES = AssetKey(["core", "export_files"])
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
    files = export_files(exports_dir)
    if not files:
        raise FileFault(exports_dir, "holds no export files (*.csv, *.xlsx)",
                        f"Put the work-order exports of {month} in this folder")
    rules = month_rules(con, month)
    window = fetch(con, "SELECT window_start, window_end FROM ref.months WHERE month = $month", {"month": month})
    if window.height == 0:
        raise LookupError(f"no window stored for {month}: materialize ref/months for {month} first")
    roster = fetch(con, "SELECT unit, unit_group, aliases FROM ref.units WHERE month = $month ORDER BY roster_order",
                   {"month": month})
    exports = [read_export(path) for path in files]
    return validate_month(exports, rules, window["window_start"][0], window["window_end"][0], unit_names(roster))


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
    return (files.join(stored, on="source_file", how="left").join(per_kind, on="source_file", how="left")
            .with_columns(pl.col("rows_stored", "rows_rejected", "rows_replaced").fill_null(0).cast(pl.Int64)))


def _order_texts(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per order with 诉求内容: order_id, content, caller_name (a co-handled order's rows
    carry the same text; the first is taken)."""
    return (rows.select("order_id", "content", "caller_name").filter(pl.col("content").is_not_null())
            .unique(subset="order_id", keep="first"))


def store_month(con, month: str, month_rows: MonthRows, rules: dict[str, Any], key: str,
                keywords: Sequence[str] = ()) -> dict[str, Any]:
    """Replace the month in core.assignments, core.rejected_rows, core.export_files and
    core.order_terms at once. 诉求内容 and 来电人 go no further than this function: only the
    terms that pass the month's thresholds (sql/core_order_terms.sql) are stored, and which of
    ``keywords`` (reference/aspects.csv's) each text holds."""
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
    frames = dict(staged_rows=staged, credit_map=_credit_map(rules), rejected_rows_new=rejected, export_files_new=files,
                  order_terms_new=order_terms(texts, keywords), order_callers=texts.select("order_id", "caller_name"))
    term_params = {"month": month, "phone_key": key, "min_orders": rules["text"]["min_orders"],
                   "min_callers": rules["text"]["min_callers"]}
    with registered(con, **frames), transaction(con):
        for table in ("core.assignments", "core.rejected_rows", "core.export_files", "core.order_terms"):
            con.execute(f"DELETE FROM {table} WHERE month = $month", {"month": month})
        con.execute(f"INSERT INTO core.assignments BY NAME {sql_text('core_assignments')}", params)
        con.execute(f"INSERT INTO core.order_terms BY NAME {sql_text('core_order_terms')}", term_params)
        con.execute("INSERT INTO core.rejected_rows BY NAME SELECT $month AS month, * FROM rejected_rows_new", {"month": month})
        con.execute("INSERT INTO core.export_files BY NAME SELECT $month AS month, * FROM export_files_new", {"month": month})
    flags = fetch(con, "SELECT " + ", ".join(f"count(*) FILTER ({f}) AS {f}" for f in FLAGS)
                  + " FROM core.assignments WHERE month = $month", {"month": month}).row(0, named=True)
    return {"files": files, "flags": flags, "rejected": rejected}


@multi_asset(
    specs=[
        AssetSpec(ASSIGNMENTS, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="One row per assignment of an order to a unit: the month's exports validated, "
                              "units resolved through aliases, hotspots by longest prefix, personal data removed; "
                              "every row traceable to its export file and row (source_file, source_row)."),
        AssetSpec(REJECTED_ROWS, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="Every input row that did not reach core.assignments: faults (fault = true, "
                              "with file, row, column, value and reason) and rows replaced by a newer export."),
        AssetSpec(EXPORT_FILES, deps=REFERENCE_DEPS, group_name="ingest", kinds={"duckdb"},
                  description="The month's export files: encoding, checksum and rows in / stored / rejected / replaced."),
    ],
    check_specs=[
        AssetCheckSpec("no_rejected_rows", asset=ASSIGNMENTS, blocking=True,
                       description="Every row of the month's exports is valid. A rejected row blocks the month's "
                                   "marts and report until the export is fixed; the metadata names each fault."),
    ],
    **MONTHLY,
)
def ingest_exports(context: AssetExecutionContext, warehouse: DuckDBResource, paths: HotlinePaths):
    """Read, validate and store the exports of each month in the run."""
    key = phone_key(Path(paths.phone_key_file), paths.data)
    try:
        keywords = aspect_keywords(paths.reference)
    except (FileFault, RowFaults) as exc:
        raise input_failure(exc) from None
    totals = {"rows_in": 0, "rows_stored": 0, "rows_rejected": 0, "rows_replaced": 0}
    file_tables, flag_counts, faults, notes = [], {}, [], []
    with open_warehouse(warehouse) as con:
        for month in months_of(context):
            context.log.info(f"{month}: reading exports from {paths.month_dir(month) / 'exports'}")
            try:
                month_rows = read_month(paths, con, month)
            except FileFault as exc:
                # A file fault stops the run before anything is written: the warehouse keeps its
                # previous state of the month.
                raise input_failure(exc) from None
            context.log.info(f"{month}: {month_rows.rows_in} rows read from {len(month_rows.files)} file(s); storing")
            for export in month_rows.files:
                for note in export.notes:
                    context.log.info(f"{month}: {export.name}: {note}")
                    notes.append(f"{month} {export.name}: {note}")
            try:
                stored = store_month(con, month, month_rows, month_rules(con, month), key, keywords)
            except (duckdb.IOException, duckdb.FatalException, OSError) as exc:
                # A failed write (a full disk, a vanished mount) rolls the transaction back: the
                # month keeps its previous rows. Say so, and where.
                cause = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
                raise Failure(
                    f"{month}: could not write the warehouse {warehouse.database} ({cause}). "
                    "Nothing of the month was changed: its previous rows are kept. Free space on that disk "
                    "(or point HOTLINE_WAREHOUSE elsewhere) and run the month again.") from None
            files = stored["files"]
            for column in totals:
                totals[column] += int(files[column].sum())
            file_tables.append(files.with_columns(pl.lit(month).alias("month")))
            flag_counts[month] = stored["flags"]
            faults.append(stored["rejected"].filter(pl.col("fault")).with_columns(pl.lit(month).alias("month")))
            context.log.info(f"{month}: stored {int(files['rows_stored'].sum())}, rejected {int(files['rows_rejected'].sum())}, "
                             f"replaced {int(files['rows_replaced'].sum())}")
    per_file = pl.concat(file_tables).select("month", "source_file", "encoding", "rows_in", "rows_stored", "rows_rejected",
                                             "rows_replaced", "extra_columns")
    extra = sorted({c for cols in per_file["extra_columns"].to_list() for c in cols})
    all_faults = pl.concat(faults)
    accounted = totals["rows_in"] == totals["rows_stored"] + totals["rows_rejected"] + totals["rows_replaced"]
    yield MaterializeResult(asset_key=ASSIGNMENTS, metadata={
        **{k: MetadataValue.int(v) for k, v in totals.items()},
        "every row accounted for": MetadataValue.bool(accounted),
        "files": MetadataValue.md(markdown_table(per_file.drop("extra_columns"), 100)),
        "suspicious rows (kept, flagged)": MetadataValue.json(
            {m: {FLAGS[f]: n for f, n in c.items()} for m, c in flag_counts.items()}),
        "unknown columns (not stored)": MetadataValue.text("、".join(extra) if extra else "none"),
        "reader notes": MetadataValue.md("\n".join(f"- {n}" for n in notes) if notes else "none"),
    })
    yield MaterializeResult(asset_key=REJECTED_ROWS, metadata={
        "rows rejected": MetadataValue.int(totals["rows_rejected"]), "rows replaced": MetadataValue.int(totals["rows_replaced"])})
    yield MaterializeResult(asset_key=EXPORT_FILES, metadata={"files": MetadataValue.int(per_file.height)})
    yield AssetCheckResult(
        check_name="no_rejected_rows", asset_key=ASSIGNMENTS, passed=all_faults.height == 0,
        severity=AssetCheckSeverity.ERROR,
        description=("all rows valid" if all_faults.height == 0 else
                     f"{all_faults.height} row(s) rejected: fix the export(s) and run the month again"),
        metadata={
            "rejected rows": MetadataValue.int(all_faults.height),
            "faults": MetadataValue.md(markdown_table(
                all_faults.select("month", "source_file", "row_number", "column_name", "value", "reason"), FAULT_PREVIEW)),
        },
    )
