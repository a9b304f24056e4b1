"""A month's ingest without Dagster: reading and judging its exports against the reference data in
the warehouse, and storing a month that nothing blocks (core.assignments, core.orders, core.rejected_rows,
core.export_files and core.text_terms, in one transaction). The asset (assets/ingest.py) runs it per
month of a run and reports what happened.

A month is all or nothing (hotline/month_load.py): its exports and side files are judged together,
and only when no blocking fault is found are its core tables written."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from hotline.contract.discovery import discover_exports
from hotline.contract.exports import MonthRows, read_export, validate_month
from hotline.contract.files import FileFault
from hotline.contract.platform_exports import (
    load_column_aliases,
    normalise_category_separators,
    require_callback_columns,
)
from hotline.lookups import file_sha256
from hotline.month_load import (
    BLOCKED,
    FAULT_COLUMNS,
    LOADED,
    SideFiles,
    missing_sampling_ranks,
    no_problems,
    problem_faults,
    record_attempt,
    store_side_files,
)
from hotline.reference import unit_names
from hotline.rules_model import Rules
from hotline.text import number_texts, terms_of_texts
from hotline.warehouse import fetch, month_rules, registered, sql_text, transaction

STAGED_COLUMNS = [
    "order_id",
    "unit",
    "unit_group",
    "received_at",
    "channel",
    "request_type",
    "category_path",
    "address",
    "dispatched_at",
    "signed_at",
    "completed_at",
    "responded_on_time",
    "completed_on_time",
    "resolution_result",
    "satisfaction_result",
    "city_rework",
    "city_overdue",
    "enterprise_source",
    "fast_track",
    "arrived_at",
    "onsite_meeting",
    "source_file",
    "source_row",
    "unit_as_written",
    "caller_phone",
]
FLAGS = {
    "flag_signed_before_dispatch": "签收时间 before 派单时间",
    "flag_completed_before_dispatch": "办结时间 before 派单时间",
    "flag_fast_close": "closed within minutes of dispatch",
    "flag_callback_while_open": "callback on an order still open",
}


class PhoneKeyInDataFolder(ValueError):
    """The phone-hash key file lies inside the data folder (a copy of the data would carry it)."""


def phone_key(key_file: Path, data_dir: Path) -> str:
    """The secret for hashing phone numbers, created on first use. It must live outside the data
    folder: whoever has a copy of the data must not also have the key."""
    key_file, data_dir = key_file.resolve(), data_dir.resolve()
    if key_file.is_relative_to(data_dir):
        raise PhoneKeyInDataFolder(
            f"The phone-hash key file {key_file} is inside the data folder {data_dir}. "
            "Set HOTLINE_PHONE_KEY_FILE to a path outside it."
        )
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def read_month(con, month: str, exports_dir: Path, reference_dir: Path) -> MonthRows:
    """Read and validate every export of ``month`` (in ``exports_dir``) against the reference data
    in the warehouse. A bad reference/column_aliases.csv raises its RowFaults."""
    discovery = discover_exports(exports_dir)
    if discovery.refused:
        # A month is read whole or not at all: a file that cannot be read stops it.
        raise discovery.fault()
    if not discovery.files:
        raise FileFault(
            exports_dir,
            "holds no export files (.xlsx, .xls, .csv, .tsv, .txt)",
            f"Put the work-order exports of {month} in this folder",
        )
    rules = month_rules(con, month)
    window = fetch(con, "SELECT window_start, window_end FROM ref.months WHERE month = $month", {"month": month})
    if window.height == 0:
        raise LookupError(f"no window stored for {month}: materialize ref/months for {month} first")
    roster = fetch(
        con,
        "SELECT unit, unit_group, aliases FROM ref.units WHERE month = $month ORDER BY roster_order",
        {"month": month},
    )
    aliases = load_column_aliases(reference_dir)
    exports = [read_export(path, discovery.name_of(path), aliases) for path in discovery.files]
    require_callback_columns(exports, month, rules, exports_dir, aliases)
    prefixes = fetch(con, "SELECT prefix FROM ref.hotspots WHERE month = $month", {"month": month})["prefix"].to_list()
    for export in exports:
        normalise_category_separators(export, prefixes)
    month_rows = validate_month(exports, rules, window["window_start"][0], window["window_end"][0], unit_names(roster))
    month_rows.notes = discovery.notes
    return month_rows


def _credit_map(rules: Rules) -> pl.DataFrame:
    rows = [("resolution", label, credit) for label, credit in rules.credit.resolution.items()]
    rows += [("satisfaction", label, credit) for label, credit in rules.credit.satisfaction.items()]
    return pl.DataFrame(rows, schema={"kind": pl.String, "label": pl.String, "credit": pl.Decimal(9, 4)}, orient="row")


def rejected_per_row(faults: pl.DataFrame) -> pl.DataFrame:
    """One row per rejected input row (the contract's grain); a row with several faults lists
    its columns and reasons together."""
    return faults.group_by("source_file", "row_number", "fault", maintain_order=True).agg(
        pl.col("column_name").unique(maintain_order=True).str.join("、"),
        pl.col("value").fill_null("").str.join(" | "),
        pl.col("reason").unique(maintain_order=True).str.join("；"),
    )


def file_stats(month_rows: MonthRows, rejected: pl.DataFrame) -> pl.DataFrame:
    stored = month_rows.rows.group_by("source_file").len("rows_stored")
    per_kind = rejected.group_by("source_file").agg(
        pl.col("fault").sum().alias("rows_rejected"), (~pl.col("fault")).sum().alias("rows_replaced")
    )
    files = pl.DataFrame(
        {
            "source_file": [f.name for f in month_rows.files],
            "encoding": [f.encoding for f in month_rows.files],
            "sha256": [f.sha256 or file_sha256(f.path) for f in month_rows.files],
            "rows_in": [f.rows.height for f in month_rows.files],
            "extra_columns": [f.extra_columns for f in month_rows.files],
        },
        schema_overrides={"extra_columns": pl.List(pl.String)},
    )
    replacements = month_rows.replacements
    replacing = replacements.group_by(pl.col("kept_file").alias("source_file")).len("rows_replacing")
    conflicts = month_rows.conflicts
    in_conflict = (
        pl.concat(
            [
                conflicts.select("source_file", pl.col("row_number").alias("row")),
                conflicts.select(pl.col("kept_file").alias("source_file"), pl.col("kept_row").alias("row")),
            ]
        )
        .unique()
        .group_by("source_file")
        .len("rows_in_conflict")
    )
    counts = ["rows_stored", "rows_rejected", "rows_replaced", "rows_replacing", "rows_in_conflict"]
    return (
        files.join(stored, on="source_file", how="left")
        .join(per_kind, on="source_file", how="left")
        .join(replacing, on="source_file", how="left")
        .join(in_conflict, on="source_file", how="left")
        .with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))
    )


def _order_texts(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per order with 诉求内容: order_id, content, caller_name (a co-handled order's rows
    carry the same text; the first is taken)."""
    return (
        rows.select("order_id", "content", "caller_name")
        .filter(pl.col("content").is_not_null())
        .unique(subset="order_id", keep="first")
    )


def store_month(
    con, month: str, month_rows: MonthRows, rules: Rules, key: str, keywords: Sequence[str] = (), also=None
) -> dict[str, Any]:
    """Replace the month in core.assignments, core.orders, core.rejected_rows, core.export_files
    and core.text_terms at once; ``also(con)`` writes the month's other tables inside the same
    transaction. 诉求内容 and 来电人 go no further than this function: each order gets the number of
    its masked text and its caller (sql/core_orders.sql), each text only the terms that pass the
    month's thresholds (sql/core_text_terms.sql) and which of ``keywords`` (reference/aspects.csv's)
    it holds. Returns the files' stats, the flags' counts, the rejected rows and ``text_seconds``:
    the wall seconds of the text stage in the storing (masking, segmenting, the terms' write)."""
    staged = month_rows.rows.select(STAGED_COLUMNS)
    rejected = rejected_per_row(pl.concat([month_rows.faults, month_rows.superseded]))
    files = file_stats(month_rows, rejected)
    params = {
        "month": month,
        "unmatched_label": rules.hotspots.unmatched_label,
        "satisfaction_numeric_max": rules.credit.satisfaction_numeric_max,
        "phone_key": key,
        "fast_close_minutes": rules.flags.fast_close_minutes,
    }
    # text_seconds: what 诉求内容 → terms adds to the storing (benchmarks/run.py reads it)
    text_started = time.perf_counter()
    order_texts, texts = number_texts(_order_texts(month_rows.rows))
    pairs, vocabulary = terms_of_texts(texts, keywords)
    del texts  # the masked texts go no further
    text_seconds = time.perf_counter() - text_started
    frames = dict(
        staged_rows=staged,
        credit_map=_credit_map(rules),
        rejected_rows_new=rejected,
        export_files_new=files,
        order_texts=order_texts,
        text_term_pairs=pairs,
        term_vocabulary=vocabulary,
        # 来电人 matters only where 联系电话 is missing (sql/core_orders.sql: the caller)
        order_callers=month_rows.rows.filter(
            pl.col("caller_phone").is_null() & pl.col("caller_name").is_not_null()
        ).select("order_id", "caller_name"),
    )
    term_params = {
        "month": month,
        "min_orders": rules.text.min_orders,
        "min_callers": rules.text.min_callers,
    }
    with registered(con, **frames), transaction(con):
        for table in (
            "core.assignments",
            "core.orders",
            "core.rejected_rows",
            "core.export_files",
            "core.text_terms",
        ):
            con.execute(f"DELETE FROM {table} WHERE month = $month", {"month": month})
        con.execute(f"INSERT INTO core.assignments BY NAME {sql_text('core_assignments')}", params)
        con.execute(
            f"INSERT INTO core.orders BY NAME {sql_text('core_orders')}", {"months": [month], "phone_key": key}
        )
        text_started = time.perf_counter()
        con.execute(f"INSERT INTO core.text_terms BY NAME {sql_text('core_text_terms')}", term_params)
        text_seconds += time.perf_counter() - text_started
        con.execute(
            "INSERT INTO core.rejected_rows BY NAME SELECT $month AS month, * FROM rejected_rows_new", {"month": month}
        )
        con.execute(
            "INSERT INTO core.export_files BY NAME SELECT $month AS month, * FROM export_files_new", {"month": month}
        )
        if also is not None:
            also(con)
    flags = fetch(
        con,
        "SELECT "
        + ", ".join(f"count(*) FILTER ({f}) AS {f}" for f in FLAGS)
        + " FROM core.assignments WHERE month = $month",
        {"month": month},
    ).row(0, named=True)
    return {"files": files, "flags": flags, "rejected": rejected, "text_seconds": text_seconds}


def export_faults(rejected: pl.DataFrame) -> pl.DataFrame:
    return rejected.filter(pl.col("fault")).select(FAULT_COLUMNS)


def blocked_reason(month: str, rejected_rows: int, side: SideFiles, ranks: pl.DataFrame) -> str:
    parts = [
        f"{rejected_rows} rejected row(s)" if rejected_rows else "",
        f"{side.file_faults.height} fault(s) in its side files" if side.file_faults.height else "",
        f"{side.unknown_units.height} unknown unit(s) in adjustments.csv" if side.unknown_units.height else "",
        f"{side.invalid.height} invalid adjustment(s)" if side.invalid.height else "",
        f"{ranks.height} ranked unit(s) without 抽测排名" if ranks.height else "",
    ]
    return f"{month} is blocked (" + ", ".join(p for p in parts if p) + ")"


# --------------------------------------------------------------------------- a month judged, then stored or blocked
COUNTED = ("rows_in", "rows_stored", "rows_rejected", "rows_replaced")


@dataclass
class JudgedMonth:
    """A month's exports and side files judged together: what it would store and what blocks it."""

    month: str
    rows: MonthRows
    side: SideFiles
    rules: Rules
    files: pl.DataFrame  # per export file: encoding, checksum, rows in / stored / rejected / replaced …
    counts: dict[str, int]  # COUNTED, summed over the files
    ranks: pl.DataFrame  # ranked units without 抽测排名 (no_problems() when the run does not judge them)
    faults: pl.DataFrame  # every blocking fault (FAULT_COLUMNS); none: the month may be stored

    @property
    def blocked_reason(self) -> str | None:
        """Why nothing of the month may be stored; None when nothing blocks it."""
        if not self.faults.height:
            return None
        return blocked_reason(self.month, self.counts["rows_rejected"], self.side, self.ranks)


def judge_month(con, month: str, month_rows: MonthRows, side: SideFiles, judge_ranks: bool) -> JudgedMonth:
    """Judge a month read by ``read_month`` and ``read_side_files`` against its stored rules and
    roster. ``judge_ranks``: whether a missing 抽测排名 blocks (it does where the month's scores are
    computed)."""
    rules = month_rules(con, month)
    rejected = rejected_per_row(pl.concat([month_rows.faults, month_rows.superseded]))
    files = file_stats(month_rows, rejected)
    counts = {c: int(files[c].sum()) for c in COUNTED}
    ranks = (
        missing_sampling_ranks(
            month_rows.rows,
            side,
            fetch(con, "SELECT unit, roster_order FROM ref.units WHERE month = $month", {"month": month}),
            month,
            int(rules.groups.dept_large_threshold),
        )
        if judge_ranks
        else no_problems()
    )
    faults = pl.concat(
        [
            export_faults(rejected),
            side.file_faults,
            problem_faults(side.unknown_units),
            problem_faults(side.invalid),
            problem_faults(ranks),
        ],
        how="vertical_relaxed",
    )
    return JudgedMonth(month, month_rows, side, rules, files, counts, ranks, faults)


def record_blocked(con, judged: JudgedMonth) -> str:
    """core.month_loads and core.blocked_faults say the month is blocked, and why; nothing else of
    it changes. The reason."""
    reason = judged.blocked_reason
    with transaction(con):
        record_attempt(con, judged.month, BLOCKED, judged.counts, reason, judged.faults)
    return reason


def store_judged_month(con, judged: JudgedMonth, key: str, keywords: Sequence[str] = ()) -> dict[str, Any]:
    """Store a month nothing blocks: its core tables, its side files and its 'loaded' state, in one
    transaction (``store_month``)."""

    def also(con):
        store_side_files(con, judged.month, judged.side)
        record_attempt(con, judged.month, LOADED, judged.counts, None)

    return store_month(con, judged.month, judged.rows, judged.rules, key, keywords, also=also)
