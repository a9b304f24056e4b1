"""Writing export files the way the platforms and Chinese Excel do: UTF-8, UTF-8 with BOM,
GB18030 CSV, or XLSX (first sheet, header in row 1). Output is byte-reproducible."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import polars as pl

from schemas.exports import EXPORT_COLUMNS

# The contract's export headers, in the platform's usual column order (schemas/exports.py).
EXPORT_HEADERS = [c.header for c in EXPORT_COLUMNS]

# file format -> (suffix, text encoding); "csv" picks UTF-8 with or without BOM per file
ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gb18030": "gb18030"}
FORMAT_ALIASES = {
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "bom": "utf-8-sig",
    "csv": "csv",
    "xlsx": "xlsx",
}

# xlsx files carry a creation time; pin it so the same seed gives the same bytes
FIXED_XLSX_TIME = datetime(2024, 3, 1, 8, 0, 0)


def write_csv_bytes(frame: pl.DataFrame, path: Path, encoding: str) -> None:
    """All columns are strings; nulls become empty fields."""
    text = frame.write_csv(null_value="", quote_style="necessary", line_terminator="\r\n")
    data = text.encode(encoding)  # utf-8-sig prepends the BOM
    path.write_bytes(data)


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    workbook.set_properties({"created": FIXED_XLSX_TIME, "author": "12345", "title": "工单导出"})
    sheet = workbook.add_worksheet("工单")
    sheet.write_row(0, 0, frame.columns)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
    workbook.close()


def write_export(frame: pl.DataFrame, path_stem: Path, fmt: str) -> Path:
    """fmt: xlsx, utf-8, utf-8-sig or gb18030. Returns the written path."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = path_stem.with_suffix(".xlsx")
        write_xlsx(frame, path)
    else:
        path = path_stem.with_suffix(".csv")
        write_csv_bytes(frame, path, ENCODINGS[fmt])
    return path


def write_table(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """Small reference tables (units, adjustments, …): UTF-8, '\\n' line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
