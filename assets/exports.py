"""Turning a month's export files into validated assignment rows and a list of faults.

Pure functions on polars frames, no Dagster and no warehouse: the ingest asset and
``hotline validate`` both call them, so a file is judged the same way everywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandera.errors
import polars as pl

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
)
from schemas.files import FileFault, read_export_table
from schemas.warehouse import FAULT_COLUMNS

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

    @property
    def name(self) -> str:
        return self.path.name


def export_files(exports_dir: Path) -> list[Path]:
    """The month's export files, oldest first: a later file's rows replace an earlier file's rows
    for the same (order, unit). Age is the modification time, then the file name."""
    if not exports_dir.is_dir():
        return []
    files = [p for p in exports_dir.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xlsx", ".xlsm")
             and not p.name.startswith(("~$", "."))]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _clean_header(header: str | None) -> str:
    return re.sub(r"[\s\u3000\ufeff]+", "", header or "")


def _column_letter(index: int) -> str:
    """Excel's name of the column at 0-based ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_export(path: Path) -> ExportFile:
    """Read one export file. Raises FileFault for anything that concerns the whole file.

    The header is looked for in the first rows (title rows above it are skipped, a two-row header
    of merged group cells is read as one); what the reader decided on its own is in ``notes``."""
    table = read_export_table(path, REQUIRED_HEADERS, _clean_header)
    headers, frame, notes = table.headers, table.frame, list(table.notes)
    seen: dict[str, int] = {}
    for position, header in enumerate(headers):
        if header in BY_HEADER and header in seen:
            first = seen[header]
            raise FileFault(path, f"the column 「{header}」 appears twice (columns {first + 1} and {position + 1}, "
                                  f"{_column_letter(first)} and {_column_letter(position)})",
                            "Delete one of the two columns and load the file again")
        seen.setdefault(header, position)
    missing = [h for h in REQUIRED_HEADERS if h not in seen]
    if missing:
        hint = "the header must be on the first row" if len(missing) == len(REQUIRED_HEADERS) else "add the column(s) to the export"
        raise FileFault(path, f"missing required column(s) {'、'.join(missing)} (found: {'、'.join(h for h in headers if h)})",
                        f"Export again with every required column: {hint}")
    rename, extra = {}, []
    for position, header in enumerate(headers):
        column = f"c{position}"
        if header in BY_HEADER:
            rename[column] = BY_HEADER[header].name
        elif header:
            extra.append(header)
        elif frame[column].str.strip_chars(_SPACES).replace("", None).drop_nulls().len():
            # A column with values but no header (e.g. the right half of a merged header cell):
            # its meaning is unknown, so it is not loaded, and said so.
            extra.append(f"(column {_column_letter(position)}, no header)")
    # Row numbers as a person sees them in Excel: the header is row 1, the first record row 2
    # (or lower when title rows stand above the header).
    frame = frame.with_row_index("source_row", offset=table.first_row).select(
        pl.col("source_row").cast(pl.Int64), *[pl.col(c).alias(n) for c, n in rename.items()])
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c.name) for c in EXPORT_COLUMNS if c.name not in frame.columns]
    )
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
    if frame.height == 0:
        raise FileFault(path, "has a header but no rows", "Export the month again; an empty export is most likely a failed download")
    # 诉求内容 is personal free text, never checked nor stored as written: the ingest derives the
    # order's terms from it (hotline/text) and drops it.
    frame = frame.with_columns(pl.lit(path.name).alias("source_file"))
    return ExportFile(path, table.encoding, _normalise(frame), extra, notes, table.sha256)


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


_FULL_WIDTH_DIGITS = list("０１２３４５６７８９")
_DIGITS = list("0123456789")
ID_NUMBER = r"\d{17}[\dXx]|\d{15}"
PHONE_NUMBER = r"(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}|0\d{2,3}[-\s]?\d{7,8}"
ID_MASK, PHONE_MASK, NAME_MASK = "[证件号已隐去]", "[电话已隐去]", "[姓名已隐去]"


def mask_address(address: pl.Expr, caller_name: pl.Expr) -> pl.Expr:
    """诉求地址 is free text a citizen dictated: mask what can be recognised as personal data.
    ID numbers (18 or 15 digits) and phone numbers (mobile, with or without +86 and separators;
    landline with area code) in any digit width, and the caller's own name (the 来电人 value of
    the same row, two characters or more). Other people's names cannot be told from place names
    and are not masked."""
    masked = _masked_numbers(address)
    name = caller_name.str.strip_chars(_SPACES)
    return (pl.when(name.str.len_chars() >= 2)
            .then(masked.str.split(name).list.join(NAME_MASK))
            .otherwise(masked))


def _masked_numbers(address: pl.Expr) -> pl.Expr:
    """ID and phone numbers in 诉求地址 masked, in any digit width."""
    digits = address.str.replace_many(_FULL_WIDTH_DIGITS, _DIGITS)
    return digits.str.replace_all(ID_NUMBER, ID_MASK).str.replace_all(PHONE_NUMBER, PHONE_MASK)


def _masked_addresses(frame: pl.DataFrame) -> pl.Series:
    """``mask_address`` on a frame's 诉求地址 and 来电人, fast: the caller's name is only looked
    for (split and joined around) in the addresses that hold it."""
    name = pl.col("caller_name").str.strip_chars(_SPACES)
    parts = frame.select(_masked_numbers(pl.col("address")).alias("address"), name.alias("name"))
    named = parts.select((pl.col("name").str.len_chars() >= 2)
                         & pl.col("address").str.contains(pl.col("name"), literal=True)).to_series()
    address = parts.get_column("address")
    if named.any():
        at = named.arg_true()
        holding = parts[at]
        address = address.scatter(at, holding.select(pl.col("address").str.split(pl.col("name")).list.join(NAME_MASK)).to_series())
    return address


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """Normalise what is unambiguous: full-width digits and letters in order numbers, dates, flags
    and satisfaction scores, 是/否 spellings, Excel serial dates. Keep the raw text of dates in
    ``<col>__raw``. Mask personal data in 诉求地址. The text is already stripped, empty as null
    (``_stripped_columns``, in read_export).

    NFKC and the flag spellings are computed once per distinct value that is not plain ASCII (NFKC
    leaves ASCII as it is, and the text is already stripped): most values are ASCII order numbers,
    and the rest (labels, flags) take a handful of values, so 1M rows cost a few hundred strings."""
    folded = [_non_ascii_mapped(frame.get_column(name), lambda v: v.str.normalize("NFKC").str.strip_chars(_SPACES))
              for name in ("order_id", "resolution_result", "satisfaction_result")]
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
        *flag_exprs, *date_exprs,
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
    # order number as a date. Rounded to the second: the fraction carries float noise.
    from_serial = pl.when(serial.is_between(20000, 80000)).then(
        pl.lit(EXCEL_EPOCH) + pl.duration(seconds=(serial * 86_400).round(0).cast(pl.Int64))
    )
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
    row cost ~0.8 s per 50k rows per column, and folding every row ~0.15 s per 500k rows per
    column)."""
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
            slow.append(read.fill_null(column.replace_strict(rest, rest_parsed, default=None,
                                                             return_dtype=pl.Datetime("us"))).alias(name))
    return parsed.with_columns(slow)


def date_fault_reason(raw: pl.Expr) -> pl.Expr:
    """Why a written date could not be read, and how to fix it: an impossible day (2024-02-30)
    is named as such; anything else gets the accepted spelling."""
    text = raw.str.normalize("NFKC").str.strip_chars()
    parts = text.str.extract_groups(r"^(\d{4})[-/年.]?(\d{1,2})[-/月.]?(\d{1,2})")
    year, month, day = (parts.struct.field(str(i)) for i in (1, 2, 3))
    as_day = pl.format("{}-{}-{}", year, month, day)
    impossible = year.is_not_null() & as_day.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_null()
    return (pl.when(impossible)
            .then(pl.format("not a date and time like 2024-02-01 08:30:00: {} is not a day of the calendar; "
                            "correct the date in the export", as_day))
            .otherwise(pl.lit("not a date and time like 2024-02-01 08:30:00; write it as YYYY-MM-DD HH:MM[:SS] "
                              "(also accepted: 2024/2/1 8:30, 2024年2月1日 8:30, an Excel date cell)")))


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
    files: list[ExportFile]
    rows_in: int


def validate_month(
    files: list[ExportFile],
    rules: dict[str, Any],
    window_start: date,
    window_end: date,
    unit_names: pl.DataFrame,
) -> MonthRows:
    """Validate the rows of all of a month's files together.

    ``unit_names`` maps every name the roster accepts this month (names and aliases) to the
    roster unit: columns ``name``, ``unit``, ``group_code``.
    """
    frames = [f.rows.with_columns(pl.lit(i).alias("file_age")) for i, f in enumerate(files)]
    rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame()
    rows_in = rows.height
    fault_parts: list[pl.DataFrame] = []

    # 1. Datetimes that were written but could not be read.
    for name in DATETIME_COLUMNS:
        bad = rows.filter(pl.col(f"{name}__raw").is_not_null() & pl.col(name).is_null())
        if bad.height:
            fault_parts.append(_faults(bad, _header_of(name), pl.col(f"{name}__raw"),
                                       date_fault_reason(pl.col(f"{name}__raw"))))

    # 2. The pandera schema: required values, value sets, the window.
    schema = assignment_schema(rules, window_start, window_end)
    try:
        schema.validate(rows, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases.filter(pl.col("index").is_not_null()).select(
            pl.col("index").cast(pl.UInt32), pl.col("column").cast(pl.String), pl.col("check").cast(pl.String)
        )
        located = cases.join(rows.with_row_index("index").select(
            "index", "source_file", "source_row", *[c.name for c in EXPORT_COLUMNS],
            *[f"{name}__raw" for name in DATETIME_COLUMNS]), on="index")
        # An unparsable datetime was reported above; its empty parse is not a second fault.
        unparsed = pl.any_horizontal([(pl.col("column") == n) & pl.col(f"{n}__raw").is_not_null() for n in DATETIME_COLUMNS])
        located = located.filter(~(pl.col("check").str.starts_with("not_nullable") & unparsed))
        for column, group in located.partition_by("column", as_dict=True).items():
            column = column[0]
            reason = pl.when(pl.col("check").str.starts_with("not_nullable")).then(
                pl.lit("required value is empty: fill it in and export again")).otherwise(pl.col("check"))
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
        pl.col("unit_as_written").replace_strict(names["name"], names[column], default=None,
                                                 return_dtype=names.schema[column]).alias(column)
        for column in names.columns if column != "name")
    unknown = rows.filter(pl.col("unit").is_null() & pl.col("unit_as_written").is_not_null())
    if unknown.height:
        fault_parts.append(_faults(unknown, "承办单位", pl.col("unit_as_written"),
                                   "unit not in the roster (units.csv) for this month: add it or an alias"))

    # Steps 4 and 5 concern rows whose (order, unit) occurs more than once: found in one pass,
    # and only those rows (every row of such a key is among them) are grouped and joined.
    rows = rows.with_columns(pl.struct("order_id", "unit").is_duplicated().alias("_repeated")).with_row_index("_position")
    repeated = rows.filter(pl.col("_repeated"))

    # 4. Two rows for the same (order, unit) in one file.
    dup = repeated.filter(pl.col("unit").is_not_null() & pl.struct("source_file", "order_id", "unit").is_duplicated())
    if dup.height:
        first = dup.group_by("source_file", "order_id", "unit").agg(pl.col("source_row").min().alias("first_row"))
        dup = dup.join(first, on=["source_file", "order_id", "unit"]).filter(pl.col("source_row") != pl.col("first_row"))
        fault_parts.append(_faults(dup, "工单编号", pl.col("order_id"),
                                   pl.format("the same order and unit appear again in this file (first at row {})", pl.col("first_row"))))

    faults = pl.concat(fault_parts, how="vertical") if fault_parts else _empty_faults()
    rows = _without(rows, faults.select("source_file", pl.col("row_number").alias("source_row")))

    # 5. A re-export replaces older rows of the same (order, unit): keep the newest file's row.
    repeated = rows.filter(pl.col("_repeated"))
    newest = repeated.group_by("order_id", "unit").agg(pl.col("file_age").max().alias("newest_age"))
    replaced = repeated.join(newest, on=["order_id", "unit"]).filter(pl.col("file_age") < pl.col("newest_age"))
    newest_file = {i: f.name for i, f in enumerate(files)}
    superseded = _faults(
        replaced, "工单编号", pl.col("order_id"),
        pl.format("replaced by the newer export {}", pl.col("newest_age").replace_strict(newest_file, return_dtype=pl.String)),
    )
    # Rows leave the month by position, once, at the end: an anti-join on (file, row) would hash,
    # and each filter copy, every row of the month.
    dropped = [replaced["_position"]]
    not_replaced = ~pl.col("_position").is_in(replaced["_position"].implode())

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
            conflict_parts.append(_faults(bad, _header_of(name), pl.col(name).cast(pl.String),
                                          f"the rows of this order disagree on {_header_of(name)}"))
            dropped.append(bad["_position"])
    if conflict_parts:
        faults = pl.concat([faults, *conflict_parts], how="vertical")
    dropped = pl.concat(dropped)
    if dropped.len():
        rows = rows.filter(~pl.col("_position").is_in(dropped.implode()))
    rows = rows.drop("_repeated", "_position")

    faults = faults.with_columns(pl.lit(True).alias("fault")).sort("source_file", "row_number", "column_name")
    superseded = superseded.with_columns(pl.lit(False).alias("fault"))
    return MonthRows(rows.drop("file_age"), faults.select(FAULT_COLUMNS), superseded.select(FAULT_COLUMNS), files, rows_in)


def _without(rows: pl.DataFrame, drop: pl.DataFrame) -> pl.DataFrame:
    """``rows`` less those named in ``drop`` (source_file, source_row); no copy when none is."""
    if drop.height == 0:
        return rows
    return rows.join(drop.unique(), on=["source_file", "source_row"], how="anti")


def _empty_faults() -> pl.DataFrame:
    return pl.DataFrame(schema={"source_file": pl.String, "row_number": pl.Int64, "column_name": pl.String,
                                "value": pl.String, "reason": pl.String})
