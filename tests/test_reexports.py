"""Re-exports decided by content, never by modification times: among rows of the same (order,
unit) from different files, identical rows are kept once, a row that completes another replaces
it whichever file it came from, and rows that truly conflict are listed (both files and rows) in
a warning check and the run's output, the later export by file name winning. Copying the folder
or touching the files never changes a number. Real CSV files, real Dagster runs, real DuckDB."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster import AssetSelection

from tests import helpers
from tests.helpers import check_evaluations, export_row, query, town, write_csv, write_reference

MONTH = "2024-02"
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
ROSTER = [town("柳园街道"), town("新区街道")]
INGEST = AssetSelection.groups("reference", "ingest")
TABLES = {
    "core.assignments": "SELECT * EXCLUDE (caller_hash) FROM core.assignments ORDER BY order_id, unit",
    "core.rejected_rows": "SELECT * FROM core.rejected_rows ORDER BY source_file, row_number",
    "core.export_files": "SELECT * EXCLUDE (sha256) FROM core.export_files ORDER BY source_file",
}


def _callbacks(i: int) -> dict:
    return {"解决情况": ["已解决", "未解决", "基本解决"][i % 3], "满意度": ["满意", "不满意", "基本满意", "90"][i % 4]}


def complete_rows() -> list[dict]:
    """Twelve orders, each with its callback and closing time."""
    return [export_row(f"A{i:02d}", ROSTER[i % 2]["单位名称"], **_callbacks(i)) for i in range(12)]


def stale_rows() -> list[dict]:
    """The same orders exported before the callbacks: 解决情况, 满意度 and 办结时间 still empty for
    eight of them (the rest identical)."""
    rows = complete_rows()
    for row in rows[:8]:
        row.update(解决情况="", 满意度="", 办结时间="")
    return rows


def _setup(env, files: dict[str, list[dict]]) -> Path:
    write_reference(env["data"], ROSTER, calendar=CALENDAR)
    helpers.write_adjustments(env["data"], MONTH, [u["单位名称"] for u in ROSTER])
    exports = env["data"] / "months" / MONTH / "exports"
    for name, rows in files.items():
        write_csv(exports / name, rows)
    return exports


def _tables(env) -> dict[str, list[tuple]]:
    return {table: query(env["warehouse"], sql) for table, sql in TABLES.items()}


def _set_mtimes(exports: Path, names_oldest_first: list[str]) -> None:
    for i, name in enumerate(names_oldest_first):
        os.utime(exports / name, (1_700_000_000 + 100 * i, 1_700_000_000 + 100 * i))


def test_a_stale_export_copied_in_last_never_blanks_callbacks(hotline_env):
    """Finding 8: the stale copy, newest by modification time, used to replace 8 callbacks with
    blanks ("replaced" either way). Its rows are completed by the later callbacks instead."""
    exports = _setup(hotline_env, {"回访后.csv": complete_rows(), "回访前.csv": stale_rows()})
    _set_mtimes(exports, ["回访后.csv", "回访前.csv"])  # the stale one written last
    result = helpers.materialize_months(MONTH, selection=INGEST)
    assert result.success
    credits = query(
        hotline_env["warehouse"],
        "SELECT count(resolution_credit), count(satisfaction_credit), count(completed_at) FROM core.assignments",
    )
    assert credits == [(12, 12, 12)]
    # 8 stale rows completed by 回访后.csv; 4 identical rows kept once (from the later name, 回访后)
    files = query(
        hotline_env["warehouse"],
        "SELECT source_file, rows_in, rows_stored, rows_rejected, rows_replaced, "
        "rows_replacing, rows_in_conflict FROM core.export_files ORDER BY source_file",
    )
    assert files == [("回访前.csv", 12, 0, 0, 12, 0, 0), ("回访后.csv", 12, 12, 0, 0, 12, 0)]
    reasons = query(
        hotline_env["warehouse"],
        "SELECT source_file, row_number, fault, reason FROM core.rejected_rows ORDER BY source_file, row_number",
    )
    assert reasons[0] == (
        "回访前.csv",
        2,
        False,
        "completed by the export 回访后.csv (row 2), which has values where this row is empty",
    )
    assert reasons[-1] == ("回访前.csv", 13, False, "the same row again in the export 回访后.csv (row 13): kept once")
    assert len(reasons) == 12
    assert check_evaluations(result)["reexports_agree"].passed


def test_touching_copying_or_reversing_mtimes_changes_no_number(hotline_env, tmp_path):
    conflicting = complete_rows()
    conflicting[9]["满意度"] = "非常不满意"  # a true conflict too: its outcome must not depend on mtimes either
    exports = _setup(hotline_env, {"a.csv": stale_rows(), "b.csv": conflicting})
    _set_mtimes(exports, ["a.csv", "b.csv"])
    assert helpers.materialize_months(MONTH, selection=INGEST).success
    first = _tables(hotline_env)
    _set_mtimes(exports, ["b.csv", "a.csv"])
    assert helpers.materialize_months(MONTH, selection=INGEST).success
    assert _tables(hotline_env) == first
    # A copy of the folder (new modification times, in whatever order the copy wrote them).
    copy = tmp_path / "copy"
    shutil.copytree(exports, copy)
    shutil.rmtree(exports)
    shutil.copytree(copy, exports, copy_function=shutil.copy)
    assert helpers.materialize_months(MONTH, selection=INGEST).success
    assert _tables(hotline_env) == first
    assert len(first["core.assignments"]) == 12


def test_true_conflicts_warn_with_both_files_and_rows_and_the_later_name_wins(hotline_env):
    earlier = complete_rows()
    later = complete_rows()
    later[3].update(满意度="非常不满意", 解决情况="未解决")  # row 5 of each file
    earlier[6].update(解决情况="")  # each of the two rows has a value the other lacks: a conflict too
    later[6].update(满意度="")
    _setup(hotline_env, {"导出_1.csv": earlier, "导出_2.csv": later})
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH],
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=hotline_env["data"].parent,
        timeout=600,
    )
    # a warning, not a block: the month runs through
    assert "warning: check reexports_agree ×1: 2 re-exported row(s) conflict" in done.stdout, done.stdout
    assert "导出_1.csv row 5 ↔ 导出_2.csv row 5 (解决情况、满意度)" in done.stdout
    assert "导出_1.csv row 8 ↔ 导出_2.csv row 8 (满意度)" in done.stdout
    got = query(
        hotline_env["warehouse"],
        "SELECT order_id, source_file, resolution_result, satisfaction_result "
        "FROM core.assignments WHERE order_id IN ('A03', 'A06') ORDER BY order_id",
    )
    assert got == [("A03", "导出_2.csv", "未解决", "非常不满意"), ("A06", "导出_2.csv", "已解决", None)]
    files = query(
        hotline_env["warehouse"],
        "SELECT source_file, rows_replaced, rows_replacing, rows_in_conflict "
        "FROM core.export_files ORDER BY source_file",
    )
    assert files == [("导出_1.csv", 12, 0, 2), ("导出_2.csv", 0, 12, 2)]
    reason = query(hotline_env["warehouse"], "SELECT reason FROM core.rejected_rows WHERE row_number = 5")
    assert reason == [
        (
            "conflicts with the export 导出_2.csv (row 5) on 解决情况、满意度: the later export (by file "
            "name), 导出_2.csv, is kept; check which is right",
        )
    ]
    # hotline validate says the same before anything is loaded
    checked = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "validate", str(hotline_env["data"] / "months" / MONTH / "exports")],
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=hotline_env["data"].parent,
        timeout=600,
    )
    assert "导出_1.csv row 5 conflicts with 导出_2.csv row 5 on 解决情况、满意度" in checked.stdout, checked.stdout


def test_the_warning_check_is_in_the_run_and_does_not_block(hotline_env):
    later = complete_rows()
    later[0]["满意度"] = "非常不满意"
    _setup(hotline_env, {"x.csv": complete_rows(), "y.csv": later})
    result = helpers.materialize_months(MONTH, selection=INGEST)
    assert result.success
    check = check_evaluations(result)["reexports_agree"]
    assert not check.passed and check.severity.value == "WARN"
    assert check.metadata["conflicting rows"].value == 1
    table = check.metadata["conflicts"].value
    assert "| 2024-02 | x.csv | 2 | y.csv | 2 | 满意度 |" in table, table
    assert check_evaluations(result)["no_rejected_rows"].passed
