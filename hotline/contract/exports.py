"""Turning a month's export files into validated assignment rows and a list of faults.

Pure functions on polars frames, no Dagster and no warehouse: the ingest asset and
``hotline validate`` both call them, so a file is judged the same way everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandera.errors
import polars as pl

from hotline.contract.discovery import discover_exports
from hotline.contract.files import CELL_FAULT_FIX, FileFault, read_export_table
from hotline.contract.platform_exports import (
    check_total_lines,
    header_reader,
    refuse_scientific_order_ids,
    split_total_lines,
    written_header,
)

# the patterns of personal data, written once for 诉求地址, rejected values and 诉求内容 (hotline/text)
from hotline.personal import _DIGITS, _FULL_WIDTH_DIGITS, FORMS_OF_ADDRESS, ID_NUMBER, PERSON_BY_SURNAME, PHONE_NUMBER
from schemas.exports import (
    BY_HEADER,
    DATETIME_COLUMNS,
    DATETIME_FORMATS,
    EXCEL_EPOCH,
    EXPORT_COLUMNS,
    FLAG_COLUMNS,
    FLAG_SPELLINGS,
    NO,
    ORDER_LEVEL_COLUMNS,
    REQUIRED_HEADERS,
    assignment_schema,
    closed_value_sets,
)
from schemas.warehouse import FAULT_COLUMNS

if TYPE_CHECKING:
    from hotline.rules_model import Rules

# White space a spreadsheet leaves around values, including the full-width space.
_SPACES = " \t\r\n\u3000\u00a0"


@dataclass
class ExportFile:
    path: Path
    encoding: str
    rows: pl.DataFrame  # normalised, one row per input row, with source_file and source_row
    extra_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader decided: sheet, header row, empty rows
    sha256: str = ""  # of the file's bytes as read
    source_name: str = ""  # the name in core.export_files/rejected_rows: the path below exports/
    header_cells: int = 0  # the header's named cells; ``rows.source_cells`` holds a row's count when it differs
    columns: list[str] = field(default_factory=list)  # the contract headers the file has (after aliases)

    @property
    def name(self) -> str:
        return self.source_name or self.path.name


def export_files(exports_dir: Path) -> list[Path]:
    """The month's readable export files (hotline/contract/discovery.py), in the order of their path below
    ``exports_dir``. Refused files are not listed here: ``discover_exports`` names them."""
    return discover_exports(exports_dir).files


def _column_letter(index: int) -> str:
    """Excel's name of the column at 0-based ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_export(path: Path, name: str | None = None, column_aliases: Mapping[str, str] | None = None) -> ExportFile:
    """Read one export file, named ``name`` (its path below exports/; default: the file name).
    Raises FileFault for anything that concerns the whole file.

    The header is looked for in the first rows (title rows above it are skipped, a two-row header
    of merged group cells is read as one); headers are matched by name, through the built-in
    aliases and the district's ``column_aliases`` (``platform_exports.load_column_aliases``).
    A totals line under the data is skipped and its count compared. What the reader decided on
    its own (an alias read, a header row found, rows skipped) is in ``notes``. A row of text whose
    cell count is not the header's keeps its count in ``source_cells`` (null for every other row):
    validate_month rejects it."""
    clean = header_reader(column_aliases)
    table = read_export_table(path, REQUIRED_HEADERS, clean)
    name = name or path.name
    headers, frame, notes = table.headers, table.frame, list(table.notes)
    seen: dict[str, int] = {}
    for position, header in enumerate(headers):
        if header in BY_HEADER and header in seen:
            first = seen[header]
            written = (written_header(headers[first]), written_header(header))
            if written[0] == written[1]:
                raise FileFault(
                    path,
                    f"the column 「{header}」 appears twice (columns {first + 1} and {position + 1}, "
                    f"{_column_letter(first)} and {_column_letter(position)})",
                    "Delete one of the two columns and load the file again",
                )
            raise FileFault(
                path,
                f"the columns 「{written[0]}」 and 「{written[1]}」 (columns {first + 1} and "
                f"{position + 1}, {_column_letter(first)} and {_column_letter(position)}) both mean "
                f"{header}",
                "Delete the one that is not the export's own and load the file again",
            )
        seen.setdefault(header, position)
        if header in BY_HEADER and written_header(header) != header:
            notes.append(f"column 「{written_header(header)}」 read as {header}")
    missing = [h for h in REQUIRED_HEADERS if h not in seen]
    if missing:
        hint = (
            "the header must be on the first row"
            if len(missing) == len(REQUIRED_HEADERS)
            else "add the column(s) to the export"
        )
        raise FileFault(
            path,
            f"missing required column(s) {'、'.join(missing)} (found: {'、'.join(h for h in headers if h)})",
            f"Export again with every required column: {hint}",
        )
    rename, extra = {}, []
    for position, header in enumerate(headers):
        column = f"c{position}"
        if header in BY_HEADER:
            rename[column] = BY_HEADER[header].name
        elif header:
            extra.append(written_header(header))
        elif frame[column].str.strip_chars(_SPACES).replace("", None).drop_nulls().len():
            # A column with values but no header (e.g. the right half of a merged header cell):
            # its meaning is unknown, so it is not loaded, and said so.
            extra.append(f"(column {_column_letter(position)}, no header)")
    # Row numbers as a person sees them in Excel: the header is row 1, the first record row 2
    # (or lower when title rows stand above the header). A totals line under the data is no record.
    # Only lines after the last record are taken out, so the records keep their row numbers.
    cells = pl.repeat(None, frame.height, dtype=pl.Int32, eager=True).alias("source_cells")
    if table.cell_faults:
        at, counts = zip(*table.cell_faults)
        cells = cells.scatter(list(at), list(counts))
    frame, totals = split_total_lines(frame.with_columns(cells), table.first_row)
    frame = frame.with_row_index("source_row", offset=table.first_row).select(
        pl.col("source_row").cast(pl.Int64), *[pl.col(c).alias(n) for c, n in rename.items()], "source_cells"
    )
    # Every file's frame has every contract column, in the contract's order: files of one month
    # may order their columns differently or lack optional ones, and are stacked by name.
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c.name) for c in EXPORT_COLUMNS if c.name not in frame.columns]
    ).select("source_row", *[c.name for c in EXPORT_COLUMNS], "source_cells")
    # Surrounding spaces off, empty text as null: once, here, for the empty-row test below and
    # for _normalise. 诉求内容 is left as written: only an otherwise empty row needs it.
    kept = [c.name for c in EXPORT_COLUMNS if c.name != "content"]
    frame = _stripped_columns(frame.with_columns(pl.col(kept).cast(pl.String)), kept)
    # Rows with no value at all (blank lines, formatted but empty spreadsheet rows) are not
    # records: skipped, and counted in the notes.
    blank = frame.select(pl.all_horizontal([pl.col(c).is_null() for c in kept])).to_series()
    if blank.any():
        blank = blank & frame.select(_stripped(pl.col("content")).is_null()).to_series()
    blanks = blank.sum()
    if blanks:
        frame = frame.filter(~blank)
        notes.append(f"{blanks} empty row(s) skipped")
    repeats = _repeated_header_rows(frame, clean)
    if repeats.height:
        frame = frame.join(repeats, on="source_row", how="anti", maintain_order="left")
        notes.append(
            f"{repeats.height} row(s) repeating the header skipped (row(s) "
            f"{', '.join(str(r) for r in repeats['source_row'].head(5))}): two exports pasted into one sheet"
        )
    if frame.height == 0:
        raise FileFault(
            path,
            "has a header but no rows",
            "Export the month again; an empty export is most likely a failed download",
        )
    if totals:
        orders = frame.select(_stripped(pl.col("order_id")).n_unique()).item()
        notes += check_total_lines(totals, frame.height, orders, path)
    # 诉求内容 is personal free text, never checked nor stored as written: the ingest derives the
    # order's terms from it (hotline/text) and drops it.
    frame = frame.with_columns(pl.lit(name).alias("source_file"))
    rows = _normalise(frame)
    refuse_scientific_order_ids(rows, path)
    return ExportFile(
        path,
        table.encoding,
        rows,
        extra,
        notes,
        table.sha256,
        source_name=name,
        header_cells=table.header_cells,
        columns=[h for h in BY_HEADER if h in seen],
    )


def _repeated_header_rows(frame: pl.DataFrame, clean) -> pl.DataFrame:
    """The ``source_row`` of rows whose every written cell is its column's header (read through the
    aliases): a header pasted again with a second export, no record. Only rows whose 工单编号 has no
    digit are looked at: an order number always has one, a header never."""
    candidates = frame.filter(pl.col("order_id").is_not_null() & ~pl.col("order_id").str.contains(r"\d"))
    header_of = {c.name: c.header for c in EXPORT_COLUMNS}
    rows = [
        row["source_row"]
        for row in candidates.iter_rows(named=True)
        if all(
            clean(value) == header_of[name]
            for name, value in row.items()
            if name in header_of and value is not None and str(value).strip(_SPACES)
        )
    ]
    return pl.DataFrame({"source_row": rows}, schema={"source_row": pl.Int64})


def _stripped(text: pl.Expr) -> pl.Expr:
    """Text without surrounding white space (including the full-width space), empty as null."""
    return text.str.strip_chars(_SPACES).replace("", None)


def _stripped_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``_stripped`` on the frame's ``columns``, fast: stripping a set of characters costs twice
    to three times polars' plain white-space strip, which removes a superset of them (all Unicode
    white space). So the plain strip finds the values with anything to strip (all columns at
    once, in parallel), and only those get the real one."""
    touched = frame.select(pl.col(columns).str.strip_chars().str.len_bytes() != pl.col(columns).str.len_bytes())
    fixed = []
    for name in columns:
        at = touched.get_column(name).arg_true()
        if at.len():
            column = frame.get_column(name)
            fixed.append(column.scatter(at, column.gather(at).str.strip_chars(_SPACES)))
    return frame.with_columns(fixed).with_columns(pl.col(columns).replace("", None))


ID_MASK, PHONE_MASK, NAME_MASK = "[证件号已隐去]", "[电话已隐去]", "[姓名已隐去]"


def mask_address(address: pl.Expr, caller_name: pl.Expr) -> pl.Expr:
    """诉求地址 is free text a citizen dictated: mask what can be recognised as personal data.
    ID numbers (18 or 15 digits) and phone numbers (mobile, with or without +86; landline with
    area code), in any digit width and with spaces, dots or dashes between the digits; the
    caller's own name (the 来电人 value of the same row, two characters or more); and anyone
    named by surname and a form of address (王先生, 欧阳女士, 李师傅). Other people's full names
    cannot be told from place names and are not masked."""
    masked = _masked_numbers(address)
    name = caller_name.str.strip_chars(_SPACES)
    masked = pl.when(name.str.len_chars() >= 2).then(masked.str.split(name).list.join(NAME_MASK)).otherwise(masked)
    return masked.str.replace_all(PERSON_BY_SURNAME, NAME_MASK)


def _masked_numbers(address: pl.Expr) -> pl.Expr:
    """ID and phone numbers in 诉求地址 masked, in any digit width."""
    return _numbers_masked(_ascii_digits(address))


def _ascii_digits(text: pl.Expr) -> pl.Expr:
    return text.str.replace_many(_FULL_WIDTH_DIGITS, _DIGITS)


def _numbers_masked(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(ID_NUMBER, ID_MASK).str.replace_all(PHONE_NUMBER, PHONE_MASK)


# Every phone or ID number pattern has at least 10 digits with at most two other characters
# between neighbours: a text without such a run holds none (and skips the slower patterns).
_MAY_HOLD_NUMBER = r"\d(?:\D{0,2}\d){9}"


def _masked_addresses(frame: pl.DataFrame) -> pl.Series:
    """``mask_address`` on a frame's 诉求地址 and 来电人, fast: the number patterns run only on
    the addresses with a long enough run of digits, the caller's name is only looked for (split
    and joined around) in the addresses that hold it, and a surname with a form of address only
    in those holding a form of address."""
    name = pl.col("caller_name").str.strip_chars(_SPACES)
    parts = frame.select(_ascii_digits(pl.col("address")).alias("address"), name.alias("name"))
    address = parts.get_column("address")
    numbered = address.str.contains(_MAY_HOLD_NUMBER).fill_null(False)
    if numbered.any():
        at = numbered.arg_true()
        address = address.scatter(at, pl.select(_numbers_masked(pl.lit(address.gather(at)))).to_series())
        parts = parts.with_columns(address)
    named = parts.select(
        (pl.col("name").str.len_chars() >= 2) & pl.col("address").str.contains(pl.col("name"), literal=True)
    ).to_series()
    if named.any():
        at = named.arg_true()
        holding = parts[at]
        address = address.scatter(
            at, holding.select(pl.col("address").str.split(pl.col("name")).list.join(NAME_MASK)).to_series()
        )
    addressed = address.str.contains_any(list(FORMS_OF_ADDRESS)).fill_null(False)
    if addressed.any():
        at = addressed.arg_true()
        address = address.scatter(at, address.gather(at).str.replace_all(PERSON_BY_SURNAME, NAME_MASK))
    return address


def mask_personal_text(text: pl.Expr, caller_name: pl.Expr) -> pl.Expr:
    """A cell's text as it may be shown or stored outside the export (a rejected value): masked
    as 诉求地址 is, whatever column it came from."""
    return mask_address(text, caller_name)


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """Normalise what is unambiguous: full-width digits and letters in order numbers, dates, flags
    and satisfaction scores, 是/否 spellings, Excel serial dates. Keep the raw text of dates in
    ``<col>__raw``. Mask personal data in 诉求地址. The text is already stripped, empty as null
    (``_stripped_columns``, in read_export).

    NFKC and the flag spellings are computed once per distinct value that is not plain ASCII (NFKC
    leaves ASCII as it is, and the text is already stripped): most values are ASCII order numbers,
    and the rest (labels, flags) take a handful of values, so 1M rows cost a few hundred strings."""
    folded = [
        _non_ascii_mapped(frame.get_column(name), lambda v: v.str.normalize("NFKC").str.strip_chars(_SPACES))
        for name in ("order_id", "resolution_result", "satisfaction_result")
    ]
    flag_exprs = []
    for name in FLAG_COLUMNS:
        mapped = _distinct_mapped(frame.get_column(name), _flag_spelling)
        optional = not next(c for c in EXPORT_COLUMNS if c.name == name).required
        flag_exprs.append(pl.lit(mapped.fill_null(NO) if optional else mapped).alias(name))
    parsed = _parsed_datetimes(frame, DATETIME_COLUMNS)
    date_exprs = []
    for name in DATETIME_COLUMNS:
        date_exprs += [pl.col(name).alias(f"{name}__raw"), pl.lit(parsed.get_column(name)).alias(name)]
    return frame.with_columns(
        *[pl.lit(column) for column in folded],
        pl.lit(_masked_addresses(frame)).alias("address"),
        *flag_exprs,
        *date_exprs,
    )


def _flag_spelling(values: pl.Series) -> pl.Series:
    """是/否 for each accepted spelling of a flag (FLAG_SPELLINGS, after NFKC and upper case); any
    other value as it is (a fault the schema names)."""
    cleaned = values.str.normalize("NFKC").str.strip_chars(_SPACES).str.to_uppercase()
    return cleaned.replace_strict(FLAG_SPELLINGS, default=values, return_dtype=pl.String)


def _distinct_mapped(column: pl.Series, function) -> pl.Series:
    """``function`` (element-wise, null for null) applied to ``column``, computed once per
    distinct value."""
    distinct = column.drop_nulls().unique()
    mapped = function(distinct)
    if distinct.len() == 0 or mapped.equals(distinct):  # nothing to change (the usual 是/否)
        return column
    return column.replace_strict(distinct, mapped, default=None, return_dtype=column.dtype)


def _non_ascii_mapped(column: pl.Series, function) -> pl.Series:
    """``function`` (element-wise, null for null, the identity on plain ASCII values) applied to
    ``column``, computed once per distinct value that is not plain ASCII."""
    other = column.filter(column.str.len_bytes() != column.str.len_chars()).unique()
    mapped = function(other)
    if other.len() == 0 or mapped.equals(other):
        return column
    return column.replace(other, mapped)


def _datetime_of(raw: pl.Expr) -> pl.Expr:
    """A written datetime (NFKC-folded, spaces collapsed) in any accepted spelling, or an Excel
    serial date; null if none reads it. The first spelling that reads it wins."""
    parsed = pl.coalesce([raw.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in DATETIME_FORMATS])
    serial = raw.cast(pl.Float64, strict=False)
    # Excel stores datetimes as days since 1899-12-30; a plausible range avoids reading an
    # order number as a date. Rounded to the second: the fraction carries float noise. Out of
    # range is null before the arithmetic: a 15-digit number in seconds overflows Int64.
    plausible = pl.when(serial.is_between(20000, 80000)).then(serial)
    from_serial = pl.lit(EXCEL_EPOCH) + pl.duration(seconds=(plausible * 86_400).round(0).cast(pl.Int64))
    return pl.coalesce([parsed, from_serial]).dt.cast_time_unit("us")


# White space that ``_parsed_datetimes`` folds; in ASCII text, the characters of regex \s other than
# the single space between date and time.
_FOLDED_ASCII_SPACE = ["\t", "\n", "\x0b", "\x0c", "\r", "  "]


def _parse_datetimes(column: pl.Series) -> pl.Series:
    """``_datetime_of`` on the column's text after NFKC and with every run of white space as one
    space (see ``_parsed_datetimes``)."""
    return _parsed_datetimes(column.to_frame(), [column.name]).get_column(column.name)


def _parsed_datetimes(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``_datetime_of`` on each column's text after NFKC and with every run of white space as one
    space, fast. A value that is plain ASCII with no white space other than single spaces is its
    own folded text: the first accepted spelling (the platform's own, 2024-02-01 08:30:00) is
    tried on it directly (all columns at once, in parallel) and reads almost every value. Only the
    distinct values left unread are folded and go through every spelling (trying all 20 on every
    row, or folding every row, costs far more: BENCHMARKS.md)."""

    def fast(name: str) -> pl.Expr:
        text = pl.col(name)
        plain = (text.str.len_bytes() == text.str.len_chars()) & ~text.str.contains_any(_FOLDED_ASCII_SPACE)
        return pl.when(plain).then(text.str.strptime(pl.Datetime("us"), DATETIME_FORMATS[0], strict=False)).alias(name)

    parsed = frame.select(fast(name) for name in columns)
    slow = []
    for name in columns:
        column, read = frame.get_column(name), parsed.get_column(name)
        rest = column.filter(read.is_null() & column.is_not_null()).unique()
        if rest.len():
            folded = rest.str.normalize("NFKC").str.replace_all(r"\s+", " ")
            rest_parsed = pl.select(_datetime_of(pl.lit(folded))).to_series()
            slow.append(
                read.fill_null(
                    column.replace_strict(rest, rest_parsed, default=None, return_dtype=pl.Datetime("us"))
                ).alias(name)
            )
    return parsed.with_columns(slow)


def date_fault_reason(raw: pl.Expr) -> pl.Expr:
    """Why a written date could not be read, and how to fix it: an impossible day (2024-02-30)
    is named as such; anything else gets the accepted spelling."""
    text = raw.str.normalize("NFKC").str.strip_chars()
    # Only a text shaped as a date (separators, then a time or nothing) is quoted back as one: the
    # first digits of a phone number in a date cell are not.
    parts = text.str.extract_groups(r"^(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?(?:[\sT]|$)")
    year, month, day = (parts.struct.field(str(i)) for i in (1, 2, 3))
    as_day = pl.format("{}-{}-{}", year, month, day)
    impossible = year.is_not_null() & as_day.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_null()
    return (
        pl.when(impossible)
        .then(
            pl.format(
                "not a date and time like 2024-02-01 08:30:00: {} is not a day of the calendar; "
                "correct the date in the export",
                as_day,
            )
        )
        .otherwise(
            pl.lit(
                "not a date and time like 2024-02-01 08:30:00; write it as YYYY-MM-DD HH:MM[:SS] "
                "(also accepted: 2024/2/1 8:30, 2024.2.1 8:30, 2024年2月1日 8:30, "
                "an Excel date cell)"
            )
        )
    )


def _faults(rows: pl.DataFrame, column_header: str | pl.Expr, value: pl.Expr, reason: str | pl.Expr) -> pl.DataFrame:
    return rows.select(
        pl.col("source_file"),
        pl.col("source_row").alias("row_number"),
        (pl.lit(column_header) if isinstance(column_header, str) else column_header).alias("column_name"),
        value.cast(pl.String).alias("value"),
        (pl.lit(reason) if isinstance(reason, str) else reason).alias("reason"),
    )


def _header_of(name: str) -> str:
    return next(c.header for c in EXPORT_COLUMNS if c.name == name)


@dataclass
class MonthRows:
    """A month's export rows after validation."""

    rows: pl.DataFrame  # accepted rows, one per (order, unit), with the resolved unit
    faults: pl.DataFrame  # rejected rows (FAULT_COLUMNS), fault=True
    superseded: pl.DataFrame  # rows replaced by a newer file's row (FAULT_COLUMNS), fault=False
    files: list[ExportFile]  # in file name order
    rows_in: int
    notes: list[str] = field(default_factory=list)  # what the file discovery skipped on purpose (lock, hidden files)
    # one row per replaced row: source_file, row_number, kept_file, kept_row, kind (identical |
    # completed | conflict), columns (the headers in conflict, 、-separated; empty otherwise)
    replacements: pl.DataFrame = field(default_factory=lambda: _empty_replacements())

    @staticmethod
    def no_conflicts() -> pl.DataFrame:
        """An empty frame of the replacements' columns."""
        return _empty_replacements()

    @property
    def conflicts(self) -> pl.DataFrame:
        """The replacements where the rows truly disagreed and the later export won."""
        return self.replacements.filter(pl.col("kind") == CONFLICT)


def validate_month(
    files: list[ExportFile],
    rules: Rules,
    window_start: date,
    window_end: date,
    unit_names: pl.DataFrame,
) -> MonthRows:
    """Validate the rows of all of a month's files together.

    ``unit_names`` maps every name the roster accepts this month (names and aliases) to the
    roster unit: columns ``name``, ``unit``, ``group_code``.
    """
    # Files in name order, whatever order they were found in: "the later export" of a conflict is
    # the later name (never a modification time), and every result is independent of the listing.
    files = sorted(files, key=lambda f: (f.name, str(f.path)))
    frames = [f.rows.with_columns(pl.lit(i, dtype=pl.Int32).alias("_file_rank")) for i, f in enumerate(files)]
    rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame()
    rows_in = rows.height
    fault_parts: list[pl.DataFrame] = []

    # 0. A row of text with fewer or more cells than the header lost or gained a cell: its values
    # may sit in the wrong columns (a callback lost). Rejected as a whole, and not judged further.
    if "source_cells" in rows.columns:
        uneven = rows.filter(pl.col("source_cells").is_not_null())
        if uneven.height:
            header_cells = pl.col("source_file").replace_strict(
                {f.name: f.header_cells for f in files}, return_dtype=pl.Int64
            )
            fault_parts.append(
                _faults(
                    uneven,
                    "(row)",
                    pl.format("{} cells", pl.col("source_cells")),
                    pl.format(
                        "the row has {} cells, the header {}: " + CELL_FAULT_FIX, pl.col("source_cells"), header_cells
                    ),
                )
            )
            rows = rows.filter(pl.col("source_cells").is_null())
        rows = rows.drop("source_cells")

    # 1. Datetimes that were written but could not be read.
    for name in DATETIME_COLUMNS:
        bad = rows.filter(pl.col(f"{name}__raw").is_not_null() & pl.col(name).is_null())
        if bad.height:
            fault_parts.append(
                _faults(bad, _header_of(name), pl.col(f"{name}__raw"), date_fault_reason(pl.col(f"{name}__raw")))
            )

    # 2. The pandera schema: required values, value sets, the window. Labels spelt with odd white
    # space or full-width characters are read as the label they unambiguously spell first.
    rows = _labels_folded(rows, closed_value_sets(rules))
    rows = _no_callback_labels_emptied(rows, rules.callbacks.no_callback_labels)
    schema = assignment_schema(rules, window_start, window_end)
    try:
        schema.validate(rows, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases.filter(pl.col("index").is_not_null()).select(
            pl.col("index").cast(pl.UInt32), pl.col("column").cast(pl.String), pl.col("check").cast(pl.String)
        )
        located = cases.join(
            rows.with_row_index("index").select(
                "index",
                "source_file",
                "source_row",
                *[c.name for c in EXPORT_COLUMNS],
                *[f"{name}__raw" for name in DATETIME_COLUMNS],
            ),
            on="index",
        )
        # An unparsable datetime was reported above; its empty parse is not a second fault.
        unparsed = pl.any_horizontal(
            [(pl.col("column") == n) & pl.col(f"{n}__raw").is_not_null() for n in DATETIME_COLUMNS]
        )
        located = located.filter(~(pl.col("check").str.starts_with("not_nullable") & unparsed))
        for column, group in located.partition_by("column", as_dict=True).items():
            column = column[0]
            reason = (
                pl.when(pl.col("check").str.starts_with("not_nullable"))
                .then(pl.lit("required value is empty: fill it in and export again"))
                .otherwise(pl.col("check"))
            )
            shown = f"{column}__raw" if column in DATETIME_COLUMNS else column
            fault_parts.append(_faults(group, _header_of(column), pl.col(shown), reason))

    # The raw date texts and the personal columns the checks above needed are not needed below,
    # nor stored: dropped before the joins copy every column of a month (a sixth of its memory).
    # (诉求内容 and 来电人 stay: the ingest derives terms from them, then drops them.)
    rows = rows.drop([f"{name}__raw" for name in DATETIME_COLUMNS])

    # 3. Unit names through the roster's names and aliases: a lookup per row (the roster's names
    # are unique), not a join that copies every column of the month.
    names = unit_names.unique(subset="name", keep="first", maintain_order=True)
    rows = rows.with_columns(
        pl.col("unit_as_written")
        .replace_strict(names["name"], names[column], default=None, return_dtype=names.schema[column])
        .alias(column)
        for column in names.columns
        if column != "name"
    )
    unknown = rows.filter(pl.col("unit").is_null() & pl.col("unit_as_written").is_not_null())
    if unknown.height:
        fault_parts.append(
            _faults(
                unknown,
                "承办单位",
                pl.col("unit_as_written"),
                "unit not in the roster (units.csv) for this month: add it or an alias",
            )
        )

    # Steps 4 and 5 concern rows whose (order, unit) occurs more than once: found in one pass,
    # and only those rows (every row of such a key is among them) are grouped and joined.
    rows = rows.with_columns(pl.struct("order_id", "unit").is_duplicated().alias("_repeated")).with_row_index(
        "_position"
    )
    repeated = rows.filter(pl.col("_repeated"))

    # 4. Two rows for the same (order, unit) in one file.
    dup = repeated.filter(pl.col("unit").is_not_null() & pl.struct("source_file", "order_id", "unit").is_duplicated())
    if dup.height:
        first = dup.group_by("source_file", "order_id", "unit").agg(pl.col("source_row").min().alias("first_row"))
        dup = dup.join(first, on=["source_file", "order_id", "unit"]).filter(
            pl.col("source_row") != pl.col("first_row")
        )
        fault_parts.append(
            _faults(
                dup,
                "工单编号",
                pl.col("order_id"),
                pl.format("the same order and unit appear again in this file (first at row {})", pl.col("first_row")),
            )
        )

    faults = pl.concat(fault_parts, how="vertical") if fault_parts else _empty_faults()
    rows = _without(rows, faults.select("source_file", pl.col("row_number").alias("source_row")))

    # 5. Re-exports: rows of the same (order, unit) from different files, decided by content.
    replaced, superseded, replacements = _reexports_decided(rows.filter(pl.col("_repeated")))
    # Rows leave the month by position, once, at the end: an anti-join on (file, row) would hash,
    # and each filter copy, every row of the month.
    dropped = [replaced]
    not_replaced = ~pl.col("_position").is_in(replaced.implode())

    # 6. Order-level fields must agree across the rows of one order (after replacement): only
    # orders with more than one row can disagree, and those are grouped once for every field.
    # They are found among the rows whose order number's hash occurs twice (equal numbers have
    # equal hashes, and hashing is cheaper than comparing text), then exactly.
    shared = rows.filter(pl.col("order_id").hash().is_duplicated() & not_replaced)
    shared = shared.filter(pl.col("order_id").is_duplicated())
    variants = shared.group_by("order_id").agg(pl.col(ORDER_LEVEL_COLUMNS).n_unique())
    conflict_parts = []
    for name in ORDER_LEVEL_COLUMNS:
        conflicted = variants.filter(pl.col(name) > 1).select("order_id")
        if conflicted.height:
            bad = shared.join(conflicted, on="order_id")
            conflict_parts.append(
                _faults(
                    bad,
                    _header_of(name),
                    pl.col(name).cast(pl.String),
                    f"the rows of this order disagree on {_header_of(name)}",
                )
            )
            dropped.append(bad["_position"])
    if conflict_parts:
        faults = pl.concat([faults, *conflict_parts], how="vertical")
    dropped = pl.concat(dropped)
    if dropped.len():
        rows = rows.filter(~pl.col("_position").is_in(dropped.implode()))
    rows = rows.drop("_repeated", "_position")

    faults = _masked_fault_values(faults, files)
    faults = faults.with_columns(pl.lit(True).alias("fault")).sort("source_file", "row_number", "column_name")
    superseded = superseded.with_columns(pl.lit(False).alias("fault")).sort("source_file", "row_number")
    return MonthRows(
        rows.drop("_file_rank"),
        faults.select(FAULT_COLUMNS),
        superseded.select(FAULT_COLUMNS),
        files,
        rows_in,
        replacements=replacements,
    )


def _masked_fault_values(faults: pl.DataFrame, files: list[ExportFile]) -> pl.DataFrame:
    """Fault values as they may be stored, printed and logged: masked as 诉求地址 is (phone and
    ID numbers, the row's caller, a surname with a form of address), whatever their column; a cell
    in the wrong column may hold anything. Order numbers are kept: they are stored as they are in
    core.assignments, and they are how the office finds the order."""
    if faults.height == 0:
        return faults
    at = faults.select("source_file", pl.col("row_number").alias("source_row")).unique()
    callers = pl.concat(
        [
            f.rows.select("source_file", "source_row", "caller_name").join(
                at, on=["source_file", "source_row"], how="semi"
            )
            for f in files
        ]
    )
    located = faults.join(
        callers.unique(["source_file", "source_row"]).rename({"source_row": "row_number"}),
        on=["source_file", "row_number"],
        how="left",
        maintain_order="left",
    )
    value = pl.col("value")
    return located.with_columns(
        pl.when(pl.col("column_name") == _header_of("order_id"))
        .then(value)
        .otherwise(mask_address(value, pl.col("caller_name").fill_null("")))
        .alias("value")
    ).drop("caller_name")


def _fold_label(values: pl.Series) -> pl.Series:
    return values.str.normalize("NFKC").str.replace_all(r"\s+", "")


def _labels_folded(rows: pl.DataFrame, sets: dict[str, list[str]]) -> pl.DataFrame:
    """Each closed-set column's values that are not a label as written, but spell exactly one
    label after NFKC and with all white space removed (满 意, 满意 + a full-width space, 已解决 in
    full width), replaced by that label. Computed per distinct value; anything else is left as
    written, for the schema to name."""
    fixed = []
    for name, labels in sets.items():
        folded_labels = _fold_label(pl.Series(labels, dtype=pl.String)).to_list()
        unique = {f: label for f, label in zip(folded_labels, labels) if folded_labels.count(f) == 1}
        column = rows.get_column(name)
        distinct = column.drop_nulls().unique()
        odd = distinct.filter(~distinct.is_in(labels))
        if odd.len() == 0:
            continue
        mapped = _fold_label(odd).replace_strict(unique, default=None, return_dtype=pl.String)
        odd, mapped = odd.filter(mapped.is_not_null()), mapped.filter(mapped.is_not_null())
        if odd.len():
            fixed.append(column.replace(odd, mapped))
    return rows.with_columns(fixed) if fixed else rows


def _no_callback_labels_emptied(rows: pl.DataFrame, labels: list[str]) -> pl.DataFrame:
    """解决情况 and 满意度 written as one of the district's "no callback" labels (callbacks.
    no_callback_labels: 未回访, 无 …), matched as _labels_folded matches, read as empty: no callback."""
    if not labels:
        return rows
    folded = _fold_label(pl.Series(labels, dtype=pl.String)).to_list()
    return rows.with_columns(
        pl.when(_fold_label(pl.col(name)).is_in(folded)).then(None).otherwise(pl.col(name)).alias(name)
        for name in ("resolution_result", "satisfaction_result")
    )


# Every column a re-exported row can differ in: all but the key, the unit's spelling (an alias is
# the same unit) and the personal texts that are not kept.
REEXPORT_COLUMNS = [
    c.name for c in EXPORT_COLUMNS if c.name not in ("order_id", "unit_as_written", "content", "caller_name")
]
IDENTICAL, COMPLETED, CONFLICT = "identical", "completed", "conflict"


def _reexports_decided(repeated: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame, pl.DataFrame]:
    """Which row of each (order, unit) that several files hold is kept, by content only.

    ``repeated``: rows (one per file, in-file repeats already faults) whose (order, unit) occurs
    more than once, with ``_position`` and ``_file_rank`` (file name order). A row that has a value
    wherever another row of the key has one, and agrees with it wherever both have one, is kept
    (identical rows: the later file's); where no row does (different values, or each row has
    values the other lacks) the rows conflict, and the later file's row is kept. Returns the
    positions of the rows replaced, those rows as not-a-fault rejected rows, and the replacements
    (see MonthRows.replacements).

    The rows of a key are made adjacent (one sort); rows alike are told by a hash of their values
    (64 bits), and only keys whose rows differ are compared value by value (``_varied_decided``)."""
    keys = ["order_id", "unit"]
    columns = REEXPORT_COLUMNS
    if repeated.height == 0:
        return pl.Series("_position", [], dtype=pl.UInt32), _empty_faults(), _empty_replacements()
    group = repeated.sort(*keys, "_file_rank")
    starts = pl.any_horizontal([pl.col(k) != pl.col(k).shift(1) for k in keys]).fill_null(True)
    group = group.with_columns(starts.cum_sum().alias("_group"), pl.struct(columns).hash().alias("_hash"))
    # Keys whose rows are all alike (a re-export's usual case) are decided at once: the later
    # file's row is kept. Only the keys whose rows differ are compared value by value.
    varied = group.filter(
        (pl.col("_group") == pl.col("_group").shift(1)) & (pl.col("_hash") != pl.col("_hash").shift(1))
    )
    is_varied = pl.col("_group").is_in(varied.get_column("_group").unique().implode())
    alike = group.filter(~is_varied)
    last = (pl.col("_group") != pl.col("_group").shift(-1)).fill_null(True)
    kept = alike.filter(last).select(
        "_group", pl.col("source_file").alias("kept_file"), pl.col("source_row").alias("kept_row")
    )
    lost_alike = (
        alike.filter(~last)
        .join(kept, on="_group")
        .with_columns(pl.lit(IDENTICAL).alias("kind"), pl.lit("").alias("columns"))
    )
    lost_varied = _varied_decided(group.filter(is_varied), columns)
    lost = pl.concat([lost_alike.select(_LOST_COLUMNS), lost_varied.select(_LOST_COLUMNS)])
    reason = (
        pl.when(pl.col("kind") == IDENTICAL)
        .then(pl.format("the same row again in the export {} (row {}): kept once", "kept_file", "kept_row"))
        .when(pl.col("kind") == COMPLETED)
        .then(
            pl.format(
                "completed by the export {} (row {}), which has values where this row is empty",
                "kept_file",
                "kept_row",
            )
        )
        .otherwise(
            pl.format(
                "conflicts with the export {} (row {}) on {}: the later export (by file name), "
                "{}, is kept; check which is right",
                "kept_file",
                "kept_row",
                "columns",
                "kept_file",
            )
        )
    )
    superseded = _faults(lost, "工单编号", pl.col("order_id"), reason)
    replacements = lost.select(
        "source_file", pl.col("source_row").alias("row_number"), "kept_file", "kept_row", "kind", "columns"
    ).sort("source_file", "row_number")
    return lost.get_column("_position"), superseded, replacements


_LOST_COLUMNS = ["_position", "order_id", "source_file", "source_row", "kept_file", "kept_row", "kind", "columns"]


def _varied_decided(group: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The replaced rows of the keys whose rows differ (``group``: sorted by key and file, with
    ``_group``), compared value by value: each value with the previous value of its key, and
    which columns a row has and which differ as bit masks (one bit per column), so that a key's
    union is one bitwise-or aggregation (per-column n_unique/any aggregations were far slower:
    BENCHMARKS.md)."""

    def bit(i: int) -> pl.Expr:
        return pl.lit(1 << i, dtype=pl.Int64)

    def differs(c: str) -> pl.Expr:
        # the previous value of the key that is not empty: the last one before this row, if that
        # one belongs to the same key
        previous = pl.col(c).forward_fill().shift(1)
        previous_group = pl.when(pl.col(c).is_not_null()).then(pl.col("_group")).forward_fill().shift(1)
        return pl.col(c).is_not_null() & (previous_group == pl.col("_group")) & (pl.col(c) != previous)

    group = group.with_columns(
        pl.sum_horizontal(
            [pl.when(pl.col(c).is_not_null()).then(bit(i)).otherwise(0) for i, c in enumerate(columns)]
        ).alias("_has"),
        pl.sum_horizontal(
            [pl.when(differs(c).fill_null(False)).then(bit(i)).otherwise(0) for i, c in enumerate(columns)]
        ).alias("_differs"),
    )
    stats = group.group_by("_group").agg(
        pl.len().alias("_rows"),
        pl.col("_has").bitwise_or().alias("_union"),
        pl.col("_differs").bitwise_or().alias("_differing"),
    )
    group = group.join(stats.filter(pl.col("_rows") > 1), on="_group").with_columns(
        (pl.col("_has") == pl.col("_union")).alias("_complete")
    )
    # The kept row: among the complete rows if the rows agree and one is complete, else among all;
    # the later file's of those.
    choice = group.group_by("_group").agg(
        pl.col("_complete").any().alias("_some_complete"),
        pl.col("_file_rank").filter(pl.col("_complete")).max().alias("_complete_rank"),
        pl.col("_file_rank").max().alias("_last_rank"),
    )
    group = group.join(choice, on="_group").with_columns(
        ((pl.col("_differing") == 0) & pl.col("_some_complete")).alias("_agree")
    )
    group = group.with_columns(
        pl.when(pl.col("_agree")).then(pl.col("_complete_rank")).otherwise(pl.col("_last_rank")).alias("_kept_rank")
    )
    kept = group.filter(pl.col("_file_rank") == pl.col("_kept_rank")).select(
        "_group",
        pl.col("source_file").alias("kept_file"),
        pl.col("source_row").alias("kept_row"),
        pl.col("_has").alias("_kept_has"),
    )
    lost = group.filter(pl.col("_file_rank") != pl.col("_kept_rank")).join(kept, on="_group")
    kind = (
        pl.when(~pl.col("_agree"))
        .then(pl.lit(CONFLICT))
        .when(pl.col("_complete"))
        .then(pl.lit(IDENTICAL))
        .otherwise(pl.lit(COMPLETED))
    )
    lost = lost.with_columns(kind.alias("kind"))
    # The columns in conflict (named for conflicts only, usually few): two different values, or
    # a value the kept row lacks.
    conflicting = lost.filter(pl.col("kind") == CONFLICT)
    mask = pl.col("_differing") | (pl.col("_has") & ~pl.col("_kept_has"))
    headers = {c.name: c.header for c in EXPORT_COLUMNS}
    named = conflicting.select(
        "_position",
        pl.concat_list([pl.when((mask & bit(i)) != 0).then(pl.lit(headers[c])) for i, c in enumerate(columns)])
        .list.drop_nulls()
        .list.join("、")
        .alias("columns"),
    )
    return lost.join(named, on="_position", how="left").with_columns(pl.col("columns").fill_null(""))


def _empty_replacements() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "source_file": pl.String,
            "row_number": pl.Int64,
            "kept_file": pl.String,
            "kept_row": pl.Int64,
            "kind": pl.String,
            "columns": pl.String,
        }
    )


def _without(rows: pl.DataFrame, drop: pl.DataFrame) -> pl.DataFrame:
    """``rows`` less those named in ``drop`` (source_file, source_row); no copy when none is."""
    if drop.height == 0:
        return rows
    return rows.join(drop.unique(), on=["source_file", "source_row"], how="anti")


def _empty_faults() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "source_file": pl.String,
            "row_number": pl.Int64,
            "column_name": pl.String,
            "value": pl.String,
            "reason": pl.String,
        }
    )
