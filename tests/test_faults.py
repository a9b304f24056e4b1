"""Real faults around a run: a disk that fills up while the warehouse is written, and a reports
folder that cannot be written. (Killed runs and a locked warehouse are tested with concurrency.)"""

import subprocess
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import AssetSelection

from tests import helpers
from tests.helpers import HEADERS, dept, export_row, failure_messages, query, town, write_csv, write_reference

MONTH = "2024-02"
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
ROSTER = [town("柳园街道"), town("新区街道"), dept("区住建局")]
INGEST = AssetSelection.groups("reference", "ingest")


@contextmanager
def small_filesystem(where: Path, size: str):
    """A real tmpfs of ``size`` mounted at ``where`` (needs root and CAP_SYS_ADMIN)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}); the full-disk test needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def big_export(path: Path, rows: int) -> Path:
    """``rows`` valid rows, written with polars (fast), in the contract's format."""
    base = export_row("X", "柳园街道")
    # Random order numbers and addresses: the warehouse compresses repeated values very well.
    noise = pl.int_range(rows).hash(7).cast(pl.String)
    frame = pl.DataFrame({h: [base[h]] * rows for h in HEADERS}).with_columns(
        (pl.lit("B") + noise).alias("工单编号"),
        (pl.lit("幸福路") + noise.str.slice(0, 12) + pl.lit("号") + noise.str.reverse()).alias("诉求地址"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)
    return path


def test_a_full_disk_while_storing_keeps_the_previous_rows_and_says_so(hotline_env, tmp_path, monkeypatch):
    mount = tmp_path / "small_disk"
    with small_filesystem(mount, "4M"):
        warehouse = mount / "warehouse.duckdb"
        monkeypatch.setenv("HOTLINE_WAREHOUSE", str(warehouse))
        write_reference(hotline_env["data"], ROSTER, calendar=CALENDAR)
        exports = hotline_env["data"] / "months" / MONTH / "exports"
        write_csv(exports / "export.csv", [export_row("A1", "柳园街道"), export_row("A2", "区住建局")])
        assert helpers.materialize_months(MONTH, selection=INGEST).success
        before = query(warehouse, "SELECT * FROM core.assignments ORDER BY ALL")
        assert len(before) == 2
        used = sum(f.stat().st_size for f in mount.iterdir())
        print(f"warehouse after the first run: {used} bytes on a 4 MiB disk")
        # A re-export far larger than the space left on the disk.
        big_export(exports / "export.csv", 100_000)
        result = helpers.materialize_months(MONTH, selection=INGEST, raise_on_error=False)
        assert not result.success
        message = failure_messages(result)
        assert "No space left on device" in message or "space" in message.lower(), message
        assert str(warehouse) in message, message
        assert "previous rows are kept" in message, message
        # The warehouse opens, and the month is as it was.
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            assert con.execute("SELECT * FROM core.assignments ORDER BY ALL").fetchall() == before
            assert con.execute("SELECT source_file, rows_in FROM core.export_files").fetchall() == [("export.csv", 2)]
        finally:
            con.close()


def _report_assets_present() -> bool:
    from pipelines.definitions import all_assets

    return any(
        key.path[0] == "report" or "report" in "/".join(key.path) for a in all_assets for key in getattr(a, "keys", [])
    )


def test_an_unwritable_reports_folder_fails_with_a_message_naming_it(hotline_env, monkeypatch):
    if not _report_assets_present():
        pytest.skip("the report assets are not in the definitions yet")
    # Root ignores file modes, so the reports folder is made impossible: its path runs through a file.
    blocker = hotline_env["data"].parent / "not_a_folder"
    blocker.write_text("a file, not a folder")
    reports = blocker / "reports"
    monkeypatch.setenv("HOTLINE_REPORTS_DIR", str(reports))
    write_reference(hotline_env["data"], ROSTER, calendar=CALENDAR)
    write_csv(
        hotline_env["data"] / "months" / MONTH / "exports" / "export.csv",
        [export_row("A1", "柳园街道"), export_row("A2", "新区街道"), export_row("A3", "区住建局")],
    )
    write_csv(
        hotline_env["data"] / "months" / MONTH / "adjustments.csv",
        [
            {"单位名称": "柳园街道", "减分项": "0", "质效": "0", "抽测排名": "1"},
            {"单位名称": "新区街道", "减分项": "0", "质效": "0", "抽测排名": "2"},
            {"单位名称": "区住建局", "减分项": "0", "质效": "0", "抽测排名": ""},
        ],
    )
    result = helpers.materialize_months(MONTH, raise_on_error=False)
    assert not result.success
    message = failure_messages(result)
    assert str(blocker) in message, message
    # The warehouse was written before the report: the month's data is there.
    assert query(hotline_env["warehouse"], "SELECT count(*) FROM core.assignments") == [(3,)]
