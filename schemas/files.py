"""Reading input files: encodings (UTF-8 with or without BOM, GB18030/GBK) and XLSX. Every
failure here is a *file* fault: it names the file and says what to do about it."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl


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
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileFault(
            path,
            f"unknown text encoding (neither UTF-8 nor GB18030/GBK; first bad byte at offset {exc.start})",
            "Save the export again as CSV UTF-8 or as the CSV that Chinese Excel writes (GBK), or as XLSX",
        ) from None


def read_text_file(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileFault(path, f"cannot be read ({exc.strerror})", "Check that the file exists and is readable") from None
    return decode(raw, path)[0]


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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileFault(path, f"cannot be read ({exc.strerror})", "Check that the file exists and is readable") from None
    if not raw.strip():
        raise FileFault(path, "is empty", "Export the month again; an export has a header row and at least one row")
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
            reason = "required value is empty" if check.startswith("not_nullable") else (
                "value appears more than once" if check.startswith("field_uniqueness") else check)
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
