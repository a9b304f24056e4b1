"""Reading input files: encodings (UTF-8 with or without BOM, GB18030/GBK) and XLSX. Every
failure here is a *file* fault: it names the file and says what to do about it."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl
import pyarrow as pa

# How far down a sheet the header row is looked for: exports saved by hand often carry a title
# and an "exported at" line above the header.
HEADER_SEARCH_ROWS = 10


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
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(raw) - 3:
            # Valid UTF-8 up to a character cut in half at the very end: a truncated download.
            raise FileFault(path, "ends in the middle of a character: the file looks truncated",
                            "Download or export the file again") from None
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
    if raw.startswith(b"PK\x03\x04"):
        raise FileFault(path, "is an XLSX workbook (a zip archive) with a .csv name",
                        "Rename it to .xlsx, or open it in Excel and save it as CSV")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileFault(path, "is an old Excel 97-2003 workbook (.xls), not a CSV file",
                        "Open it in Excel and save it as .xlsx or as CSV UTF-8")
    if b"\x00" in raw[:4096]:
        raise FileFault(path, "holds NUL bytes: it is UTF-16 text without a byte-order mark, or not text at all",
                        "Save the export again as CSV UTF-8 or as the CSV that Chinese Excel writes (GBK), or as XLSX")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileFault(path, f"cannot be read ({exc.strerror})", "Check that the file exists and is readable") from None


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
            raise FileFault(path, f"is not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                            "Open it in Excel and save it again as .xlsx") from None
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
        raise FileFault(path, f"is not a well-formed CSV file ({str(exc).splitlines()[0]})",
                        "Check for a truncated file or unbalanced quotes and export it again") from None
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
        raise FileFault(path, f"missing required column(s) {'、'.join(missing)}",
                        f"The header must name {'、'.join(headers)} (optional ones may be left out)")
    present = {h: n for h, n in headers.items() if h in frame.columns}
    frame = frame.select(list(present)).rename(present)
    frame = frame.with_columns(pl.col(frame.columns).str.strip_chars(" \t\r\n\u3000").replace("", None))
    frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(n) for n in headers.values() if n not in frame.columns])
    return frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))


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
            reason = "required value is empty: fill it in" if check.startswith("not_nullable") else (
                "value appears more than once: keep one row for it (merge or delete the others)"
                if check.startswith("field_uniqueness") else check)
            faults.append((row, column, case.get("failure_case"), reason))
        raise RowFaults(path, sorted(faults, key=lambda f: (f[0], f[1]))) from None


def cast_numbers(frame: pl.DataFrame, columns: dict[str, pl.DataType], path: Path, headers: dict[str, str]) -> pl.DataFrame:
    """Cast text columns to numbers; a value that is not a number is a row fault."""
    header_of = {n: h for h, n in headers.items()}
    faults = []
    for name, dtype in columns.items():
        as_float = pl.col(name).str.normalize("NFKC").cast(pl.Float64, strict=False)
        bad = frame.filter(pl.col(name).is_not_null() & as_float.is_null())
        faults += [(r["source_row"], header_of[name], r[name], "not a number") for r in bad.iter_rows(named=True)]
        if dtype == pl.Int64:
            frac = frame.filter(as_float.is_not_null() & (as_float != as_float.round(0)))
            faults += [(r["source_row"], header_of[name], r[name], "not a whole number") for r in frac.iter_rows(named=True)]
    if faults:
        raise RowFaults(path, sorted(faults))
    return frame.with_columns(
        [pl.col(n).str.normalize("NFKC").cast(pl.Float64).cast(t) for n, t in columns.items()]
    )


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


def find_header(rows: list[list[str | None]], required: list[str], clean: Callable[[str | None], str],
                path: Path | str, where: str = "") -> tuple[int, int, list[str]]:
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
        raise FileFault(path, f"has no header row{where}: none of the first {HEADER_SEARCH_ROWS} rows names the "
                              f"required columns ({'、'.join(required)})",
                        "Put the header (工单编号, 受理时间, …) in one row at the top of the first sheet; if the "
                        "headers look garbled, the file is in another encoding — save it as CSV UTF-8 or XLSX")
    best = scores.index(max(scores))
    return best, 1, cleaned[best]


def _csv_head(text: str, lines: int) -> list[list[str]]:
    return list(itertools.islice(csv.reader(io.StringIO(text)), lines))


def read_export_table(path: Path, required: list[str], clean: Callable[[str | None], str]) -> Table:
    """Read an export (CSV in any accepted encoding, or the first sheet of an XLSX) with its
    header found among the first rows. Every failure is a FileFault."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, required, clean)
    if suffix != ".csv":
        raise FileFault(path, f"has the unsupported type '{suffix}'", "Exports must be .csv or .xlsx files")
    raw = _csv_bytes(path)
    sha256 = hashlib.sha256(raw).hexdigest()
    if _is_utf8(raw):
        # The common case, UTF-8 (with or without BOM): polars reads the bytes as they are. Decoding
        # the whole file to a str and encoding it back cost a second and two copies of the file per
        # 170 MB export. The BOM sits on the header line, which is skipped below.
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        data, text = raw, None
        head = _csv_head_bytes(raw, HEADER_SEARCH_ROWS + 1)
    else:
        text, encoding = decode(raw, path)
        del raw
        data = text.encode("utf-8")
        head = _csv_head(text, HEADER_SEARCH_ROWS + 1)
    index, span, headers = find_header(head, required, clean, path)
    notes = []
    if index or span > 1:
        notes.append(f"header found on row {index + 1}" + (f"–{index + span}" if span > 1 else "")
                     + (f"; the {index} row(s) above it are not data and were skipped" if index else ""))
    # The header's line: the rows above the header are single-line (titles), so the row index is
    # the line index.
    width = len(headers)
    if not data.endswith((b"\n", b"\r")):
        _check_truncated_tail(text if text is not None else data.decode("utf-8-sig"), width, path)
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            skip_rows=index + span,
            schema={f"c{i}": pl.String for i in range(width)},
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as exc:
        if text is None:
            text = data.decode("utf-8-sig")
        where = _first_long_row(text, index + span, width)
        raise FileFault(path, f"is not a well-formed CSV file ({str(exc).splitlines()[0]})"
                              + (f": row {where[0]} has {where[1]} cells, the header {width}" if where else ""),
                        "Check for a truncated file, unbalanced quotes or a row with more cells than the header, "
                        "and export it again") from None
    return Table(frame, headers, encoding, index + span + 1, notes, sha256)


def _is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is valid UTF-8 (``decode`` would read it as UTF-8 or UTF-8 with BOM),
    without building a str of the whole file: Arrow validates the bytes in place (one string
    value over the file's buffer, no copy), ~6× faster than Python's decoder in slices. Both
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


def _csv_head_bytes(raw: bytes, lines: int) -> list[list[str]]:
    """``_csv_head`` of a UTF-8 file, decoding only as much of it as the first rows need."""
    size = 1 << 16
    while True:
        prefix = raw[:size]
        whole = len(prefix) == len(raw)
        # a prefix may end inside a character: that partial character is dropped (the file as a
        # whole is valid UTF-8, checked before)
        text = prefix.decode("utf-8-sig", errors="strict" if whole else "ignore")
        rows = _csv_head(text, lines + 1)
        if whole:
            return rows[:lines]
        if len(rows) > lines:  # the row after the last one needed is there: those are complete
            return rows[:lines]
        size *= 4


def _first_long_row(text: str, skip: int, width: int) -> tuple[int, int] | None:
    """The first record (row number, cells) with more cells than the header, to name it."""
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number > skip and len(cells) > width:
            return number, len(cells)
    return None


def _check_truncated_tail(text: str, width: int, path: Path | str) -> None:
    """A download cut short ends in the middle of a row: no final newline and fewer cells than
    the header. Loading that row would store a half row, so the file fails."""
    if not text or text.endswith(("\n", "\r")):
        return
    last_line = text[text.rfind("\n") + 1:]
    cells = next(csv.reader([last_line]), [])
    if 0 < len(cells) < width:
        lines = text.count("\n") + 1
        raise FileFault(path, f"ends in the middle of a row: the last row (row {lines}) has {len(cells)} of "
                              f"{width} cells and no line end — the file looks truncated",
                        "Download or export the file again (or delete the broken last row if you know it is incomplete)")


def _read_xlsx(path: Path, required: list[str], clean: Callable[[str | None], str]) -> Table:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:  # fastexcel/calamine raise their own error types
        raise FileFault(path, f"is not a readable XLSX workbook ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
                        "Open it in Excel and save it again as .xlsx (a truncated download cannot be opened)") from None
    notes = []
    if len(names) > 1:
        notes.append(f"the workbook has {len(names)} sheets ({'、'.join(names)}); only the first, 「{names[0]}」, is read")
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    head = [list(r) for r in frame.head(HEADER_SEARCH_ROWS + 1).iter_rows()]
    where = f" on the first sheet 「{names[0]}」" + (f" (the workbook also has {'、'.join(names[1:])}; only the first sheet is read)"
                                                  if len(names) > 1 else "") if names else ""
    if frame.height == 0:
        raise FileFault(path, f"has an empty first sheet{' 「' + names[0] + '」' if names else ''}",
                        "Put the export on the first sheet of the workbook")
    index, span, headers = find_header(head, required, clean, path, where)
    # calamine starts the range at the first used row: count the blank rows it left out above.
    offset = _first_used_row(path)
    row = offset + index
    if row > 1 or span > 1:
        notes.append(f"header found on row {row}" + (f"–{row + span - 1}" if span > 1 else "")
                     + (f"; the {row - 1} row(s) above it are not data and were skipped" if row > 1 else ""))
    with path.open("rb") as handle:
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    return Table(frame.slice(index + span), headers, "xlsx", row + span, notes, sha256)


def _first_used_row(path: Path) -> int:
    """The 1-based row number where the first sheet's used range starts (usually 1)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as book:
            sheets = sorted(n for n in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
            head = book.open(sheets[0]).read(4096).decode("utf-8", "replace") if sheets else ""
    except (zipfile.BadZipFile, OSError, KeyError):
        return 1
    match = re.search(r'<dimension ref="[A-Z]+(\d+)', head)
    return int(match.group(1)) if match else 1
