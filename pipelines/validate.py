"""``hotline validate``: judge files exactly as a run would, without loading anything."""

import re
from collections import defaultdict
from pathlib import Path

from assets.calendar import Calendar, CalendarError
from assets.exports import export_files, read_export, validate_month
from assets.reference import load_adjustments, load_hotspots, load_roster, roster_of_month, unit_names
from assets.rules import RulesError, load_rules
from assets.text import ASPECTS_FILE, load_aspects
from pipelines.settings import Settings
from schemas.files import FileFault, RowFaults, cast_numbers, read_csv_with_headers, validate_reference
import polars as pl

from schemas.reference import ADJUSTMENTS_HEADERS, ADJUSTMENTS_SCHEMA, CITY_HEADERS, CITY_REQUIRED, CITY_SCHEMA

EXPORT_SUFFIXES = (".csv", ".xlsx", ".xlsm")
MONTH_DIR = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _data_dir_of(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.name in ("months", "reference"):
            return parent.parent
        if (parent / "reference").is_dir() and (parent / "months").is_dir():
            return parent
    return Settings.from_env().data_dir


def _month_of(path: Path, month: str | None) -> str | None:
    for parent in [path, *path.parents]:
        if MONTH_DIR.match(parent.name) and parent.parent.name == "months":
            return parent.name
    return month


def _expand(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.exists():
        raise FileFault(path, "does not exist", "Check the path")
    files = []
    for child in sorted(path.rglob("*")):
        if child.is_file() and (child.suffix.lower() in EXPORT_SUFFIXES or child.name == "rules.yaml") \
                and not child.name.startswith(("~$", ".")):
            files.append(child)
    return files


def validate_paths(paths: list[Path], month: str | None = None, echo=print) -> list[str]:
    """Check every file under ``paths``; print and return every fault found."""
    faults: list[str] = []
    exports_by_month: dict[tuple[Path, str], list[Path]] = defaultdict(list)
    checked = 0
    for given in paths:
        try:
            files = _expand(given.resolve())
        except FileFault as exc:
            faults.append(str(exc))
            continue
        for path in files:
            data_dir = _data_dir_of(path)
            file_month = _month_of(path, month)
            checked += 1
            try:
                if path.name == "rules.yaml":
                    load_rules(path.parent)
                elif path.name == "units.csv":
                    load_roster(path.parent, load_rules(data_dir / "reference"))
                elif path.name == "calendar.csv":
                    Calendar.load(path.parent, load_rules(data_dir / "reference"))
                elif path.name == "hotspots.csv":
                    load_hotspots(path.parent)
                elif path.name == ASPECTS_FILE and path.parent.name == "reference":
                    load_aspects(path.parent)
                elif path.name == "adjustments.csv":
                    validate_reference(load_adjustments(path), ADJUSTMENTS_SCHEMA, path, ADJUSTMENTS_HEADERS)
                elif path.name == "city_assessment.csv":
                    frame = cast_numbers(read_csv_with_headers(path, CITY_HEADERS, CITY_REQUIRED), {"value_pct": pl.Float64}, path, CITY_HEADERS)
                    validate_reference(frame, CITY_SCHEMA, path, CITY_HEADERS)
                elif path.suffix.lower() in EXPORT_SUFFIXES:
                    if file_month is None:
                        faults.append(f"{path}: cannot tell which month this export belongs to; "
                                      "put it under months/YYYY-MM/exports/ or pass --month")
                        continue
                    exports_by_month[(data_dir, file_month)].append(path)
                    continue
                else:
                    continue
                echo(f"ok      {path}")
            except (FileFault, RowFaults, RulesError, CalendarError) as exc:
                faults.append(str(exc))
    for (data_dir, file_month), files in sorted(exports_by_month.items()):
        faults += _validate_exports(data_dir, file_month, files, echo)
    for fault in faults:
        echo(f"FAULT   {fault}")
    echo(f"hotline validate: {checked} file(s) checked, {len(faults)} fault(s)")
    return faults


def _validate_exports(data_dir: Path, month: str, files: list[Path], echo) -> list[str]:
    reference = data_dir / "reference"
    try:
        rules = load_rules(reference)
        window = Calendar.load(reference, rules).window(month)
        names = unit_names(roster_of_month(load_roster(reference, rules), month))
    except (FileFault, RowFaults, RulesError, CalendarError) as exc:
        return [f"cannot check the exports of {month} against the reference data: {exc}"]
    faults, readable = [], []
    for path in files:
        try:
            readable.append(read_export(path))
        except FileFault as exc:
            faults.append(str(exc))
    if readable:
        # Validate in file age order, as a run would, so that replacements match.
        by_age = {p: i for i, p in enumerate(export_files(files[0].parent))}
        readable.sort(key=lambda f: by_age.get(f.path, 0))
        result = validate_month(readable, rules, window.start, window.end, names)
        folder = files[0].parent
        for row in result.faults.iter_rows(named=True):
            faults.append(f"{folder / row['source_file']} row {row['row_number']}, column {row['column_name']}: "
                          f"{row['reason']} (value: {row['value']!r})")
        for export in readable:
            bad = result.faults.filter(result.faults["source_file"] == export.name).height
            if not bad:
                echo(f"ok      {export.path} ({export.rows.height} rows, {export.encoding})")
            for note in export.notes:
                echo(f"note    {export.path}: {note}")
            if export.extra_columns:
                echo(f"note    {export.path}: columns not in the contract, not loaded: {'、'.join(export.extra_columns)}")
    return faults
