"""Reading input files: text in its encodings (UTF-8 with or without BOM, GB18030/GBK, UTF-16 with
BOM), delimiters (comma, tab, semicolon) and line endings, and workbooks (XLSX/XLSM, XLS). Every
failure here is a *file* fault: it names the file and says what to do about it."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

# How far down a sheet the header row is looked for: exports saved by hand often carry a title
# and an "exported at" line above the header.
HEADER_SEARCH_ROWS = 10
# The order-number column, whose numeric cells are checked for digits a float cannot hold.
ORDER_ID_HEADER = "工单编号"
# The largest whole number a spreadsheet's number cell (a 64-bit float) holds exactly.
EXACT_FLOAT_INTEGER = 2**53


class FileFault(ValueError):
    """A file that cannot be read as a whole. The month's run stops and the warehouse is untouched."""

    def __init__(self, path: Path | str, problem: str, fix: str):
        self.path, self.problem, self.fix = str(path), problem, fix
        super().__init__(f"{path}: {problem}. {fix}")


def decode(raw: bytes, path: Path | str) -> tuple[str, str]:
    """Decode ``raw`` and name the encoding found. UTF-8 is tried before GB18030 because a valid
    UTF-8 text is almost never valid GB18030 by accident, while the reverse happens often."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if raw.startswith(b"\xff\xfe") else "utf-16-be"
        try:
            return raw[2:].decode(codec, errors="strict"), codec
        except UnicodeDecodeError as exc:
            # Excel's "Unicode text" (UTF-16 with its byte-order mark) cut short or damaged
            raise FileFault(
                path,
                f"is UTF-16 text (it starts with the UTF-16 byte-order mark) but is broken at byte "
                f"{exc.start + 2} ({exc.reason}): the file looks truncated or damaged",
                "Download or export the file again",
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(raw) - 3:
            # Valid UTF-8 up to a character cut in half at the very end: a truncated download.
            raise FileFault(
                path,
                "ends in the middle of a character: the file looks truncated",
                "Download or export the file again",
            ) from None
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileFault(
            path,
            f"unknown text encoding (neither UTF-8 nor GB18030/GBK; first bad byte at offset {exc.start})",
            "Save the export again as CSV UTF-8 or as the CSV that Chinese Excel writes (GBK), or as XLSX",
        ) from None


def _sniff_binary(raw: bytes, path: Path | str) -> None:
    """Recognise files that are not text CSV at all, so the message can say what they are."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 with its byte-order mark: text, read by ``decode``
    if raw.startswith(b"PK\x03\x04"):
        raise FileFault(
            path,
            "is an XLSX workbook (a zip archive) with a .csv name",
            "Rename it to .xlsx, or open it in Excel and save it as CSV",
        )
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileFault(
            path,
            "is an old Excel 97-2003 workbook (.xls), not a CSV file",
            "Open it in Excel and save it as .xlsx or as CSV UTF-8",
        )
    sample = raw[:4096]
    if b"\x00" in sample:
        # UTF-16 writes ASCII characters (digits, commas, line ends) as the byte and a NUL: NULs
        # on one side of the byte pairs only. Without the byte-order mark the encoding is a guess,
        # so it is named, not read.
        nul_even, nul_odd = sample[0::2].count(0), sample[1::2].count(0)
        fix = (
            'Save the export again as CSV UTF-8, or as Excel\'s "Unicode text" (UTF-16 with its byte-order '
            "mark), or as XLSX"
        )
        if max(nul_even, nul_odd) >= len(sample) // 8 and min(nul_even, nul_odd) * 10 <= max(nul_even, nul_odd):
            order = "little-endian" if nul_odd > nul_even else "big-endian"
            raise FileFault(
                path,
                f"holds NUL bytes between its characters: it is UTF-16 ({order}) text without a byte-order mark",
                fix,
            )
        raise FileFault(
            path,
            "holds NUL bytes: it is not text (nor a workbook the readers know)",
            "Save the export again as CSV UTF-8 or as the CSV that Chinese Excel writes (GBK), or as XLSX",
        )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileFault(
            path, f"cannot be read ({exc.strerror})", "Check that the file exists and is readable"
        ) from None


def _csv_bytes(path: Path) -> bytes:
    """A CSV file's bytes, refusing an empty file and one that is binary, not text."""
    raw = _read_bytes(path)
    # "nothing but white space", without raw.strip()'s copy of the whole file: isspace() stops at
    # the first byte that is not ASCII white space (the same set bytes.strip() removes)
    if not raw or raw.isspace():
        raise FileFault(path, "is empty", "Export the month again; an export has a header row and at least one row")
    _sniff_binary(raw, path)
    return raw


def read_text_file(path: Path) -> str:
    return decode(_read_bytes(path), path)[0]


def read_table(path: Path) -> tuple[pl.DataFrame, str]:
    """Every cell of a CSV or XLSX file as text, header from the first row. Returns the frame and
    the encoding (``xlsx`` for workbooks)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            frame = pl.read_excel(path, engine="calamine", sheet_id=1, infer_schema_length=0)
        except Exception as exc:  # calamine raises its own error types
            raise FileFault(
                path,
                f"is not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                "Open it in Excel and save it again as .xlsx",
            ) from None
        return frame, "xlsx"
    if suffix != ".csv":
        raise FileFault(path, f"has the unsupported type '{suffix}'", "Exports must be .csv or .xlsx files")
    raw = _csv_bytes(path)
    text, encoding = decode(raw, path)
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            infer_schema=False,
            has_header=True,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise FileFault(
            path,
            f"is not a well-formed CSV file ({str(exc).splitlines()[0]})",
            "Check for a truncated file or unbalanced quotes and export it again",
        ) from None
    return frame, encoding


class RowFaults(ValueError):
    """Rows of a reference file that break its schema; the message lists every one."""

    def __init__(self, path: Path | str, faults: list[tuple[int, str, str, str]]):
        self.path, self.faults = str(path), faults
        lines = [f"  row {row}, column {column}: {reason} (value: {value!r})" for row, column, value, reason in faults]
        super().__init__(f"{path}: {len(faults)} fault(s)\n" + "\n".join(lines))


def read_csv_with_headers(path: Path, headers: dict[str, str], required: list[str]) -> pl.DataFrame:
    """A reference CSV as text columns renamed by ``headers`` (Chinese → name), with
    ``source_row`` (header = row 1). Missing optional columns come back as nulls."""
    frame, _ = read_table(path)
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    missing = [h for h in required if h not in frame.columns]
    if missing:
        raise FileFault(
            path,
            f"missing required column(s) {'、'.join(missing)}",
            f"The header must name {'、'.join(headers)} (optional ones may be left out)",
        )
    present = {h: n for h, n in headers.items() if h in frame.columns}
    frame = frame.select(list(present)).rename(present)
    frame = frame.with_columns(pl.col(frame.columns).str.strip_chars(" \t\r\n\u3000").replace("", None))
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(n) for n in headers.values() if n not in frame.columns]
    )
    frame = frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    # A row with no value at all (Excel saves one as ",,,," below the data) is no record: dropped,
    # the other rows keep their row numbers.
    return frame.filter(~pl.all_horizontal([pl.col(n).is_null() for n in headers.values()]))


def validate_reference(frame: pl.DataFrame, schema, path: Path, headers: dict[str, str]) -> pl.DataFrame:
    """Validate with a pandera schema; raise RowFaults naming every row and column at fault."""
    import pandera.errors

    try:
        return schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        header_of = {n: h for h, n in headers.items()}
        cases = exc.failure_cases
        rows = frame["source_row"].to_list()
        faults = []
        for case in cases.iter_rows(named=True):
            index = case.get("index")
            row = rows[index] if index is not None else 0
            column = header_of.get(case.get("column"), case.get("column") or "")
            check = case.get("check") or ""
            reason = (
                "required value is empty: fill it in"
                if check.startswith("not_nullable")
                else (
                    "value appears more than once: keep one row for it (merge or delete the others)"
                    if check.startswith("field_uniqueness")
                    else check
                )
            )
            faults.append((row, column, case.get("failure_case"), reason))
        raise RowFaults(path, sorted(faults, key=lambda f: (f[0], f[1]))) from None


def cast_numbers(
    frame: pl.DataFrame, columns: dict[str, pl.DataType], path: Path, headers: dict[str, str]
) -> pl.DataFrame:
    """Cast text columns to numbers; a value that is not a number is a row fault."""
    header_of = {n: h for h, n in headers.items()}
    faults = []
    for name, dtype in columns.items():
        as_float = _number_text(pl.col(name)).cast(pl.Float64, strict=False)
        bad = frame.filter(pl.col(name).is_not_null() & as_float.is_null())
        faults += [(r["source_row"], header_of[name], r[name], "not a number") for r in bad.iter_rows(named=True)]
        if dtype == pl.Int64:
            frac = frame.filter(as_float.is_not_null() & (as_float != as_float.round(0)))
            faults += [
                (r["source_row"], header_of[name], r[name], "not a whole number") for r in frac.iter_rows(named=True)
            ]
    if faults:
        raise RowFaults(path, sorted(faults))
    return frame.with_columns([_number_text(pl.col(n)).cast(pl.Float64).cast(t) for n, t in columns.items()])


def _number_text(text: pl.Expr) -> pl.Expr:
    """A written number as the cast reads it: full-width digits and signs folded (NFKC), and the
    minus sign U+2212 that Word and WPS put in (NFKC keeps it) as '-'."""
    return text.str.normalize("NFKC").str.replace_all("\u2212", "-", literal=True)


@dataclass
class Table:
    """An export sheet as text: the data rows in positional columns ``c0..cN`` with the header
    text of each column in ``headers``, and ``first_row`` = the row number (as Excel or an editor
    shows it, 1-based) of the first data row. ``notes`` are what the reader decided on its own
    (the sheet it read, the header row it found, empty rows it skipped) and must be shown."""

    frame: pl.DataFrame
    headers: list[str]
    encoding: str
    first_row: int
    notes: list[str] = field(default_factory=list)
    sha256: str = ""  # of the file's bytes as read
    header_cells: int = 0  # the header's cells up to its last named one
    # (data row index from 0, cells) of each row of text whose cell count is not the header's: a
    # cell lost or added. The row is in ``frame`` too, padded or cut; it must not be loaded.
    cell_faults: list[tuple[int, int]] = field(default_factory=list)


def find_header(
    rows: list[list[str | None]],
    required: list[str],
    clean: Callable[[str | None], str],
    path: Path | str,
    where: str = "",
) -> tuple[int, int, list[str]]:
    """Find the header among the first rows: the first row that names every required column, or
    two consecutive rows that do together (a header whose group cells are merged across columns,
    e.g. 「时间」 above 受理时间/派单时间). Returns (row index, rows spanned, header texts).

    If no row or pair names them all, the row naming most of them is taken (the caller then
    reports the missing columns); if none names any, the file fails here."""
    cleaned = [[clean(c) for c in row] for row in rows[:HEADER_SEARCH_ROWS]]
    for i, row in enumerate(cleaned):
        if all(h in row for h in required):
            return i, 1, row
    for i in range(len(cleaned) - 1):
        upper, lower = cleaned[i], cleaned[i + 1]
        width = max(len(upper), len(lower))
        upper, lower = upper + [""] * (width - len(upper)), lower + [""] * (width - len(lower))
        combined = [b or a for a, b in zip(upper, lower)]
        if all(h in combined for h in required):
            return i, 2, combined
    scores = [sum(h in row for h in required) for row in cleaned]
    if not scores or max(scores) == 0:
        raise FileFault(
            path,
            f"has no header row{where}: none of the first {HEADER_SEARCH_ROWS} rows names the "
            f"required columns ({'、'.join(required)})",
            "Put the header (工单编号, 受理时间, …) in one row at the top of the first sheet; if the "
            "headers look garbled, the file is in another encoding — save it as CSV UTF-8 or XLSX",
        )
    best = scores.index(max(scores))
    return best, 1, cleaned[best]


# What a file holds, from its first bytes: a zip archive (XLSX/XLSM), an OLE2 compound file
# (XLS, BIFF) or text. The suffix only says what its writer meant.
ZIP_MAGIC, OLE2_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_KINDS = {"xlsx": "an XLSX workbook", "xls": "an Excel 97-2003 workbook (.xls)"}
SUFFIX_KIND = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}
# The cell separators a text export may use, in order of preference when the header reads as
# well with several; the one that makes the header name most required columns wins.
DELIMITERS = {",": "commas", "\t": "tabs", ";": "semicolons"}
SUFFIX_DELIMITER = {".csv": ",", ".tsv": "\t", ".txt": "\t"}
CELL_FAULT_FIX = "a cell was lost or added (often an unquoted comma or a line break inside a cell); fix the export"


def _kind_of(raw: bytes) -> str:
    if raw.startswith(ZIP_MAGIC):
        return "xlsx"
    if raw.startswith(OLE2_MAGIC):
        return "xls"
    return "text"


def _csv_head(text: str, lines: int, delimiter: str = ",") -> list[list[str]]:
    return list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), lines))


def read_export_table(path: Path, required: list[str], clean: Callable[[str | None], str]) -> Table:
    """Read an export: a workbook (XLSX/XLSM or XLS, the first sheet whose first rows hold the
    header) or text (CSV/TSV/TXT in any accepted encoding, delimiter and line ending), with its
    header found among the first rows. The format is found from the bytes, not the suffix: a
    workbook with the wrong suffix is read, and said. Every failure is a FileFault."""
    raw = _read_bytes(path)
    suffix = path.suffix.lower()
    kind = _kind_of(raw)
    notes = []
    if kind in WORKBOOK_KINDS:
        if SUFFIX_KIND.get(suffix) != kind:
            notes.append(f"the file is {WORKBOOK_KINDS[kind]} with a '{suffix}' name; read as such")
        return _read_workbook(path, raw, kind, required, clean, notes)
    if suffix in SUFFIX_KIND:
        head = raw[:512].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
        if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
            raise FileFault(
                path,
                f"is a web page or XML file (HTML/XML text) with a '{suffix}' name, not a workbook",
                "Open it in Excel and save it as .xlsx (Excel Workbook), then load that file",
            )
        if raw and not raw.isspace() and not _looks_like_text(raw):
            raise FileFault(
                path,
                f"is not a readable {suffix[1:].upper()} workbook (it is neither a workbook nor "
                "text; a truncated download cannot be opened)",
                "Open it in Excel and save it again as .xlsx, or download the export again",
            )
        notes.append(f"the file is text (CSV), not a workbook, despite its '{suffix}' name; read as text")
    return _read_text(path, raw, suffix, required, clean, notes)


def _looks_like_text(raw: bytes) -> bool:
    """Whether the start of ``raw`` reads as text in an encoding the readers accept."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    start = raw[:4096]
    if b"\x00" in start:
        return False
    return any(_decodes(start, codec) for codec in ("utf-8", "gb18030"))


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 4  # a character cut by the 4096-byte slice
    return True


def _read_text(
    path: Path, raw: bytes, suffix: str, required: list[str], clean: Callable[[str | None], str], notes: list[str]
) -> Table:
    if not raw or raw.isspace():
        raise FileFault(path, "is empty", "Export the month again; an export has a header row and at least one row")
    _sniff_binary(raw, path)
    sha256 = hashlib.sha256(raw).hexdigest()
    if _is_utf8(raw):
        # The common case, UTF-8 (with or without BOM): polars reads the bytes as they are. Decoding
        # the whole file to a str and encoding it back cost a second and two copies of the file per
        # 170 MB export. The BOM sits on the header line, which is skipped below.
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        data = raw
    else:
        text, encoding = decode(raw, path)
        del raw
        data = text.encode("utf-8")
        del text
    if b"\r" in data and _has_lone_carriage_return(data):
        # Lines ended by a lone CR (Excel's "CSV (Macintosh)", some platforms, or a file pieced
        # together from several): neither polars nor Arrow reads them as lines; as LF they are the
        # same rows.
        some = b"\n" in data
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        notes.append(("some lines" if some else "lines") + " end in a lone CR (carriage return); read as lines")
    head_text = _head_text(data, HEADER_SEARCH_ROWS + 2)
    delimiter = _delimiter_of(head_text, required, clean, SUFFIX_DELIMITER.get(suffix, ","))
    if delimiter != SUFFIX_DELIMITER.get(suffix, ","):
        notes.append(f"cells are separated by {DELIMITERS[delimiter]}")
    head = _csv_head(head_text, HEADER_SEARCH_ROWS + 2, delimiter)
    index, span, headers = find_header(head[: HEADER_SEARCH_ROWS + 1], required, clean, path)
    if index or span > 1:
        notes.append(
            f"header found on row {index + 1}"
            + (f"–{index + span}" if span > 1 else "")
            + (f"; the {index} row(s) above it are not data and were skipped" if index else "")
        )
    named = len(headers)
    while named and not headers[named - 1]:
        named -= 1
    # A trailing delimiter on every data line but not on the header gives each row one empty
    # cell more than the header: read that width, so those rows are not short of anything.
    width = len(headers)
    first = head[index + span] if len(head) > index + span else []
    if len(first) > width and not any(c.strip() for c in first[width:]):
        width = len(first)
        headers = headers + [""] * (width - len(headers))
    if not data.endswith((b"\n", b"\r")):
        _check_truncated_tail(data, named, delimiter, path)
    skip = index + span
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            skip_rows=skip,
            schema={f"c{i}": pl.String for i in range(width)},
            # Short rows padded, long rows cut: which rows those are is found below, exactly, and
            # each becomes a row fault (never a padded row).
            truncate_ragged_lines=True,
            missing_columns="insert",
        )
    except pl.exceptions.PolarsError as exc:
        raise FileFault(
            path,
            f"is not a well-formed CSV file ({str(exc).splitlines()[0]})",
            "Check for a truncated file or unbalanced quotes, and export it again",
        ) from None
    cell_faults = _rows_of_other_width(data, delimiter, skip, width, named, frame.height, path)
    return Table(frame, headers, encoding, skip + 1, notes, sha256, named, cell_faults)


def _has_lone_carriage_return(data: bytes) -> bool:
    """Whether a CR in ``data`` is not followed by an LF. Every CR's next byte is looked at once
    (the file's CR positions, through numpy): counting CR and CRLF took two passes over the file."""
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(codes == 13)
    if at.size == 0:
        return False
    if at[-1] == len(data) - 1:
        return True
    return bool((codes[at + 1] != 10).any())


def _head_text(data: bytes, lines: int) -> str:
    """The first ``lines`` records of UTF-8 ``data`` as text, decoding only what they need."""
    size = 1 << 16
    while True:
        prefix = data[:size]
        whole = len(prefix) == len(data)
        # a prefix may end inside a character: that partial character is dropped (the data as a
        # whole is valid UTF-8, checked or made so before)
        text = prefix.decode("utf-8-sig", errors="strict" if whole else "ignore")
        if whole or len(_csv_head(text, lines + 1)) > lines:
            return text
        size *= 4


def _delimiter_of(head_text: str, required: list[str], clean: Callable[[str | None], str], default: str) -> str:
    """The delimiter under which one of the first rows names the most required columns; the
    suffix's own delimiter when none names any (the header search then says so)."""
    best, best_score = default, 0
    for delimiter in sorted(DELIMITERS, key=lambda d: d != default):
        rows = _csv_head(head_text, HEADER_SEARCH_ROWS + 1, delimiter)
        score = max((len(set(required) & {clean(c) for c in row}) for row in rows), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _rows_of_other_width(
    data: bytes, delimiter: str, skip: int, width: int, named: int, height: int, path: Path
) -> list[tuple[int, int]]:
    """(data row index, cells) of every row whose cell count is not the header's: fewer than its
    ``named`` columns, or more than the ``width`` read (the header's cells, or the first row's
    when every line ends in one more, empty, cell). Rows without a value are not rows of data
    (the caller skips them). Arrow's CSV parser checks every row's count at about the cost of
    reading one column; only a file where it finds a row of another width is parsed again, row by
    row, to number and count them exactly."""
    import pyarrow.csv as pacsv

    def stop(row) -> str:
        return "error"

    try:
        pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=[f"c{i}" for i in range(width)]),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=stop),
            convert_options=pacsv.ConvertOptions(include_columns=["c0"], column_types={"c0": pa.string()}),
        )
        return []
    except (pa.ArrowInvalid, pa.ArrowException):
        pass
    faults = []
    csv.field_size_limit(1 << 30)
    text = data.decode("utf-8-sig")
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(itertools.islice(records, skip, None)):
            if not any(c.strip() for c in cells):
                continue
            if not named <= len(cells) <= width:
                faults.append((number, len(cells)))
    except csv.Error as exc:
        raise FileFault(
            path, f"is not a well-formed CSV file ({exc})", "Check for unbalanced quotes, and export it again"
        ) from None
    if faults and faults[-1][0] >= height:
        # The two parsers disagree on where the rows are: numbering them would be a guess.
        raise FileFault(
            path,
            f"is not a well-formed CSV file (row {skip + faults[-1][0] + 1} could not be located)",
            "Check for unbalanced quotes, and export it again",
        )
    return faults


def _is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is valid UTF-8 (``decode`` would read it as UTF-8 or UTF-8 with BOM),
    without building a str of the whole file: Arrow validates the bytes in place (one string
    value over the file's buffer, no copy), faster than Python's decoder in slices. Both
    follow the Unicode standard's well-formed UTF-8 (no overlong forms, no surrogates, nothing
    above U+10FFFF; tests/test_bad_inputs.py checks they agree). Anything else (GB18030, a
    character cut at the end, UTF-16) goes through ``decode`` and its messages."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    offsets = pa.py_buffer(struct.pack("<qq", 0, len(raw)))
    value = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(raw)])
    try:
        value.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _check_truncated_tail(data: bytes, width: int, delimiter: str, path: Path | str) -> None:
    """A download cut short ends in the middle of a row: no final newline and fewer cells than
    the header. Loading that row would store a half row, so the file fails."""
    if not data or data.endswith((b"\n", b"\r")):
        return
    last_line = data[data.rfind(b"\n") + 1 :].decode("utf-8-sig", "replace")
    cells = next(csv.reader([last_line], delimiter=delimiter), [])
    if 0 < len(cells) < width:
        lines = data.count(b"\n") + 1
        raise FileFault(
            path,
            f"ends in the middle of a row: the last row (row {lines}) has {len(cells)} of "
            f"{width} cells and no line end — the file looks truncated",
            "Download or export the file again (or delete the broken last row if you know it is incomplete)",
        )


def _read_workbook(
    path: Path, raw: bytes, kind: str, required: list[str], clean: Callable[[str | None], str], notes: list[str]
) -> Table:
    """The first sheet of a workbook (XLSX or XLS, both through calamine) whose first rows name
    the required columns, with its rows numbered as Excel shows them in that sheet."""
    import fastexcel

    label = "XLSX" if kind == "xlsx" else "XLS"
    fix = (
        "Open it in Excel and save it again as .xlsx (a truncated download cannot be opened; a workbook "
        "with a password must be saved without it)"
    )
    try:
        reader = fastexcel.read_excel(raw)  # from the bytes: calamine finds the format from them
        names = reader.sheet_names
    except Exception as exc:  # fastexcel/calamine raise their own error types
        raise FileFault(
            path,
            f"is not a readable {label} workbook ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''})",
            fix,
        ) from None
    # (columns named, visible, sheet index, frame, rows above the used range): a hidden sheet
    # (often an old copy kept out of sight) is read only when no visible one holds the header
    best = None
    for number, name in enumerate(names):
        try:
            # skip_rows=0: rows from the sheet's row 1, not from its first used row, so that a
            # frame row's index + 1 is the row number Excel shows
            sheet = reader.load_sheet(number, header_row=None, skip_rows=0, dtypes="string")
            frame = sheet.to_polars()
            columns = sheet.available_columns()
        except Exception as exc:
            raise FileFault(
                path,
                f"the sheet 「{name}」 cannot be read ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''})",
                fix,
            ) from None
        # calamine starts at the first used column too: empty columns put back in front, so that
        # a column's position is its letter in Excel (A = 0) in every message
        empty_left = columns[0].absolute_index if columns else 0
        if empty_left and frame.width:
            frame = frame.select(*[pl.lit(None, dtype=pl.String).alias(f"_{i}") for i in range(empty_left)], pl.all())
        frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
        lead = _leading_empty_rows(frame)
        head = [list(r) for r in frame.slice(lead, HEADER_SEARCH_ROWS + 1).iter_rows()]
        score = max((len(set(required) & {clean(c) for c in row}) for row in head), default=0)
        visible = getattr(sheet, "visible", "visible") == "visible"
        if best is None or (score, visible) > best[:2]:
            best = (score, visible, number, frame, lead)
        if score == len(required) and visible:
            break
    score, visible, number, frame, lead = best
    where = (
        f" on any of its {len(names)} sheets ({'、'.join(names)})"
        if len(names) > 1
        else f" on its sheet 「{names[0]}」"
        if names
        else ""
    )
    if score == 0:
        if lead == frame.height:
            raise FileFault(path, f"has no rows{where}", "Put the export in the workbook and save it again")
        raise FileFault(
            path,
            f"has no header row{where}: none of the first {HEADER_SEARCH_ROWS} rows names the "
            f"required columns ({'、'.join(required)})",
            "Put the header (工单编号, 受理时间, …) in one row at the top of the sheet",
        )
    if len(names) > 1:
        which = (
            f"only the first, 「{names[0]}」, is read"
            if number == 0 and visible
            else f"only 「{names[number]}」, the first visible sheet that holds the header, is read"
            if visible
            else f"only 「{names[number]}」, a hidden sheet, is read: no visible sheet holds the header"
        )
        notes.append(f"the workbook has {len(names)} sheets ({'、'.join(names)}); {which}")
    head = [list(r) for r in frame.slice(lead, HEADER_SEARCH_ROWS + 1).iter_rows()]
    index, span, headers = find_header(head, required, clean, path)
    row = lead + index + 1
    if row > 1 or span > 1:
        notes.append(
            f"header found on row {row}"
            + (f"–{row + span - 1}" if span > 1 else "")
            + (f"; the {row - 1} row(s) above it are not data and were skipped" if row > 1 else "")
        )
    named = len(headers)
    if ORDER_ID_HEADER in headers:
        _refuse_rounded_order_numbers(reader, number, headers.index(ORDER_ID_HEADER), lead + index + span, path)
    return Table(
        frame.slice(lead + index + span), headers, kind, row + span, notes, hashlib.sha256(raw).hexdigest(), named, []
    )


def _refuse_rounded_order_numbers(reader, sheet: int, column: int, skip: int, path: Path) -> None:
    """Order numbers kept in number cells above 2^53 (17 digits and more) lost their last digits
    (a number cell is a 64-bit float): the orders can no longer be told apart. A file fault, never
    a pile of "appears again" rows. Read as the cells' own type; a text column is fine as it is."""
    try:
        cells = reader.load_sheet(sheet, header_row=None, skip_rows=skip, use_columns=[column]).to_polars()
    except Exception:  # a column calamine cannot type alone is read as text by the caller: nothing to judge
        return
    if cells.width == 0 or not cells.dtypes[0].is_numeric():
        return
    values = cells.to_series().cast(pl.Float64)
    rounded = (values.abs() > EXACT_FLOAT_INTEGER).arg_true()
    if rounded.len():
        first = int(rounded[0])
        raise FileFault(
            path,
            f"{rounded.len()} order number(s) in {ORDER_ID_HEADER} are number cells too long to "
            f"keep every digit (row {skip + first + 1}: {values[first]:.0f}): a number cell holds at "
            "most 15–16 digits exactly, so the last digits were lost and the orders cannot be told "
            "apart",
            f"Export the month again with {ORDER_ID_HEADER} as text (in Excel: format the column as Text "
            "before pasting or importing the numbers)",
        )


def _leading_empty_rows(frame: pl.DataFrame) -> int:
    """How many rows at the top of a sheet are empty (above its used range)."""
    if frame.height == 0 or frame.width == 0:
        return frame.height
    filled = frame.select(pl.any_horizontal(pl.all().is_not_null()).arg_true().first()).item()
    return frame.height if filled is None else int(filled)
