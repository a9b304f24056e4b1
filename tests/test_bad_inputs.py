"""The bad-input corpus (tests/bad_inputs/): every file either loads, normalising only what is
unambiguous, or fails with a message naming the file (and the row and column where there is one)
and saying how to fix it. The export files are judged by the functions the ingest asset and
``hotline validate`` both call; the ones that matter end to end also go through a Dagster run."""

import shutil
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from dagster import AssetSelection

from hotline.contract.exports import read_export, validate_month
from hotline.contract.files import FileFault
from hotline.rules import load_rules
from hotline.rules_model import typed_rules
from tests import helpers
from tests.helpers import HEADERS, dept, export_row, failure_messages, query, town, write_reference

CORPUS = Path(__file__).parent / "bad_inputs"
EXPORTS = CORPUS / "exports"
MONTH = "2024-02"
WINDOW = (date(2024, 1, 25), date(2024, 2, 22))
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
ROSTER = [town("柳园街道"), town("新区街道"), dept("区住建局")]
UNIT_NAMES = pl.DataFrame(
    {
        "name": ["柳园街道", "新区街道", "区住建局"],
        "unit": ["柳园街道", "新区街道", "区住建局"],
        "unit_group": ["town", "town", "dept_large"],
    }
)
T = datetime(2024, 2, 1, 8, 30)


def judge(path: Path):
    export = read_export(path)
    return export, validate_month([export], typed_rules(load_rules(Path("/nonexistent"))), *WINDOW, UNIT_NAMES)


# --------------------------------------------------------------------------- file faults
# file → words the message must hold (what is wrong, and how to fix it). Every message starts
# with the file's path.
FILE_FAULTS = {
    "empty.csv": ["is empty", "Export the month again"],
    "header_only.csv": ["has a header but no rows", "Export the month again"],
    "truncated.csv": ["ends in the middle of a row", "row 4", "looks truncated", "export the file again"],
    "truncated_mid_character.csv": ["ends in the middle of a character", "looks truncated", "export the file again"],
    "truncated.xlsx": ["is not a readable XLSX workbook", "save it again as .xlsx"],
    "utf16_without_bom.csv": [
        "NUL bytes",
        "it is UTF-16 (little-endian) text without a byte-order mark",
        "Save the export again as CSV UTF-8",
    ],
    "big5.csv": ["has no header row", "another encoding", "save it as CSV UTF-8"],
    "duplicated_header.csv": [
        "the column 「承办单位」 appears twice",
        "columns 10 and 24, J and X",
        "Delete one of the two columns",
    ],
    "missing_column.csv": ["missing required column(s) 承办单位", "add the column(s) to the export"],
    "no_header_on_any_sheet.xlsx": ["has no header row on any of its 2 sheets (说明、备注)", "Put the header"],
    "html_named_xls.xls": [
        "is a web page or XML file (HTML/XML text) with a '.xls' name, not a workbook",
        "save it as .xlsx",
    ],
    "utf16_truncated.txt": [
        "is UTF-16 text (it starts with the UTF-16 byte-order mark) but is broken at byte",
        "looks truncated",
        "export the file again",
    ],
}


@pytest.mark.parametrize("name", sorted(FILE_FAULTS))
def test_a_file_fault_names_the_file_and_says_how_to_fix_it(name):
    with pytest.raises(FileFault) as caught:
        read_export(EXPORTS / name)
    message = str(caught.value)
    assert message.startswith(str(EXPORTS / name) + ": "), message
    for words in FILE_FAULTS[name]:
        assert words in message, (words, message)


# --------------------------------------------------------------------------- row faults
# file → every (row, column, words of the reason) rejected; the other rows load.
ROW_FAULTS = {
    "impossible_dates.csv": (
        {
            (2, "受理时间", "2024-02-30 is not a day of the calendar; correct the date"),
            (2, "派单时间", "2024-02-30 is not a day of the calendar"),
            (2, "签收时间", "2024-02-30 is not a day of the calendar"),
            (3, "签收时间", "2024-13-01 is not a day of the calendar"),
            (4, "办结时间", "write it as YYYY-MM-DD HH:MM[:SS]"),
        },
        ["I4"],
    ),
    "satisfaction_120.csv": (
        {
            (2, "满意度", "满意度 must be one of 非常满意/满意/基本满意/不满意/非常不满意 or a number 0–100"),
            (4, "满意度", "or a number 0–100"),
        },
        ["S2"],
    ),
    # A row with a cell added (an unquoted comma) or lost is rejected whole, never padded nor cut.
    "ragged_row.csv": ({(3, "(row)", "the row has 24 cells, the header 23: a cell was lost or added")}, ["A1"]),
    "short_and_long_rows.csv": (
        {
            (3, "(row)", "the row has 21 cells, the header 23: a cell was lost or added"),
            (4, "(row)", "the row has 24 cells, the header 23"),
        },
        ["V1", "V4"],
    ),
}


@pytest.mark.parametrize("name", sorted(ROW_FAULTS))
def test_a_row_fault_names_file_row_column_and_the_fix(name):
    expected, stored = ROW_FAULTS[name]
    export, month = judge(EXPORTS / name)
    faults = month.faults.rows(named=True)
    assert {r["source_file"] for r in faults} == {name}
    got = {(r["row_number"], r["column_name"]) for r in faults}
    assert got == {(row, column) for row, column, _ in expected}
    for row, column, words in expected:
        reason = next(r["reason"] for r in faults if (r["row_number"], r["column_name"]) == (row, column))
        assert words in reason, (row, column, reason)
    assert sorted(month.rows["order_id"].to_list()) == stored
    # Nothing lost: every input row is stored or rejected.
    assert month.rows_in == month.rows.height + month.faults.select("row_number").n_unique()


# --------------------------------------------------------------------------- files that load
def _values(month, column):
    return month.rows.sort("source_row")[column].to_list()


LOADS = {
    # file: (encoding, source rows, {column: values in row order}, extra columns, words of the notes)
    "title_rows.xlsx": (
        "xlsx",
        [4, 5, 6],
        {"order_id": ["A1", "A2", "A3"], "received_at": [T] * 3},
        [],
        ["header found on row 3", "2 row(s) above it are not data"],
    ),
    "two_sheets.xlsx": (
        "xlsx",
        [2, 3],
        {"order_id": ["A1", "A2"]},
        [],
        ["2 sheets (工单、上月工单)", "only the first, 「工单」, is read"],
    ),
    "merged_header.xlsx": (
        "xlsx",
        [3, 4],
        {"order_id": ["A1", "A2"], "received_at": [T, T], "unit": ["柳园街道", "区住建局"]},
        ["(column H, no header)"],
        ["header found on row 1–2"],
    ),
    "serial_dates.xlsx": (
        "xlsx",
        [2, 3],
        {"received_at": [T, T], "dispatched_at": [T, T], "responded_on_time": ["是", "是"]},
        [],
        [],
    ),
    "extra_columns.csv": ("utf-8", [2, 3], {"order_id": ["A1", "A2"]}, ["坐席工号", "备注"], []),
    "date_formats.csv": ("utf-8", [2, 3, 4, 5, 6, 7, 8], {"received_at": [T] * 7, "dispatched_at": [T] * 7}, [], []),
    "full_width.csv": (
        "utf-8",
        [2, 3],
        {
            "order_id": ["A1", "A2"],
            "received_at": [T, T],
            "dispatched_at": [T, T],
            "responded_on_time": ["是", "是"],
            "completed_on_time": ["是", "是"],
            "satisfaction_result": ["90", "满意"],
            "unit": ["柳园街道", "区住建局"],
            "address": ["幸福小区\u30003号楼", "聚鑫苑小区"],
        },
        [],
        [],
    ),
    "unit_spaces.csv": (
        "utf-8",
        [2, 3, 4],
        {"unit": ["柳园街道", "新区街道", "区住建局"], "unit_as_written": ["柳园街道", "新区街道", "区住建局"]},
        [],
        [],
    ),
    "flag_spellings.csv": (
        "utf-8",
        list(range(2, 13)),
        {
            "responded_on_time": ["是", "否", "是", "否", "是", "否", "是", "否", "是", "是", "否"],
            "city_rework": ["是", "否", "是", "否", "是", "否", "是", "否", "是", "是", "否"],
        },
        [],
        [],
    ),
    # the table starts at C2: the column without a header is named by its letter in Excel
    "table_from_column_c.xlsx": (
        "xlsx",
        [3],
        {"order_id": ["V1"]},
        ["备注", "(column AA, no header)"],
        ["header found on row 2; the 1 row(s) above it are not data and were skipped"],
    ),
    # a hidden first sheet holds an old copy: the visible sheet is read, and said
    "hidden_old_sheet_first.xlsx": (
        "xlsx",
        [2],
        {"order_id": ["V1"]},
        [],
        [
            "the workbook has 2 sheets (旧数据、工单); only 「工单」, the first visible sheet "
            "that holds the header, is read"
        ],
    ),
    # the header is on the second sheet: that sheet is read, and said
    "data_on_second_sheet.xlsx": (
        "xlsx",
        [2],
        {"order_id": ["A1"]},
        [],
        [
            "the workbook has 2 sheets (说明、工单); only 「工单」, the first visible sheet that "
            "holds the header, is read"
        ],
    ),
}

# Readers' variants (issue 13, findings 2, 6, 10): one month (variant_clean.csv) in every format a
# platform or Excel writes. Each must give exactly the clean month's rows.
# file → (encoding, source rows, every note the reader makes)
VARIANTS = {
    "variant_clean.csv": ("utf-8", [2, 3, 4, 5], []),
    "variant_excel97.xls": ("xls", [2, 3, 4, 5], []),
    "variant_unicode_text.txt": ("utf-16-le", [2, 3, 4, 5], []),
    "variant_utf16_bom.csv": ("utf-16-le", [2, 3, 4, 5], []),
    "variant_tabs.tsv": ("utf-8", [2, 3, 4, 5], []),
    "variant_tabs_named.csv": ("utf-8", [2, 3, 4, 5], ["cells are separated by tabs"]),
    "variant_semicolons.csv": ("gb18030", [2, 3, 4, 5], ["cells are separated by semicolons"]),
    "variant_cr_only.csv": ("utf-8", [2, 3, 4, 5], ["lines end in a lone CR (carriage return); read as lines"]),
    "variant_mixed_line_ends.csv": (
        "utf-8",
        [2, 3, 4, 5],
        ["some lines end in a lone CR (carriage return); read as lines"],
    ),
    "variant_trailing_delimiter.csv": ("utf-8", [2, 3, 4, 5], []),
    "variant_xls_named_xlsx.xlsx": (
        "xls",
        [2, 3, 4, 5],
        ["the file is an Excel 97-2003 workbook (.xls) with a '.xlsx' name; read as such"],
    ),
    "variant_xlsx_named_csv.csv": (
        "xlsx",
        [2, 3, 4, 5],
        ["the file is an XLSX workbook with a '.csv' name; read as such"],
    ),
    # the data sheet is first in the workbook but stored second (sheet2.xml), two empty rows and a
    # title above its header (row 4): rows are numbered as that sheet shows them
    "variant_data_sheet_stored_second.xlsx": (
        "xlsx",
        [5, 6, 7, 8],
        [
            "the workbook has 2 sheets (工单、说明); only the first, 「工单」, is read",
            "header found on row 4; the 3 row(s) above it are not data and were skipped",
        ],
    ),
}


def _month_rows(month) -> pl.DataFrame:
    return month.rows.drop("source_file", "source_row").sort("order_id")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_readable_variant_reads_the_clean_months_rows(name):
    encoding, rows, notes = VARIANTS[name]
    export, month = judge(EXPORTS / name)
    _, clean = judge(EXPORTS / "variant_clean.csv")
    assert month.faults.height == 0, month.faults.rows()
    assert export.encoding == encoding
    assert _values(month, "source_row") == rows
    assert _values(month, "address") == ["幸福路3号,4单元", "聚鑫苑小区", "聚鑫苑小区", '聚鑫苑"东区"']
    assert _values(month, "satisfaction_result") == ["满意", "基本满意", None, "不满意"]
    assert _month_rows(month).equals(_month_rows(clean))
    assert export.notes == notes


@pytest.mark.parametrize("name", sorted(LOADS))
def test_a_file_that_loads_is_normalised_only_where_unambiguous(name):
    encoding, rows, values, extra, notes = LOADS[name]
    export, month = judge(EXPORTS / name)
    assert month.faults.height == 0, month.faults.rows()
    assert export.encoding == encoding
    assert _values(month, "source_row") == rows
    for column, expected in values.items():
        assert _values(month, column) == expected, column
    assert export.extra_columns == extra
    for words in notes:
        assert any(words in n for n in export.notes), (words, export.notes)
    if not notes:
        assert export.notes == []


def test_every_export_in_the_corpus_has_an_expected_outcome():
    judged = set(FILE_FAULTS) | set(ROW_FAULTS) | set(LOADS) | set(VARIANTS)
    assert {p.name for p in EXPORTS.iterdir()} == judged


# --------------------------------------------------------------------------- end to end
INGEST = AssetSelection.groups("reference", "ingest")


def _month(env, *files: str, calendar=CALENDAR):
    write_reference(env["data"], ROSTER, calendar=calendar)
    exports = env["data"] / "months" / MONTH / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(EXPORTS / name, exports / name)
    return exports


def test_title_rows_and_two_sheets_load_through_a_run_and_the_run_says_what_it_skipped(hotline_env):
    _month(hotline_env, "title_rows.xlsx", "two_sheets.xlsx")
    result = helpers.materialize_months(MONTH, selection=INGEST)
    assert result.success
    # Both files hold the same A1, A2: kept once, from the later file name (two_sheets.xlsx); OLD1 of
    # the second sheet is never read.
    assert query(
        hotline_env["warehouse"], "SELECT order_id, source_file, source_row FROM core.assignments ORDER BY 1"
    ) == [("A1", "two_sheets.xlsx", 2), ("A2", "two_sheets.xlsx", 3), ("A3", "title_rows.xlsx", 6)]
    assert query(
        hotline_env["warehouse"], "SELECT source_file, row_number, fault, reason FROM core.rejected_rows ORDER BY 1, 2"
    ) == [
        ("title_rows.xlsx", 4, False, "the same row again in the export two_sheets.xlsx (row 2): kept once"),
        ("title_rows.xlsx", 5, False, "the same row again in the export two_sheets.xlsx (row 3): kept once"),
    ]
    meta = next(
        e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"]
    ).materialization.metadata
    notes = meta["reader notes"].value
    assert "title_rows.xlsx: header found on row 3" in notes and "only the first, 「工单」, is read" in notes


def test_a_truncated_export_fails_the_run_and_leaves_the_month_as_it_was(hotline_env):
    exports = _month(hotline_env, "date_formats.csv")
    assert helpers.materialize_months(MONTH, selection=INGEST).success
    before = query(hotline_env["warehouse"], "SELECT * FROM core.assignments ORDER BY ALL")
    shutil.copy(EXPORTS / "truncated.csv", exports / "truncated.csv")
    result = helpers.materialize_months(MONTH, selection=INGEST, raise_on_error=False)
    assert not result.success
    assert "truncated.csv: ends in the middle of a row: the last row (row 4)" in failure_messages(result)
    assert query(hotline_env["warehouse"], "SELECT * FROM core.assignments ORDER BY ALL") == before


REFERENCE_FAULTS = {
    # reference file → (where it goes, words of the failure)
    "calendar_gap.csv": ("reference/calendar.csv", ["2024-01", "2024-02", "gap"]),
    "units_duplicate_name.csv": (
        "reference/units.csv",
        ["units.csv", "row 5, column 单位名称", "appears more than once", "柳园街道"],
    ),
    "units_alias_two_units.csv": (
        "reference/units.csv",
        ["units.csv", "column 别名", "'柳园'", "may belong to one unit only"],
    ),
}


@pytest.mark.parametrize("name", sorted(REFERENCE_FAULTS))
def test_a_bad_reference_file_fails_the_run_naming_file_row_and_column(hotline_env, name):
    _month(hotline_env, "date_formats.csv")
    target, words = REFERENCE_FAULTS[name]
    shutil.copy(CORPUS / "reference" / name, hotline_env["data"] / target)
    result = helpers.materialize_months(MONTH, selection=INGEST, raise_on_error=False)
    assert not result.success
    message = failure_messages(result)
    for w in words:
        assert w in message, (w, message)


def test_a_negative_quality_bonus_blocks_the_scores_and_names_the_row(hotline_env):
    _month(hotline_env, "unit_spaces.csv")
    shutil.copy(
        CORPUS / "reference" / "adjustments_negative_quality.csv",
        hotline_env["data"] / "months" / MONTH / "adjustments.csv",
    )
    result = helpers.materialize_months(MONTH, selection=AssetSelection.all(), raise_on_error=False)
    assert not result.success
    checks = {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    failed = [c for c in checks.values() if not c.passed]
    assert failed, checks
    text = " ".join(str(m.value) for c in failed for m in c.metadata.values()) + " ".join(
        c.description or "" for c in failed
    )
    assert "质效" in text and "柳园街道" in text and "adjustments.csv row 2" in text, text
    # A month is all or nothing: the bad adjustment blocks the month before anything of it is stored.
    assert query(hotline_env["warehouse"], "SELECT count(*) FROM core.assignments") == [(0,)]
    assert query(hotline_env["warehouse"], "SELECT state FROM core.month_loads") == [("blocked",)]
    assert "adjustments_valid" in {name for name, c in checks.items() if not c.passed}
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert not [k for k in materialized if "report" in "/".join(k)], materialized


def test_an_unreadable_number_in_adjustments_is_the_one_fault_listed_for_the_file(hotline_env):
    _month(hotline_env, "unit_spaces.csv")
    path = hotline_env["data"] / "months" / MONTH / "adjustments.csv"
    helpers.write_csv(
        path,
        [
            {"单位名称": "柳园街道", "减分项": "零点五", "质效": "0", "抽测排名": "1"},
            {"单位名称": "新区街道", "减分项": "0", "质效": "0", "抽测排名": "2"},
        ],
        headers=["单位名称", "减分项", "质效", "抽测排名"],
    )
    result = helpers.materialize_months(MONTH, selection=AssetSelection.all(), raise_on_error=False)
    assert not result.success
    faults = query(
        hotline_env["warehouse"], "SELECT source_file, row_number, column_name, value, reason FROM core.blocked_faults"
    )
    ours = [f for f in faults if f[0].endswith("adjustments.csv")]
    assert [(f[1], f[2], f[3]) for f in ours] == [(2, "减分项", "零点五")], faults
    # The ranks are judged once the file reads: no ranked unit is listed as missing because of it.
    assert not [f for f in faults if "no row for the unit" in f[4]], faults
    assert query(hotline_env["warehouse"], "SELECT count(*) FROM core.assignments") == [(0,)]


# --------------------------------------------------------------------------- size
def test_a_50_mb_export_loads_with_bounded_memory(tmp_path):
    """A 50 MB export is read and validated in a fresh process; its peak memory stays a small
    multiple of the file (no timing assertion)."""
    base = export_row("X", "柳园街道")
    rows = 190_000
    noise = pl.int_range(rows).hash(11).cast(pl.String)
    frame = pl.DataFrame({h: [base[h]] * rows for h in HEADERS}).with_columns(
        (pl.lit("L") + pl.int_range(rows).cast(pl.String)).alias("工单编号"),
        (pl.lit("幸福路") + noise.str.slice(0, 8) + pl.lit("号")).alias("诉求地址"),
        (pl.lit("反映小区路灯不亮、垃圾清运不及时，") + noise + pl.lit("，请尽快处理。")).alias("诉求内容"),
        pl.Series("承办单位", ["柳园街道", "新区街道", "区住建局"] * (rows // 3) + ["柳园街道"] * (rows % 3)),
    )
    path = tmp_path / "big.csv"
    frame.write_csv(path)
    size = path.stat().st_size
    assert size >= 50_000_000, size
    script = textwrap.dedent(f"""
        import resource, sys
        from datetime import date
        from pathlib import Path
        import polars as pl
        from hotline.contract.exports import read_export, validate_month
        from hotline.rules import load_rules
        from hotline.rules_model import typed_rules
        units = ["柳园街道", "新区街道", "区住建局"]
        names = pl.DataFrame({{"name": units, "unit": units, "unit_group": ["town", "town", "dept_large"]}})
        export = read_export(Path({str(path)!r}))
        rules = typed_rules(load_rules(Path("/nonexistent")))
        month = validate_month([export], rules, date(2024, 1, 25), date(2024, 2, 22), names)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(month.rows_in, month.rows.height, month.faults.height, peak)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=Path(__file__).parents[1]
    )
    assert done.returncode == 0, done.stderr
    rows_in, stored, faults, peak_kib = map(int, done.stdout.split())
    assert (rows_in, stored, faults) == (rows, rows, 0)
    assert peak_kib * 1024 < 20 * size, f"peak {peak_kib / 1024:.0f} MiB for a {size / 1e6:.0f} MB file"


# --------------------------------------------------------------------------- readers end to end
_CLEAN_MONTH: list = []


def _assignments(env) -> list[tuple]:
    """core.assignments of the month without where each row came from, and with the phone hash
    (keyed per test folder) left out."""
    columns = [
        c
        for (c,) in query(
            env["warehouse"],
            "SELECT column_name FROM information_schema.columns WHERE "
            "table_schema = 'core' AND table_name = 'assignments' ORDER BY ordinal_position",
        )
        if c not in ("source_file", "source_row", "caller_hash")
    ]
    return query(env["warehouse"], f"SELECT {', '.join(columns)} FROM core.assignments ORDER BY ALL")


@pytest.mark.parametrize("name", sorted(set(VARIANTS) - {"variant_clean.csv"}))
def test_a_month_from_each_readable_variant_stores_the_clean_months_assignments(hotline_env, name):
    if not _CLEAN_MONTH:  # the clean month, stored once
        _month(hotline_env, "variant_clean.csv")
        assert helpers.materialize_months(MONTH, selection=INGEST).success
        _CLEAN_MONTH.append(_assignments(hotline_env))
        (hotline_env["data"] / "months" / MONTH / "exports" / "variant_clean.csv").unlink()
    _month(hotline_env, name)
    assert helpers.materialize_months(MONTH, selection=INGEST).success
    got = _assignments(hotline_env)
    assert len(got) == 4
    assert got == _CLEAN_MONTH[0]
    assert query(
        hotline_env["warehouse"], "SELECT source_file, rows_in, rows_stored, rows_rejected FROM core.export_files"
    ) == [(name, 4, 4, 0)]


def test_a_short_row_is_a_row_fault_through_a_run_and_blocks_the_month(hotline_env):
    _month(hotline_env, "short_and_long_rows.csv")
    result = helpers.materialize_months(MONTH, selection=INGEST, raise_on_error=False)
    warehouse = hotline_env["warehouse"]
    assert query(warehouse, "SELECT row_number, column_name, value FROM core.blocked_faults ORDER BY 1") == [
        (3, "(row)", "21 cells"),
        (4, "(row)", "24 cells"),
    ]
    # a blocked month stores nothing: its attempt says rows in 4 = 2 acceptable + 2 rejected
    assert query(warehouse, "SELECT count(*) FROM core.assignments") == [(0,)]
    assert query(warehouse, "SELECT state, rows_in, rows_stored, rows_rejected FROM core.month_loads") == [
        ("blocked", 4, 2, 2)
    ]
    assert not helpers.check_evaluations(result)["no_rejected_rows"].passed


# --------------------------------------------------------------------------- discovery
def _folder_of_every_kind(exports: Path) -> None:
    """An exports folder holding every kind of entry a real one may hold."""
    exports.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXPORTS / "variant_excel97.xls", exports / "a_excel97.xls")
    shutil.copy(EXPORTS / "variant_unicode_text.txt", exports / "b_unicode.txt")
    (exports / "batch2").mkdir()
    shutil.copy(EXPORTS / "variant_tabs.tsv", exports / "batch2" / "c_tabs.tsv")
    (exports / "~$a_excel97.xlsx").write_bytes(b"lock")
    (exports / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (exports / ".~lock.a_excel97.xlsx#").write_text("user,host")


def test_discovery_reads_refuses_or_skips_every_entry_by_name(tmp_path):
    from hotline.contract.discovery import discover_exports

    exports = tmp_path / "exports"
    _folder_of_every_kind(exports)
    (exports / "说明.pdf").write_bytes(b"%PDF-1.4")
    (exports / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (exports / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    (exports / "loop.csv").symlink_to(exports / "loop.csv")
    (exports / "batch2" / "up").symlink_to(exports)
    found = discover_exports(exports)
    assert [found.name_of(p) for p in found.files] == ["a_excel97.xls", "b_unicode.txt", "batch2/c_tabs.tsv"]
    assert [(r.name, r.problem) for r in found.refused] == [
        ("batch2/up", f"is a link to the folder {exports.resolve()}, which contains it (a loop)"),
        ("gone.csv", f"is a link to {tmp_path / 'nowhere.csv'}, which does not exist (a dangling link)"),
        ("loop.csv", "is a link that leads back to itself (a loop)"),
        ("说明.pdf", "has the unsupported type '.pdf'"),
    ]
    assert found.notes == [
        ".DS_Store: skipped, a hidden file (its name starts with a dot), not an export",
        ".~lock.a_excel97.xlsx#: skipped, a hidden file (its name starts with a dot), not an export",
        "Thumbs.db: skipped, left by a file manager (Windows or macOS), not an export",
        "~$a_excel97.xlsx: skipped, an Excel lock file (the workbook was open when the folder was copied), "
        "not an export",
    ]
    message = str(found.fault())
    assert message.startswith(f"{exports}: holds 4 files that cannot be read as exports (batch2/up: "), message
    assert "Exports must be .xlsx, .xls, .csv, .tsv or .txt files" in message


def test_validate_and_run_see_the_same_files(hotline_env):
    """A month of a .xls, a UTF-16 .txt, a .tsv in a subfolder and a dangling link: validate names
    each; the run stops naming the link and stores nothing; without the link, the run stores every
    readable file's rows, with the counts validate gave."""
    write_reference(hotline_env["data"], ROSTER, calendar=CALENDAR)
    exports = hotline_env["data"] / "months" / MONTH / "exports"
    _folder_of_every_kind(exports)
    # the three files carry the same orders: one month of three re-exports of it
    (exports / "d_link.csv").symlink_to(hotline_env["data"] / "missing.csv")
    # an export left beside exports/, not in it: a run never reads it, so validate does not judge it
    shutil.copy(EXPORTS / "short_and_long_rows.csv", exports.parent / "stray.csv")
    cli = [sys.executable, "-m", "pipelines.cli"]
    done = subprocess.run(
        [*cli, "validate", str(hotline_env["data"] / "months" / MONTH)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert f"ok      {exports / 'a_excel97.xls'} (4 rows, xls)" in out
    assert f"ok      {exports / 'b_unicode.txt'} (4 rows, utf-16-le)" in out
    assert f"ok      {exports / 'batch2' / 'c_tabs.tsv'} (4 rows, utf-8)" in out
    missing = hotline_env["data"] / "missing.csv"
    assert f"FAULT   {exports / 'd_link.csv'}: is a link to {missing}, which does not exist" in out
    assert f"note    {exports}/~$a_excel97.xlsx: skipped, an Excel lock file" in out
    assert f"note    {exports}/.DS_Store: skipped, a hidden file" in out
    assert f"note    {exports.parent / 'stray.csv'}: not read by a run" in out
    assert "hotline validate: 4 file(s) checked, 1 fault(s)" in out
    assert "Traceback" not in done.stdout + done.stderr

    result = helpers.materialize_months(MONTH, selection=INGEST, raise_on_error=False)
    assert not result.success
    assert f"{exports / 'd_link.csv'}: is a link to" in failure_messages(result)
    assert query(hotline_env["warehouse"], "SELECT count(*) FROM core.export_files") == [(0,)]

    (exports / "d_link.csv").unlink()
    result = helpers.materialize_months(MONTH, selection=INGEST)
    assert result.success
    warehouse = hotline_env["warehouse"]
    assert query(warehouse, "SELECT source_file, encoding, rows_in FROM core.export_files ORDER BY 1") == [
        ("a_excel97.xls", "xls", 4),
        ("b_unicode.txt", "utf-16-le", 4),
        ("batch2/c_tabs.tsv", "utf-8", 4),
    ]
    assert query(warehouse, "SELECT count(*) FROM core.assignments") == [(4,)]
    assert query(warehouse, "SELECT count(*), count(*) FILTER (fault) FROM core.rejected_rows") == [(8, 0)]
    notes = (
        next(e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"])
        .materialization.metadata["reader notes"]
        .value
    )
    assert "2024-02 exports/~$a_excel97.xlsx: skipped, an Excel lock file" in notes
    assert "2024-02 exports/.DS_Store: skipped, a hidden file" in notes


def test_the_sensor_hashes_the_files_the_run_reads_subfolders_and_refused_links_included(tmp_path):
    from pipelines.sensors import month_content_hash, month_input_files

    month_dir = tmp_path / "months" / MONTH
    _folder_of_every_kind(month_dir / "exports")
    assert [p.relative_to(month_dir).as_posix() for p in month_input_files(month_dir)] == [
        "exports/a_excel97.xls",
        "exports/b_unicode.txt",
        "exports/batch2/c_tabs.tsv",
    ]
    before = month_content_hash(month_dir)
    (month_dir / "exports" / "~$b.xlsx").write_bytes(b"another lock")
    assert month_content_hash(month_dir) == before
    (month_dir / "exports" / "batch2" / "c_tabs.tsv").write_bytes(b"changed")
    changed = month_content_hash(month_dir)
    assert changed != before
    (month_dir / "exports" / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    assert month_content_hash(month_dir) not in (before, changed)
