"""附表.xlsx: tables 1–5, one sheet each, with the headers as printed (merged cells where the
seed spans them), numbers as numbers where the cell is a number."""

from __future__ import annotations

import io
import re

import xlsxwriter

from hotline.report.model import Report, grid

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
PERCENT = re.compile(r"^-?\d+(\.\d+)?%$")
ANNEX = ("table1", "table2", "table3", "table4", "table5")


def _value(text: str):
    if NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def render_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": f"{report.title} 附表", "subject": report.month})
    title_fmt = book.add_format(
        {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "font_name": "黑体"}
    )
    head_fmt = book.add_format(
        {
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "bg_color": "#F2F2F2",
            "font_name": "宋体",
        }
    )
    cell_fmt = book.add_format({"border": 1, "align": "center", "valign": "vcenter", "font_name": "宋体"})
    pct_fmt = book.add_format(
        {"border": 1, "align": "center", "valign": "vcenter", "font_name": "宋体", "num_format": "0.00%"}
    )
    note_fmt = book.add_format({"italic": False, "font_name": "宋体"})
    for key in ANNEX:
        t = report.tables[key]
        sheet = book.add_worksheet(t.sheet[:31])
        columns = t.columns
        row0 = 0
        if t.title:
            sheet.merge_range(0, 0, 0, columns - 1, t.title, title_fmt)
            sheet.set_row(0, 28)
            row0 = 1
        for block, fmt in ((t.header, head_fmt), (t.rows, cell_fmt)):
            for r, placed in enumerate(grid(block, columns)):
                for col, cell in placed:
                    value, f = (cell.text, fmt) if fmt is head_fmt else (_value(cell.text), fmt)
                    if fmt is cell_fmt and PERCENT.match(cell.text):
                        value, f = float(cell.text[:-1]) / 100, pct_fmt  # a real percentage, shown as printed
                    if cell.colspan > 1 or cell.rowspan > 1:
                        sheet.merge_range(row0 + r, col, row0 + r + cell.rowspan - 1, col + cell.colspan - 1, value, f)
                    else:
                        sheet.write(row0 + r, col, value, f)
            row0 += len(block)
        if t.note:
            sheet.write(row0 + 1, 0, t.note, note_fmt)
        widths = t.widths or [1] * columns
        for i, w in enumerate(widths):
            sheet.set_column(i, i, max(7, w * 6))
        sheet.freeze_panes(1 + len(t.header), 1)
    book.close()
    return buffer.getvalue()
