"""Ingest through real Dagster runs on real files and a real DuckDB warehouse."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import AssetSelection

from tests import helpers
from tests.helpers import (
    check_evaluations,
    dept,
    export_row,
    failure_messages,
    query,
    town,
    write_csv,
    write_reference,
    write_xlsx,
)

MONTH = "2024-02"
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
ROSTER = [town("柳园街道", 别名="区柳园街道"), town("新区街道"), dept("区住建局"), dept("区税务局")]


INGEST = AssetSelection.groups("reference", "ingest")


def materialize_months(month, selection=INGEST, raise_on_error=True):
    """The reference and ingest assets only: these tests are about getting rows in."""
    return helpers.materialize_months(month, selection=selection, raise_on_error=raise_on_error)


def exports_dir(env, month=MONTH) -> Path:
    return env["data"] / "months" / month / "exports"


def setup_month(env, rows, name="export.csv", encoding="utf-8", calendar=CALENDAR):
    write_reference(env["data"], ROSTER, calendar=calendar)
    path = exports_dir(env) / name
    if name.endswith(".xlsx"):
        return write_xlsx(path, rows)
    return write_csv(path, rows, encoding=encoding)


def stored(env, sql, params=None):
    return query(env["warehouse"], sql, params)


@pytest.mark.parametrize(
    "name,encoding",
    [("e.csv", "utf-8"), ("e.csv", "utf-8-sig"), ("e.csv", "gbk"), ("e.csv", "gb18030"), ("e.xlsx", None)],
)
def test_each_encoding_and_xlsx_loads_the_same_rows(hotline_env, name, encoding):
    rows = [
        export_row("A1", "柳园街道", 受理渠道="微信", 诉求地址="东盛嘉华苑小区"),
        export_row("A2", "区住建局", 满意度="基本满意"),
    ]
    setup_month(hotline_env, rows, name=name, encoding=encoding)
    assert materialize_months(MONTH).success
    got = stored(
        hotline_env,
        "SELECT order_id, unit, channel, address, satisfaction_credit, source_file, source_row "
        "FROM core.assignments ORDER BY order_id",
    )
    assert [(r[0], r[1], r[2], r[3], float(r[4]), r[5], r[6]) for r in got] == [
        ("A1", "柳园街道", "微信", "东盛嘉华苑小区", 1.0, name, 2),
        ("A2", "区住建局", "来电", "聚鑫苑小区", 0.8, name, 3),
    ]
    expected_encoding = "xlsx" if encoding is None else {"gbk": "gb18030"}.get(encoding, encoding)
    assert stored(hotline_env, "SELECT encoding FROM core.export_files") == [(expected_encoding,)]


def test_several_files_and_a_reexport_replacing_older_rows(hotline_env):
    setup_month(
        hotline_env,
        [export_row("A1", "柳园街道", 解决情况="", 满意度=""), export_row("A2", "新区街道")],
        name="first.csv",
    )
    newer = write_csv(
        exports_dir(hotline_env) / "second.csv",
        [export_row("A1", "柳园街道", 解决情况="未解决", 满意度="不满意"), export_row("A3", "区税务局")],
        encoding="gb18030",
    )
    os.utime(exports_dir(hotline_env) / "first.csv", (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_700_000_100, 1_700_000_100))
    result = materialize_months(MONTH)
    assert result.success
    got = stored(
        hotline_env, "SELECT order_id, source_file, resolution_credit FROM core.assignments ORDER BY order_id"
    )
    assert [(r[0], r[1], None if r[2] is None else float(r[2])) for r in got] == [
        ("A1", "second.csv", 0.0),
        ("A2", "first.csv", 1.0),
        ("A3", "second.csv", 1.0),
    ]
    assert stored(hotline_env, "SELECT source_file, row_number, fault, reason FROM core.rejected_rows") == [
        ("first.csv", 2, False, "completed by the export second.csv (row 2), which has values where this row is empty")
    ]
    files = stored(
        hotline_env,
        "SELECT source_file, rows_in, rows_stored, rows_rejected, rows_replaced FROM core.export_files ORDER BY "
        "source_file",
    )
    assert files == [("first.csv", 2, 1, 0, 1), ("second.csv", 2, 2, 0, 0)]
    materialization = next(
        e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"]
    ).materialization
    assert materialization.metadata["rows_replaced"].value == 1
    assert materialization.metadata["every row accounted for"].value is True


ROW_FAULTS = [
    ("unparsable date", {"派单时间": "2024-02-31 08:00"}, "派单时间", "not a date and time"),
    (
        "outside the window",
        {"受理时间": "2024-02-23 08:00:00", "派单时间": "2024-02-23 08:00:00"},
        "受理时间",
        "window 2024-01-25..2024-02-22",
    ),
    ("unknown unit", {"承办单位": "区不存在局"}, "承办单位", "not in the roster"),
    ("value outside its set", {"诉求类型": "吐槽"}, "诉求类型", "诉求类型 must be one of"),
    ("flag not 是/否", {"是否按时签收": "也许"}, "是否按时签收", "must be 是 or 否"),
    ("satisfaction above 100", {"满意度": "120"}, "满意度", "满意度 must be one of"),
    ("unknown resolution label", {"解决情况": "差不多"}, "解决情况", "解决情况 must be one of"),
    ("missing required value", {"诉求分类": ""}, "诉求分类", "required value is empty"),
]


@pytest.mark.parametrize("case,fields,column,reason", ROW_FAULTS, ids=[c[0] for c in ROW_FAULTS])
def test_row_fault_rejects_the_row_names_it_and_blocks(hotline_env, case, fields, column, reason):
    setup_month(hotline_env, [export_row("A1", "柳园街道"), export_row("A2", "新区街道", **fields)])
    write_csv(
        hotline_env["data"] / "months" / MONTH / "adjustments.csv",
        [
            {"单位名称": "柳园街道", "减分项": "0", "质效": "0", "抽测排名": "1"},
            {"单位名称": "新区街道", "减分项": "0", "质效": "0", "抽测排名": "2"},
        ],
    )
    result = materialize_months(MONTH, selection=AssetSelection.all(), raise_on_error=False)
    assert not result.success
    check = check_evaluations(result)["no_rejected_rows"]
    assert not check.passed and check.metadata["rejected rows"].value == 1
    rejected = stored(hotline_env, "SELECT source_file, row_number, column_name, reason FROM core.blocked_faults")
    assert len(rejected) == 1
    file, row, col, why = rejected[0]
    assert (file, row, col) == ("export.csv", 3, column)
    assert reason in why
    assert "export.csv" in check.metadata["faults"].value and column in check.metadata["faults"].value
    # A month is all or nothing: the blocked attempt stores none of its rows, and says so.
    assert stored(hotline_env, "SELECT count(*) FROM core.assignments") == [(0,)]
    assert stored(
        hotline_env, "SELECT state, rows_in, rows_stored, rows_rejected, faults, reason FROM core.month_loads"
    ) == [("blocked", 2, 1, 1, 1, "2024-02 is blocked (1 rejected row(s))")]
    # The check blocks everything downstream of the ingest.
    assert not [e for e in result.get_asset_materialization_events() if e.asset_key.path[0] == "mart"]


def test_rows_of_one_order_that_disagree_are_rejected_together(hotline_env):
    setup_month(
        hotline_env,
        [
            export_row("A1", "柳园街道", 受理渠道="来电"),
            export_row("A1", "区住建局", 受理渠道="微信"),
            export_row("A2", "新区街道"),
        ],
    )
    result = materialize_months(MONTH, raise_on_error=False)
    assert not result.success
    rejected = stored(hotline_env, "SELECT row_number, column_name FROM core.blocked_faults ORDER BY row_number")
    assert rejected == [(2, "受理渠道"), (3, "受理渠道")]
    assert stored(hotline_env, "SELECT order_id FROM core.assignments") == []


def test_the_same_order_and_unit_twice_in_one_file_is_a_fault(hotline_env):
    setup_month(hotline_env, [export_row("A1", "柳园街道"), export_row("A1", "柳园街道")])
    assert not materialize_months(MONTH, raise_on_error=False).success
    assert stored(hotline_env, "SELECT row_number, reason FROM core.blocked_faults") == [
        (3, "the same order and unit appear again in this file (first at row 2)")
    ]


@pytest.mark.parametrize(
    "content,problem",
    [
        (b"\x81\x30\xff\xfe\xfa" * 50, "unknown text encoding"),
        ("工单编号,受理时间\nA1,2024-02-01 08:00\n".encode(), "missing required column(s) 受理渠道"),
        (b"", "is empty"),
        (
            ",".join(
                [
                    "工单编号",
                    "受理时间",
                    "受理渠道",
                    "诉求类型",
                    "诉求分类",
                    "承办单位",
                    "派单时间",
                    "是否按时签收",
                    "是否按时办结",
                ]
            ).encode()
            + b"\n",
            "has a header but no rows",
        ),
    ],
    ids=["unknown encoding", "missing column", "empty file", "header only"],
)
def test_file_fault_fails_the_run_names_the_file_and_leaves_the_warehouse_unchanged(hotline_env, content, problem):
    setup_month(hotline_env, [export_row("A1", "柳园街道")], name="good.csv")
    assert materialize_months(MONTH).success
    before = stored(hotline_env, "SELECT * FROM core.assignments")
    (exports_dir(hotline_env) / "bad.csv").write_bytes(content)
    result = materialize_months(MONTH, raise_on_error=False)
    assert not result.success
    message = failure_messages(result)
    assert "bad.csv" in message and problem in message
    assert stored(hotline_env, "SELECT * FROM core.assignments") == before
    assert stored(hotline_env, "SELECT source_file FROM core.export_files") == [("good.csv",)]


def test_duplicated_header_is_a_file_fault(hotline_env):
    setup_month(hotline_env, [export_row("A1", "柳园街道")])
    path = exports_dir(hotline_env) / "export.csv"
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + ",承办单位\n" + lines[1] + ",新区街道\n")
    result = materialize_months(MONTH, raise_on_error=False)
    assert "the column 「承办单位」 appears twice" in failure_messages(result)


def test_extra_columns_are_reported_once_and_not_stored(hotline_env):
    setup_month(hotline_env, [{**export_row("A1", "柳园街道"), "坐席工号": "007"}])
    result = materialize_months(MONTH)
    meta = next(
        e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"]
    ).materialization.metadata
    assert meta["unknown columns (not stored)"].value == "坐席工号"
    columns = {
        r[0]
        for r in stored(
            hotline_env, "SELECT column_name FROM information_schema.columns WHERE table_name = 'assignments'"
        )
    }
    assert "坐席工号" not in columns


def test_default_window_rule_and_calendar_override(hotline_env):
    # 2024-03 is not listed: 2024-02-23 .. 2024-03-22 by the default rule.
    write_reference(hotline_env["data"], ROSTER, calendar=CALENDAR)
    write_csv(
        exports_dir(hotline_env, "2024-03") / "e.csv",
        [
            export_row("M1", "柳园街道", 受理时间="2024-02-23 00:00:00"),
            export_row("M2", "柳园街道", 受理时间="2024-03-22 23:59:59"),
            export_row("M3", "柳园街道", 受理时间="2024-03-23 00:00:00"),
        ],
    )
    materialize_months("2024-03", raise_on_error=False)
    assert stored(hotline_env, "SELECT window_start::VARCHAR, window_end::VARCHAR, days, source FROM ref.months") == [
        ("2024-02-23", "2024-03-22", 29, "default rule")
    ]
    # M3 is outside the window: the month is blocked and stores nothing; the fault names the row.
    assert stored(hotline_env, "SELECT order_id FROM core.assignments ORDER BY 1") == []
    assert stored(hotline_env, "SELECT rows_stored, rows_rejected FROM core.month_loads") == [(2, 1)]
    assert stored(hotline_env, "SELECT row_number FROM core.blocked_faults") == [(4,)]
    # 2024-02 is listed: 2024-01-25 .. 2024-02-22 (29 days).
    write_csv(exports_dir(hotline_env) / "e.csv", [export_row("F1", "柳园街道", 受理时间="2024-01-25 00:00:01")])
    assert materialize_months(MONTH).success
    assert stored(hotline_env, "SELECT days, source FROM ref.months WHERE month = '2024-02'") == [(29, "calendar.csv")]


@pytest.mark.parametrize(
    "calendar,words",
    [
        ([("2024-02", "2024-01-20", "2024-02-22")], ["2024-01", "2024-02", "overlap"]),
        ([("2024-02", "2024-01-25", "2024-02-22")], ["2024-01", "2024-02", "gap"]),
    ],
    ids=["overlap", "gap"],
)
def test_calendar_overlap_or_gap_is_an_error_naming_both_months(hotline_env, calendar, words):
    setup_month(hotline_env, [export_row("A1", "柳园街道")], calendar=calendar)
    result = materialize_months(MONTH, raise_on_error=False)
    message = failure_messages(result)
    assert all(w in message for w in words), message


def test_aliases_resolve_to_roster_names(hotline_env):
    setup_month(hotline_env, [export_row("A1", "区柳园街道"), export_row("A2", "柳园街道")])
    assert materialize_months(MONTH).success
    assert stored(
        hotline_env, "SELECT order_id, unit, unit_as_written, unit_group FROM core.assignments ORDER BY 1"
    ) == [("A1", "柳园街道", "区柳园街道", "town"), ("A2", "柳园街道", "柳园街道", "town")]


def _snapshot(env):
    return {
        t: stored(env, f"SELECT * FROM {t} ORDER BY ALL")
        for t in (
            "core.assignments",
            "core.rejected_rows",
            "core.export_files",
            "ref.units",
            "ref.months",
            "ref.hotspots",
        )
    }


def test_rerunning_a_month_gives_identical_tables_and_leaves_other_months_alone(hotline_env):
    setup_month(hotline_env, [export_row("A1", "柳园街道"), export_row("A2", "区住建局")])
    write_csv(
        exports_dir(hotline_env, "2024-01") / "jan.csv", [export_row("J1", "新区街道", 受理时间="2024-01-10 10:00:00")]
    )
    assert materialize_months("2024-01").success
    assert materialize_months(MONTH).success
    first = _snapshot(hotline_env)
    assert materialize_months(MONTH).success
    assert _snapshot(hotline_env) == first
    assert stored(hotline_env, "SELECT month, count(*) FROM core.assignments GROUP BY 1 ORDER BY 1") == [
        ("2024-01", 1),
        ("2024-02", 2),
    ]


def test_suspicious_rows_are_kept_and_flagged(hotline_env):
    setup_month(
        hotline_env,
        [
            export_row("A1", "柳园街道", 派单时间="2024-02-01 09:00:00", 办结时间="2024-02-01 08:00:00"),
            export_row("A2", "柳园街道", 派单时间="2024-02-01 09:00:00", 签收时间="2024-02-01 08:59:00"),
            export_row("A3", "柳园街道", 派单时间="2024-02-01 09:00:00", 办结时间="2024-02-01 09:03:00"),
            export_row("A4", "柳园街道", 办结时间=""),
        ],
    )
    result = materialize_months(MONTH)
    assert result.success
    flags = stored(
        hotline_env,
        "SELECT order_id, flag_completed_before_dispatch, flag_signed_before_dispatch, flag_fast_close, "
        "flag_callback_while_open FROM core.assignments ORDER BY 1",
    )
    assert flags == [
        ("A1", True, False, False, False),
        ("A2", False, True, False, False),
        ("A3", False, False, True, False),
        ("A4", False, False, False, True),
    ]
    meta = next(
        e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"]
    ).materialization.metadata
    assert meta["suspicious rows (kept, flagged)"].value[MONTH] == {
        "签收时间 before 派单时间": 1,
        "办结时间 before 派单时间": 1,
        "closed within minutes of dispatch": 1,
        "callback on an order still open": 1,
    }


PHONES = ["13912345678", "15800001234"]
NAMES = ["欧阳娜娜", "司马相如"]


def test_personal_data_never_reaches_the_warehouse(hotline_env):
    setup_month(
        hotline_env,
        [
            export_row(
                "A1", "柳园街道", 来电人=NAMES[0], 联系电话=PHONES[0], 诉求内容=f"我是{NAMES[0]}，电话{PHONES[0]}"
            ),
            export_row("A2", "新区街道", 来电人=NAMES[1], 联系电话=PHONES[1], 诉求地址=f"幸福小区3号楼 {PHONES[1]}"),
            export_row("A3", "新区街道", 来电人=NAMES[0], 联系电话=PHONES[0]),
        ],
    )
    assert materialize_months(MONTH).success
    # Every text value of every table, through SQL (compression can hide a string from a byte scan) ...
    con = duckdb.connect(str(hotline_env["warehouse"]), read_only=True)
    texts = []
    for schema, table, column in con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'VARCHAR[]')"
    ).fetchall():
        texts += [str(v[0]) for v in con.execute(f'SELECT "{column}" FROM {schema}.{table}').fetchall()]
    con.close()
    blob = "\n".join(texts)
    for secret in PHONES + NAMES + ["我是"]:
        assert secret not in blob, secret
    # ... and the file's bytes, in the encodings a reader might try.
    raw = hotline_env["warehouse"].read_bytes()
    for secret in PHONES + NAMES:
        for encoding in ("utf-8", "utf-16-le", "gb18030"):
            assert secret.encode(encoding) not in raw
    # A repeat caller is still countable through the keyed hash, and the address is masked.
    hashes = stored(hotline_env, "SELECT order_id, caller_hash, address FROM core.assignments ORDER BY 1")
    assert hashes[0][1] == hashes[2][1] != hashes[1][1]
    assert hashes[1][2] == "幸福小区3号楼 [电话已隐去]"
    assert hotline_env["key"].exists() and not hotline_env["key"].is_relative_to(hotline_env["data"])


def test_phone_key_inside_the_data_folder_is_refused(hotline_env, monkeypatch):
    monkeypatch.setenv("HOTLINE_PHONE_KEY_FILE", str(hotline_env["data"] / "key"))
    setup_month(hotline_env, [export_row("A1", "柳园街道")])
    result = materialize_months(MONTH, raise_on_error=False)
    assert "is inside the data folder" in failure_messages(result)


def _hotline(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=env["data"].parent,
        timeout=300,
    )


def test_cli_validate_lists_every_fault_and_exits_nonzero(hotline_env):
    setup_month(
        hotline_env,
        [
            export_row("A1", "柳园街道"),
            export_row("A2", "区不存在局"),
            export_row("A3", "新区街道", 诉求类型="吐槽", 派单时间="昨天"),
        ],
    )
    bad = _hotline("validate", str(exports_dir(hotline_env)), env=hotline_env)
    assert bad.returncode == 1
    assert "export.csv row 3, column 承办单位" in bad.stdout
    assert "export.csv row 4, column 诉求类型" in bad.stdout
    assert "export.csv row 4, column 派单时间" in bad.stdout
    assert "3 fault(s)" in bad.stdout
    write_csv(exports_dir(hotline_env) / "export.csv", [export_row("A1", "柳园街道")])
    good = _hotline("validate", str(hotline_env["data"]), env=hotline_env)
    assert good.returncode == 0, good.stdout
    assert "0 fault(s)" in good.stdout
    assert stored_tables(hotline_env) == 0  # validate loads nothing


def stored_tables(env) -> int:
    return int(env["warehouse"].exists())


def test_cli_run_materializes_a_month_and_reports_failures(hotline_env):
    setup_month(hotline_env, [export_row("A1", "柳园街道"), export_row("A2", "区住建局")])
    write_csv(
        hotline_env["data"] / "months" / MONTH / "adjustments.csv",
        [
            {"单位名称": "柳园街道", "减分项": "0", "质效": "2", "抽测排名": "1"},
            {"单位名称": "区住建局", "减分项": "-0.5", "质效": "0", "抽测排名": ""},
        ],
    )
    done = _hotline("run", MONTH, env=hotline_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "run succeeded" in done.stdout
    assert stored(hotline_env, "SELECT count(*) FROM core.assignments") == [(2,)]
    # the run is recorded in the persistent instance the UI reads
    assert any((hotline_env["dagster_home"]).rglob("*.db"))
    (exports_dir(hotline_env) / "export.csv").write_bytes(b"")
    failed = _hotline("run", MONTH, env=hotline_env)
    assert failed.returncode == 1
    assert "export.csv: is empty" in failed.stdout
