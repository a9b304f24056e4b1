"""``hotline validate``: judge files exactly as a run would, without loading anything."""

from collections import defaultdict
from pathlib import Path

import polars as pl

from hotline.calendar import Calendar, CalendarError
from hotline.contract.discovery import EXPORT_TYPES, Discovery, discover_exports
from hotline.contract.exports import export_files, read_export, validate_month
from hotline.contract.files import FileFault, RowFaults, cast_numbers, read_csv_with_headers, validate_reference
from hotline.contract.platform_exports import (
    hotspot_match_message,
    hotspot_match_of_rows,
    load_column_aliases,
    normalise_category_separators,
    require_callback_columns,
)
from hotline.lookups import is_month
from hotline.reference import (
    ASPECTS_FILE,
    load_adjustments,
    load_aspects,
    load_hotspots,
    load_roster,
    roster_of_month,
    unit_names,
)
from hotline.rules import RulesError, load_rules, load_typed_rules
from hotline.settings import Settings
from schemas.reference import ADJUSTMENTS_HEADERS, ADJUSTMENTS_SCHEMA, CITY_HEADERS, CITY_REQUIRED, CITY_SCHEMA

EXPORT_SUFFIXES = EXPORT_TYPES
MONTH_SIDE_FILES = ("adjustments.csv", "city_assessment.csv")


def _data_dir_of(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.name in ("months", "reference"):
            return parent.parent
        if (parent / "reference").is_dir() and (parent / "months").is_dir():
            return parent
    return Settings.from_env().data_dir


def _month_of(path: Path, month: str | None) -> str | None:
    for parent in [path, *path.parents]:
        if is_month(parent.name) and parent.parent.name == "months":
            return parent.name
    return month


def _misnamed_month_folders(path: Path) -> set[Path]:
    """Folders under a months/ folder, at ``path``, holding it or below it, whose name is not a month."""
    from hotline.month_load import impossible_month_folders, is_month_folder_name

    found = {p for p in [path, *path.parents] if p.parent.name == "months" and not is_month_folder_name(p.name)}
    if path.name == "months":
        found |= set(impossible_month_folders(path.parent))
    elif (path / "months").is_dir():
        found |= set(impossible_month_folders(path))
    return found


def _expand(path: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(files, exports folders, files a run never reads) under ``path``. An exports folder
    (``exports`` itself, or one below ``path``) is judged whole, by the same discovery as a run
    (hotline/contract/discovery.py), so validate and run see the same files; the other files are the
    reference files and a month's side files. An export-like file elsewhere in a month folder is
    not read by a run, so it is not judged as an export either: it is listed, to be said."""
    if path.is_file():
        return [path], [], []
    if not path.exists():
        raise FileFault(path, "does not exist", "Check the path")
    folders = sorted({p for p in [path, *path.rglob("exports")] if p.name == "exports" and p.is_dir()})
    files, unread = [], []
    for child in sorted(path.rglob("*")):
        if any(child.is_relative_to(folder) for folder in folders):
            continue
        if (
            child.is_file()
            and (child.suffix.lower() in EXPORT_SUFFIXES or child.name == "rules.yaml")
            and not child.name.startswith(("~$", "."))
        ):
            if child.name not in MONTH_SIDE_FILES and _month_of(child, None) is not None:
                unread.append(child)
                continue
            files.append(child)
    return files, folders, unread


def validate_paths(paths: list[Path], month: str | None = None, echo=print) -> list[str]:
    """Check every file under ``paths``; print and return every fault found."""
    faults: list[str] = []
    exports_by_month: dict[tuple[Path, str], list[Path]] = defaultdict(list)
    discoveries: dict[tuple[Path, str], Discovery] = {}
    checked = 0
    misnamed: set[Path] = set()
    for given in paths:
        try:
            files, folders, unread = _expand(given.resolve())
        except FileFault as exc:
            faults.append(str(exc))
            continue
        misnamed |= _misnamed_month_folders(given.resolve())
        for path in unread:
            echo(f"note    {path}: not read by a run (a month's exports are read from its exports/ folder only)")
        for folder in folders:
            if any(bad == folder or bad in folder.parents for bad in misnamed):
                continue  # a run never reads a folder that is not a month: named once below
            folder_month = _month_of(folder, month)
            if folder_month is None:
                faults.append(
                    f"{folder}: cannot tell which month these exports belong to; "
                    "put them under months/YYYY-MM/exports/ or pass --month"
                )
                continue
            discovery = discover_exports(folder)
            checked += len(discovery.files) + len(discovery.refused)
            discoveries[(_data_dir_of(folder), folder_month)] = discovery
        for path in files:
            if any(folder in path.parents for folder in misnamed):
                continue  # a run never reads a folder that is not a month: named once below
            data_dir = _data_dir_of(path)
            file_month = _month_of(path, month)
            checked += 1
            try:
                if path.name == "rules.yaml":
                    load_rules(path.parent)
                elif path.name == "units.csv":
                    load_roster(path.parent, load_typed_rules(data_dir / "reference"))
                elif path.name == "calendar.csv":
                    Calendar.load(path.parent, load_typed_rules(data_dir / "reference"))
                elif path.name == "hotspots.csv":
                    load_hotspots(path.parent)
                elif path.name == "columns.csv" and path.parent.name == "reference":
                    load_column_aliases(path.parent)
                elif path.name == ASPECTS_FILE and path.parent.name == "reference":
                    load_aspects(path.parent)
                elif path.name == "adjustments.csv":
                    frame = validate_reference(load_adjustments(path), ADJUSTMENTS_SCHEMA, path, ADJUSTMENTS_HEADERS)
                    if file_month is not None:
                        problems = _adjustments_against_roster(data_dir, file_month, path, frame)
                        if problems:
                            faults += problems
                            continue
                elif path.name == "city_assessment.csv":
                    frame = cast_numbers(
                        read_csv_with_headers(path, CITY_HEADERS, CITY_REQUIRED),
                        {"value_pct": pl.Float64},
                        path,
                        CITY_HEADERS,
                    )
                    validate_reference(frame, CITY_SCHEMA, path, CITY_HEADERS)
                elif path.suffix.lower() in EXPORT_SUFFIXES:
                    if file_month is None:
                        faults.append(
                            f"{path}: cannot tell which month this export belongs to; "
                            "put it under months/YYYY-MM/exports/ or pass --month"
                        )
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
    for (data_dir, folder_month), discovery in sorted(discoveries.items(), key=lambda item: item[0]):
        for note in discovery.notes:
            echo(f"note    {discovery.root}/{note}")
        faults += [str(refused.fault()) for refused in discovery.refused]
        if discovery.files:
            faults += _validate_exports(data_dir, folder_month, discovery.files, echo, discovery.name_of)
    faults += [
        f"{folder}: not a month folder (a month is named YYYY-MM, month 01–12, e.g. 2024-02); a run never "
        "reads it. Rename it to the month it holds"
        for folder in sorted(misnamed)
    ]
    for fault in faults:
        echo(f"FAULT   {fault}")
    echo(f"hotline validate: {checked} file(s) checked, {len(faults)} fault(s)")
    return faults


def _adjustments_against_roster(data_dir: Path, month: str, path: Path, frame: pl.DataFrame) -> list[str]:
    """As a run judges them: every unit known to the month's roster, none listed twice (by name or alias)."""
    from hotline.month_load import adjustments_against_roster, invalid_adjustments, unknown_adjustment_units

    reference = data_dir / "reference"
    try:
        names = unit_names(roster_of_month(load_roster(reference, load_typed_rules(reference)), month))
    except (FileFault, RowFaults, RulesError) as exc:
        return [f"cannot check {path} against the roster: {exc}"]
    resolved = adjustments_against_roster(
        frame.select("unit_as_written", "deduction", "quality_bonus", "sampling_rank", "source_row"),
        names,
        month,
        path.as_posix(),
    )
    problems = pl.concat([unknown_adjustment_units(resolved), invalid_adjustments(resolved)])
    return [
        f"{r['where']}, column {r['column_name']}: {r['unit']}: {r['problem']}" for r in problems.iter_rows(named=True)
    ]


def _validate_exports(data_dir: Path, month: str, files: list[Path], echo, name_of=None) -> list[str]:
    """Read ``files`` (in the given order: the discovery's, as a run reads them) and validate
    them together as the month's rows; ``name_of`` names a file as the run does (path below
    exports/)."""
    reference = data_dir / "reference"
    try:
        rules = load_typed_rules(reference)
        window = Calendar.load(reference, rules).window(month)
        names = unit_names(roster_of_month(load_roster(reference, rules), month))
        aliases = load_column_aliases(reference)
        # the taxonomy reads 诉求分类 written with another separator; without it (a fault of its
        # own when hotspots.csv is checked) the values are judged as written
        prefixes = load_hotspots(reference)["prefix"].to_list() if (reference / "hotspots.csv").exists() else []
    except (FileFault, RowFaults, RulesError, CalendarError) as exc:
        return [f"cannot check the exports of {month} against the reference data: {exc}"]
    faults, readable = [], []
    for path in files:
        try:
            readable.append(read_export(path, name_of(path) if name_of else None, aliases))
        except FileFault as exc:
            faults.append(str(exc))
    folder = files[0].parent
    # a folder judged whole (name_of: the discovery's), or every export of one folder given
    whole_month = name_of is not None or set(files) >= set(export_files(folder))
    if readable and len(readable) == len(files) and whole_month:
        # the month as a whole, as a run judges it: when every export of the folder was read
        try:
            require_callback_columns(readable, month, rules, folder, aliases)
        except FileFault as exc:
            faults.append(str(exc))
    for export in readable:
        normalise_category_separators(export, prefixes)
    if readable:
        # validate_month orders the files itself (by name, as a run does), so re-exports match.
        result = validate_month(readable, rules, window.start, window.end, names)
        path_of = {export.name: export.path for export in readable}
        for row in result.faults.iter_rows(named=True):
            faults.append(
                f"{path_of[row['source_file']]} row {row['row_number']}, column {row['column_name']}: "
                f"{row['reason']} (value: {row['value']!r})"
            )
        for r in result.conflicts.iter_rows(named=True):
            echo(
                f"warning {path_of.get(r['source_file'], folder / r['source_file'])} row {r['row_number']} conflicts "
                f"with {r['kept_file']} row "
                f"{r['kept_row']} on {r['columns']}: a run keeps the later export (by file name), {r['kept_file']}"
            )
        for export in readable:
            bad = result.faults.filter(result.faults["source_file"] == export.name).height
            if not bad:
                echo(f"ok      {export.path} ({export.rows.height} rows, {export.encoding})")
            for note in export.notes:
                echo(f"note    {export.path}: {note}")
            if export.extra_columns:
                echo(
                    f"note    {export.path}: columns not in the contract, not loaded: "
                    f"{'、'.join(export.extra_columns)}"
                )
        if prefixes:
            # the run's warning check hotspots_matched, on the rows a run would store
            match = hotspot_match_of_rows(result.rows, prefixes, month, rules)
            if match["warn"]:
                echo(f"warning {hotspot_match_message(match)}")
    return faults
