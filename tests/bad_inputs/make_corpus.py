"""How the committed bad-input files were made (run once: `python -m tests.bad_inputs.make_corpus`).
The files themselves are the corpus: tests read the committed bytes, never this script."""

import csv
import datetime
import io
import re
import zipfile
from pathlib import Path

import openpyxl

from tests.helpers import HEADERS, export_row, write_csv, write_xlsx

HERE = Path(__file__).parent
EXPORTS = HERE / "exports"
REFERENCE = HERE / "reference"
T = "2024-02-01 08:30:00"


def rows(n=2, **fields):
    units = ["柳园街道", "区住建局", "新区街道"]
    return [export_row(f"A{i + 1}", units[i % 3], received=T, **fields) for i in range(n)]


def main() -> None:
    EXPORTS.mkdir(parents=True, exist_ok=True)
    REFERENCE.mkdir(parents=True, exist_ok=True)
    # --- whole-file faults
    full = write_csv(EXPORTS / "truncated.csv", rows(3)).read_bytes()
    cut = full.rfind(b"\n", 0, len(full) - 1) + 40  # in the middle of the last row ...
    (EXPORTS / "truncated_mid_character.csv").write_bytes(full[:cut])  # ... and of a 3-byte character
    text = full.decode()
    (EXPORTS / "truncated.csv").write_text(
        text[: text.rfind("\n", 0, len(text) - 1) + 30]
    )  # ... on a character boundary
    write_xlsx(EXPORTS / "truncated.xlsx", rows(3))
    (EXPORTS / "truncated.xlsx").write_bytes((EXPORTS / "truncated.xlsx").read_bytes()[:3000])
    (EXPORTS / "empty.csv").write_bytes(b"")
    (EXPORTS / "header_only.csv").write_bytes((",".join(HEADERS) + "\n").encode())
    write_csv(EXPORTS / "utf16_without_bom.csv", rows(2), encoding="utf-16-le")
    write_csv(EXPORTS / "big5.csv", [{"工單編號": "A1", "受理時間": T, "承辦單位": "柳園街道"}], encoding="big5")
    ragged = write_csv(EXPORTS / "ragged_row.csv", rows(2)).read_text()
    (EXPORTS / "ragged_row.csv").write_text(ragged.rstrip("\n") + ",多出来的一格\n")
    write_csv(
        EXPORTS / "duplicated_header.csv",
        [{**r, "承办单位 ": r["承办单位"]} for r in rows(2)],
        headers=HEADERS + ["承办单位 "],
    )
    write_csv(EXPORTS / "missing_column.csv", rows(2), headers=[h for h in HEADERS if h != "承办单位"])
    # --- XLSX layouts
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工单明细"
    sheet.append(["东昌府区12345市民热线工单导出"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(["导出时间：2024-02-23 09:00", None, "导出人：系统管理员"])
    sheet.append(HEADERS)
    for r in rows(3):
        sheet.append([r[h] for h in HEADERS])
    book.save(EXPORTS / "title_rows.xlsx")

    book = openpyxl.Workbook()
    first = book.active
    first.title = "工单"
    first.append(HEADERS)
    for r in rows(2):
        first.append([r[h] for h in HEADERS])
    second = book.create_sheet("上月工单")
    second.append(HEADERS)
    second.append([export_row("OLD1", "柳园街道")[h] for h in HEADERS])
    book.save(EXPORTS / "two_sheets.xlsx")

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表由平台导出，数据见下一工作表"])
    data = book.create_sheet("工单")
    data.append(HEADERS)
    data.append([rows(1)[0][h] for h in HEADERS])
    book.save(EXPORTS / "data_on_second_sheet.xlsx")

    # A two-row header: group cells merged across columns above the real headers; 工单编号 merged
    # down over both rows; 诉求内容 merged across two columns, the right one holding a remark.
    book = openpyxl.Workbook()
    sheet = book.active
    headers = HEADERS[:7] + ["诉求内容"] + HEADERS[7:]
    content_col = headers.index("诉求内容") + 1
    upper = ["工单编号", "受理信息"] + [None] * (len(headers) - 2)
    lower = [None] + headers[1:]
    lower[content_col] = None  # the right half of the merged 诉求内容 cell
    sheet.append(upper)
    sheet.append(lower)
    sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
    sheet.merge_cells(start_row=1, start_column=2, end_row=1, end_column=5)
    sheet.merge_cells(start_row=2, start_column=content_col, end_row=2, end_column=content_col + 1)
    for r in rows(2):
        values = [r[h] for h in HEADERS]
        values.insert(content_col, "坐席备注：已安抚")
        sheet.append(values)
    book.save(EXPORTS / "merged_header.xlsx")

    # Excel date cells and bare serial numbers (numeric cells), in one sheet.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for i, r in enumerate(rows(2)):
        values = [r[h] for h in HEADERS]
        if i == 0:
            values[HEADERS.index("受理时间")] = datetime.datetime(2024, 2, 1, 8, 30)
            values[HEADERS.index("派单时间")] = datetime.datetime(2024, 2, 1, 8, 30)
        else:
            values[HEADERS.index("受理时间")] = 45323.354166666664  # 2024-02-01 08:30 as a plain number
            values[HEADERS.index("派单时间")] = 45323.354166666664
        values[HEADERS.index("是否按时签收")] = 1  # a number, not text
        sheet.append(values)
    book.save(EXPORTS / "serial_dates.xlsx")

    # --- values
    write_csv(
        EXPORTS / "extra_columns.csv",
        [{**r, "坐席工号": "007", "备注": "无"} for r in rows(2)],
        headers=HEADERS + ["坐席工号", "备注"],
    )
    formats = [
        "2024-02-01 08:30:00",
        "2024/2/1 8:30",
        "2024年2月1日 8:30",
        "20240201 083000",
        "2024-02-01T08:30:00",
        "２０２４－０２－０１　０８：３０：００",
        "2024-02-01 08:30",
    ]
    write_csv(
        EXPORTS / "date_formats.csv",
        [export_row(f"D{i + 1}", "柳园街道", received=f, 派单时间=f) for i, f in enumerate(formats)],
    )
    write_csv(
        EXPORTS / "impossible_dates.csv",
        [
            export_row("I1", "柳园街道", received="2024-02-30 08:00:00", 派单时间="2024-02-30 08:00:00"),
            export_row("I2", "柳园街道", 签收时间="2024/13/01 08:00"),
            export_row("I3", "柳园街道", 办结时间="下周一"),
            export_row("I4", "柳园街道"),
        ],
    )
    write_csv(
        EXPORTS / "full_width.csv",
        [
            export_row(
                "Ａ１",
                "柳园街道",
                received="２０２４－０２－０１　０８：３０",
                派单时间="２０２４／２／１　８：３０",
                是否按时签收="是　",
                是否按时办结="１",
                满意度="９０",
                诉求地址="幸福小区　３号楼",
            ),
            export_row("Ａ２", "　区住建局　", received=T),
        ],
    )
    write_csv(
        EXPORTS / "unit_spaces.csv",
        [
            export_row("U1", "柳园街道  ", received=T),
            export_row("U2", "\u3000新区街道\u3000", received=T),
            export_row("U3", "区住建局\t", received=T),
        ],
    )
    spellings = ["Y", "N", "1", "0", "TRUE", "false", "√", "×", "yes", "是", "否 "]
    write_csv(
        EXPORTS / "flag_spellings.csv",
        [
            export_row(f"F{i + 1}", "柳园街道", received=T, 是否按时签收=s, 是否市重办=s)
            for i, s in enumerate(spellings)
        ],
    )
    write_csv(
        EXPORTS / "satisfaction_120.csv",
        [
            export_row("S1", "柳园街道", 满意度="120"),
            export_row("S2", "柳园街道", 满意度="85"),
            export_row("S3", "柳园街道", 满意度="-5"),
        ],
    )

    # --- reference files
    (REFERENCE / "calendar_gap.csv").write_text(
        "考核月,开始日期,结束日期\n2024-01,2023-12-23,2024-01-22\n2024-02,2024-01-25,2024-02-22\n", encoding="utf-8"
    )
    (REFERENCE / "units_duplicate_name.csv").write_text(
        "单位名称,简称,分组,主要负责人,分管负责人,别名,起始月,终止月\n"
        "柳园街道,,镇街园区,甲,乙,,,\n新区街道,,镇街园区,甲,乙,,,\n区住建局,,区直国企,丙,丁,,,\n柳园街道,,镇街园区,甲,乙,,,\n",
        encoding="utf-8",
    )
    (REFERENCE / "units_alias_two_units.csv").write_text(
        "单位名称,简称,分组,主要负责人,分管负责人,别名,起始月,终止月\n"
        "柳园街道,,镇街园区,甲,乙,柳园,,\n新区街道,,镇街园区,甲,乙,柳园;新区,,\n区住建局,,区直国企,丙,丁,,,\n",
        encoding="utf-8",
    )
    (REFERENCE / "adjustments_negative_quality.csv").write_text(
        "单位名称,减分项,质效,抽测排名\n柳园街道,0,-1.5,1\n新区街道,0,0,2\n区住建局,-0.5,0,\n", encoding="utf-8"
    )
    readers_corpus()


def month_rows() -> list[dict]:
    """The rows of the readers' variants: one month, written in every format a platform or Excel
    writes. Callbacks differ from row to row (one without), and an address holds a comma, so a
    reader that shifts or drops a cell changes a stored value."""
    return [
        export_row("V1", "柳园街道", received=T, 诉求地址="幸福路3号,4单元", 解决情况="已解决", 满意度="满意"),
        export_row("V2", "区住建局", received=T, 解决情况="基本解决", 满意度="基本满意"),
        export_row("V3", "新区街道", received=T, 解决情况="", 满意度=""),
        export_row("V4", "柳园街道", received=T, 解决情况="未解决", 满意度="不满意", 诉求地址='聚鑫苑"东区"'),
    ]


def _text(rows: list[dict], delimiter: str = ",", line_end: str = "\n", headers=HEADERS, trailing: str = "") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=trailing + line_end)
    buffer.write(delimiter.join(headers) + line_end)
    writer.writerows([[r[h] for h in headers] for r in rows])
    return buffer.getvalue()


def _xls(path: Path, sheets: list[tuple[str, list[list]]]) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets:
        sheet = book.add_sheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))


def readers_corpus() -> None:
    """The variants of one month that the readers must read to the same rows (finding 2, 6, 10 of
    issue 13), and the rows whose cell count is not the header's (finding 5)."""
    rows = month_rows()
    table = [HEADERS] + [[r[h] for h in HEADERS] for r in rows]
    (EXPORTS / "variant_clean.csv").write_text(_text(rows), encoding="utf-8")
    _xls(EXPORTS / "variant_excel97.xls", [("工单", table)])
    # Excel's "Unicode text": UTF-16 LE with its byte-order mark, tab-separated, CRLF
    (EXPORTS / "variant_unicode_text.txt").write_bytes(b"\xff\xfe" + _text(rows, "\t", "\r\n").encode("utf-16-le"))
    (EXPORTS / "variant_utf16_bom.csv").write_bytes(b"\xff\xfe" + _text(rows).encode("utf-16-le"))
    (EXPORTS / "variant_tabs.tsv").write_text(_text(rows, "\t"), encoding="utf-8")
    (EXPORTS / "variant_tabs_named.csv").write_text(_text(rows, "\t"), encoding="utf-8")
    (EXPORTS / "variant_semicolons.csv").write_bytes(_text(rows, ";").encode("gb18030"))
    (EXPORTS / "variant_cr_only.csv").write_text(_text(rows, ",", "\r"), encoding="utf-8", newline="")
    # a file pieced together from several: CRLF, lone CR and LF line ends mixed
    pieces = _text(rows).splitlines(keepends=True)
    mixed = pieces[0].replace("\n", "\r\n") + pieces[1].replace("\n", "\r") + pieces[2] + pieces[3].replace("\n", "\r")
    (EXPORTS / "variant_mixed_line_ends.csv").write_bytes((mixed + "".join(pieces[4:])).encode())
    (EXPORTS / "variant_trailing_delimiter.csv").write_text(_text(rows, trailing=","), encoding="utf-8")
    _xls(EXPORTS / "variant_xls_named_xlsx.xlsx", [("工单", table)])
    # The data sheet first in the workbook but stored second (xl/worksheets/sheet2.xml), with two
    # empty rows and a title above the header: its rows are numbered as that sheet shows them.
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表由平台导出"])
    data = book.create_sheet("工单")
    data["A3"] = "东昌府区12345工单导出"
    for r, values in enumerate(table, start=4):
        for c, value in enumerate(values, start=1):
            data.cell(r, c, value)
    staged = io.BytesIO()
    book.save(staged)
    with (
        zipfile.ZipFile(staged) as source,
        zipfile.ZipFile(EXPORTS / "variant_data_sheet_stored_second.xlsx", "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = content.decode()
                sheets = re.findall(r"<sheet [^>]*/>", text)
                text = text.replace(sheets[0] + sheets[1], sheets[1] + sheets[0])
                content = text.encode()
            target.writestr(item, content)
    write_xlsx(EXPORTS / "variant_xlsx_named_csv.csv", rows, headers=HEADERS)
    # Named as what they are not: a web page saved as .xls, Excel's "Unicode text" cut short
    page = "<html><body><table><tr><td>工单编号</td></tr></table></body></html>"
    (EXPORTS / "html_named_xls.xls").write_text(page, encoding="utf-8")
    unicode_text = (EXPORTS / "variant_unicode_text.txt").read_bytes()
    (EXPORTS / "utf16_truncated.txt").write_bytes(unicode_text[: len(unicode_text) // 2 | 1])
    # The table starts at C2: column letters in messages are Excel's (calamine starts at C)
    book = openpyxl.Workbook()
    sheet = book.active
    for c, value in enumerate(HEADERS + ["备注"], start=3):
        sheet.cell(2, c, value)
    for c, value in enumerate([rows[0][h] for h in HEADERS] + ["无", "坐席补记"], start=3):
        sheet.cell(3, c, value)
    book.save(EXPORTS / "table_from_column_c.xlsx")
    # A hidden first sheet holding an old copy of the export: the visible one is read
    book = openpyxl.Workbook()
    book.active.title = "旧数据"
    book.active.sheet_state = "hidden"
    book.active.append(HEADERS)
    book.active.append([export_row("OLD1", "柳园街道", received=T)[h] for h in HEADERS])
    visible = book.create_sheet("工单")
    visible.append(HEADERS)
    visible.append([rows[0][h] for h in HEADERS])
    book.active = 1
    book.save(EXPORTS / "hidden_old_sheet_first.xlsx")
    # No sheet holds the header: the message names every sheet looked at
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表由平台导出"])
    book.create_sheet("备注").append(["无"])
    book.save(EXPORTS / "no_header_on_any_sheet.xlsx")
    # Rows with a cell lost or added: one short by two cells, one with an unquoted comma in 诉求地址
    text = _text(rows).splitlines(keepends=True)
    short = text[2].rstrip("\n").rsplit(",", 2)[0] + "\n"
    long_ = text[3].replace("聚鑫苑小区", "聚鑫苑小区,2号楼", 1)
    (EXPORTS / "short_and_long_rows.csv").write_text(
        text[0] + text[1] + short + long_ + "".join(text[4:]), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
