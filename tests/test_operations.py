"""Operating the pipeline: the monthly schedule over irregular windows, the arrival sensor keyed by
content, the freshness check, blocking checks that stop the report, asset metadata (owners,
descriptions, groups) and backfills through Dagster's own CLI."""

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetKey, DagsterInstance, build_schedule_context, build_sensor_context

from tests.helpers import export_row, query, town, write_csv, write_reference

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The seed's calendar: 2024-01 runs past the default 22nd (to 01-24), so 2024-02 starts 01-25.
SEED_CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
ADJ_HEADERS = ["单位名称", "减分项", "质效", "抽测排名"]


@pytest.fixture
def seed_calendar(hotline_env):
    write_reference(hotline_env["data"], [town("甲镇"), town("乙镇")], calendar=SEED_CALENDAR)
    return hotline_env


_INSTANCE = []


def tick(day: str, hour: int = 6):
    from pipelines.definitions import defs

    if not _INSTANCE:  # one ephemeral instance for all ticks: the schedule keeps no state in it
        _INSTANCE.append(DagsterInstance.ephemeral())
    schedule = defs.resolve_schedule_def("monthly_report_schedule")
    when = datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)
    context = build_schedule_context(
        instance=_INSTANCE[0], scheduled_execution_time=when, repository_def=defs.get_repository_def()
    )
    return schedule.evaluate_tick(context)


def requested(result) -> list[tuple[str, str]]:
    return [(r.partition_key, r.run_key) for r in (result.run_requests or [])]


# --------------------------------------------------------------------------- the schedule
def test_schedule_runs_february_2024_the_day_after_its_window_closes(seed_calendar):
    # 2024-02 = 2024-01-25 .. 2024-02-22: its run is due on 02-23, not on 02-22 or 03-01.
    assert requested(tick("2024-02-23")) == [("2024-02", "2024-02")]
    skipped = tick("2024-02-22")
    assert requested(skipped) == []
    assert "2024-02-21" in skipped.skip_message and "closes on 2024-02-22" in skipped.skip_message
    assert "due on 2024-02-23" in skipped.skip_message
    assert requested(tick("2024-03-01")) == []
    run = tick("2024-02-23").run_requests[0]
    assert run.tags["hotline/trigger"] == "schedule"
    assert "2024-01-25..2024-02-22" in run.tags["hotline/reason"]


def test_schedule_over_the_year_boundary_follows_the_irregular_january_window(seed_calendar):
    # 2023-12 follows the default rule (2023-11-23 .. 2023-12-22); 2024-01 ends on 01-24, not 01-22.
    assert requested(tick("2023-12-23")) == [("2023-12", "2023-12")]
    assert requested(tick("2024-01-01")) == []
    assert requested(tick("2024-01-23")) == []  # the default rule's day would be the wrong one
    assert requested(tick("2024-01-25")) == [("2024-01", "2024-01")]


def test_schedule_requests_every_month_exactly_once_in_month_order(seed_calendar):
    months = []
    day = date(2023, 11, 1)
    while day <= date(2024, 4, 30):
        months += [partition for partition, _ in requested(tick(day.isoformat()))]
        day += timedelta(days=1)
    assert months == ["2023-11", "2023-12", "2024-01", "2024-02", "2024-03", "2024-04"]


def test_schedule_day_offset_and_hour_come_from_the_environment(seed_calendar, monkeypatch):
    from pipelines.schedules import ScheduleSettings

    monkeypatch.setenv("HOTLINE_SCHEDULE_DAYS_AFTER", "3")
    monkeypatch.setenv("HOTLINE_SCHEDULE_HOUR", "9")
    assert ScheduleSettings.from_env().cron == "0 9 * * *"
    assert requested(tick("2024-02-23")) == []
    assert requested(tick("2024-02-25")) == [("2024-02", "2024-02")]
    assert requested(tick("2024-01-27")) == [("2024-01", "2024-01")]
    monkeypatch.setenv("HOTLINE_SCHEDULE_HOUR", "24")
    with pytest.raises(ValueError, match="HOTLINE_SCHEDULE_HOUR"):
        ScheduleSettings.from_env()


def test_schedule_skips_with_the_reason_when_the_calendar_is_broken(hotline_env):
    write_reference(hotline_env["data"], [town("甲镇")], calendar=[("2024-02", "2024-01-20", "2024-02-22")])
    result = tick("2024-02-23")
    assert requested(result) == []
    assert "overlap" in result.skip_message


# --------------------------------------------------------------------------- the sensor
def sense(cursor):
    from pipelines.definitions import defs

    sensor = defs.resolve_sensor_def("month_files_sensor")
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, cursor=cursor, repository_def=defs.get_repository_def())
        data = sensor.evaluate_tick(context)
    return data


def write_month(data: Path, month: str, rows: list[dict], adjustments: list[dict] | None = None) -> Path:
    folder = data / "months" / month
    write_csv(folder / "exports" / "export.csv", rows)
    if adjustments is not None:
        write_csv(folder / "adjustments.csv", adjustments, headers=ADJ_HEADERS)
    return folder


def test_sensor_requests_a_month_once_per_content(seed_calendar, monkeypatch):
    from pipelines.sensors import month_content_hash

    monkeypatch.setenv("HOTLINE_SENSOR_SETTLE_SECONDS", "0")
    data = seed_calendar["data"]
    jan = write_month(data, "2024-01", [export_row("J1", "甲镇", "2024-01-10 09:00:00")])

    first = sense(None)  # first tick: records what is there, starts nothing
    assert first.run_requests == [] and "recorded the content of 1 month folder" in first.skip_message
    cursor = first.cursor
    assert json.loads(cursor) == {"2024-01": month_content_hash(jan)}

    # A new month folder: one run of that month, keyed by its content.
    feb = write_month(
        data, "2024-02", [export_row("F1", "甲镇")], [{"单位名称": "甲镇", "减分项": 0, "质效": 0, "抽测排名": 1}]
    )
    second = sense(cursor)
    key_1 = f"2024-02:{month_content_hash(feb)[:16]}"
    assert [(r.partition_key, r.run_key) for r in second.run_requests] == [("2024-02", key_1)]
    assert second.run_requests[0].tags["hotline/reason"] == "new month folder"
    cursor = second.cursor

    # Same bytes written again (new mtime), a stray Excel lock file: nothing to run.
    (feb / "exports" / "export.csv").write_bytes((feb / "exports" / "export.csv").read_bytes())
    os.utime(feb / "adjustments.csv", (1_900_000_000, 1_900_000_000))
    (feb / "exports" / "~$export.xlsx").write_bytes(b"lock")
    unchanged = sense(cursor)
    assert unchanged.run_requests == [] and unchanged.skip_message.startswith("no month folder changed content")
    assert unchanged.cursor == cursor

    # The adjustments are corrected: a second run with a different key.
    write_csv(
        feb / "adjustments.csv", [{"单位名称": "甲镇", "减分项": -1, "质效": 0, "抽测排名": 1}], headers=ADJ_HEADERS
    )
    third = sense(cursor)
    key_2 = f"2024-02:{month_content_hash(feb)[:16]}"
    assert key_2 != key_1
    assert [(r.partition_key, r.run_key) for r in third.run_requests] == [("2024-02", key_2)]
    assert third.run_requests[0].tags["hotline/reason"] == "files changed"

    # A re-export next to the first one, and notes.md: the third content, the third key.
    write_csv(feb / "exports" / "export_2.csv", [export_row("F1", "甲镇", 满意度="不满意")])
    (feb / "notes.md").write_text("## 热线工作动态\n", encoding="utf-8")
    fourth = sense(third.cursor)
    assert [r.run_key for r in fourth.run_requests] == [f"2024-02:{month_content_hash(feb)[:16]}"]
    assert len({key_1, key_2, fourth.run_requests[0].run_key}) == 3
    # January never changed: never requested.
    assert all(r.partition_key == "2024-02" for r in second.run_requests + third.run_requests + fourth.run_requests)
    assert sense(fourth.cursor).run_requests == []


def test_sensor_waits_for_a_copy_in_progress(seed_calendar, monkeypatch):
    monkeypatch.setenv("HOTLINE_SENSOR_SETTLE_SECONDS", "3600")
    write_month(seed_calendar["data"], "2024-02", [export_row("F1", "甲镇")])
    data = sense("{}")
    assert data.run_requests == []
    assert "still being written: 2024-02" in data.skip_message
    assert json.loads(data.cursor) == {}


def test_month_content_hash_ignores_names_of_other_folders_and_mtimes(tmp_path):
    from pipelines.sensors import month_content_hash

    a = write_month(tmp_path / "a", "2024-02", [export_row("F1", "甲镇")])
    b = write_month(tmp_path / "b", "2024-02", [export_row("F1", "甲镇")])
    os.utime(b / "exports" / "export.csv", (1_000_000_000, 1_000_000_000))
    assert month_content_hash(a) == month_content_hash(b)
    (b / "exports" / "export.csv").rename(b / "exports" / "renamed.csv")
    assert month_content_hash(a) != month_content_hash(b)  # the relative name is part of the content
    assert month_content_hash(tmp_path / "a" / "months" / "2024-03") is None


# --------------------------------------------------------------------------- freshness
def test_freshness_warns_on_exports_older_than_the_window_end_and_missing_adjustments(seed_calendar):
    from pipelines.sensors import freshness_problems

    data = seed_calendar["data"]
    feb = write_month(data, "2024-02", [export_row("F1", "甲镇")])
    export = feb / "exports" / "export.csv"
    # written on 2024-02-20, two days before the window closes
    stamp = datetime(2024, 2, 20, 18, 0).timestamp()
    os.utime(export, (stamp, stamp))
    problems = freshness_problems(data, "2024-02")
    assert len(problems) == 2
    assert "export.csv, written 2024-02-20 18:00" in problems[0] and "(2024-02-22)" in problems[0]
    assert "adjustments.csv is missing" in problems[1]
    # exported the morning after the close, adjustments in: fresh
    stamp = datetime(2024, 2, 23, 8, 0).timestamp()
    os.utime(export, (stamp, stamp))
    write_csv(
        feb / "adjustments.csv", [{"单位名称": "甲镇", "减分项": 0, "质效": 0, "抽测排名": 1}], headers=ADJ_HEADERS
    )
    assert freshness_problems(data, "2024-02") == []
    assert freshness_problems(data, "2024-03") == [
        f"2024-03: no export in {data / 'months' / '2024-03' / 'exports'}",
        "2024-03: adjustments.csv is missing (减分项, 质效, 抽测排名)",
    ]


# --------------------------------------------------------------------------- blocking checks stop the report
def _check_evaluations(instance, run_id) -> dict[str, tuple[bool, str]]:
    from dagster import DagsterEventType

    out = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        out[evaluation.check_name] = (evaluation.passed, evaluation.severity.value)
    return out


def _materialized(instance, key: list[str]) -> bool:
    return instance.get_latest_materialization_event(AssetKey(key)) is not None


@pytest.mark.parametrize("fault", ["rejected_row", "missing_sampling_rank"])
def test_a_failing_blocking_check_leaves_no_report_for_the_month(seed_calendar, fault):
    from pipelines.execution import execute_months

    data = seed_calendar["data"]
    rows = [export_row("F1", "甲镇"), export_row("F2", "乙镇")]
    adjustments = [
        {"单位名称": "甲镇", "减分项": 0, "质效": 0, "抽测排名": 1},
        {"单位名称": "乙镇", "减分项": 0, "质效": 0, "抽测排名": 2},
    ]
    if fault == "rejected_row":
        rows.append(export_row("F3", "不存在镇"))  # unknown unit → rejected
    else:
        adjustments[1]["抽测排名"] = ""
    write_month(data, "2024-02", rows, adjustments)
    lines = []
    with DagsterInstance.ephemeral() as instance:
        ok = execute_months(instance, "2024-02", "2024-02", refresh_dependents=False, echo=lines.append)
        run_id = instance.get_runs()[0].run_id
        checks = _check_evaluations(instance, run_id)
        report_keys = [k for k in (["report", "docx"], ["report", "html"], ["report", "markdown"], ["report", "xlsx"])]
        assert not any(_materialized(instance, k) for k in report_keys)
        assert not _materialized(instance, ["mart", "unit_highlights"])
        if fault == "rejected_row":
            assert checks["no_rejected_rows"] == (False, "ERROR")
            assert not _materialized(instance, ["mart", "unit_scores"])
        else:
            # judged in the ingest, before anything of the month is stored: no mart is computed
            assert checks["no_rejected_rows"] == (False, "ERROR")
            assert checks["sampling_rank_complete"] == (False, "ERROR")
            assert not _materialized(instance, ["mart", "unit_scores"])
    assert ok is False
    assert not (seed_calendar["reports"] / "2024-02").exists()
    assert any(line.startswith("CHECK FAILED") for line in lines)


def test_freshness_check_warns_without_blocking_the_month(seed_calendar):
    from pipelines.execution import execute_months

    data = seed_calendar["data"]
    adjustments = [
        {"单位名称": "甲镇", "减分项": 0, "质效": 0, "抽测排名": 1},
        {"单位名称": "乙镇", "减分项": 0, "质效": 0, "抽测排名": 2},
    ]
    write_month(data, "2024-02", [export_row("F1", "甲镇"), export_row("F2", "乙镇")], adjustments)
    # exported before the window closed: it cannot hold the window's last days
    for export in (data / "months" / "2024-02" / "exports").iterdir():
        os.utime(export, (1_707_000_000, 1_707_000_000))
    with DagsterInstance.ephemeral() as instance:
        execute_months(instance, "2024-02", "2024-02", refresh_dependents=False, echo=lambda _: None)
        run_id = instance.get_runs()[0].run_id
        checks = _check_evaluations(instance, run_id)
        assert checks["month_inputs_fresh"] == (False, "WARN")
        # the marts were computed regardless
        assert _materialized(instance, ["mart", "overview"])
    assert query(seed_calendar["warehouse"], "SELECT orders FROM mart.overview WHERE month = '2024-02'") == [(2,)]


# --------------------------------------------------------------------------- metadata at a glance
def test_every_asset_has_a_description_owners_and_a_group_in_reading_order():
    from pipelines.definitions import GROUP_ORDER, OWNERS, defs

    graph = defs.resolve_asset_graph()
    groups = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.owners == OWNERS == ["team:hotline-data"], key
        groups[key] = node.group_name
    assert set(groups.values()) <= set(GROUP_ORDER)
    # every edge goes left to right (or stays in its group)
    rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    for key in graph.get_all_asset_keys():
        for parent in graph.get(key).parent_keys:
            assert rank[groups[parent]] <= rank[groups[key]], (parent, key)
    assert groups[AssetKey(["ref", "units"])] == "reference"
    assert groups[AssetKey(["core", "assignments"])] == "ingest"
    assert {groups[AssetKey(["mart", t])] for t in ("unit_scores", "overview", "hotspots")} == {
        "assessment",
        "overview",
        "hotspots",
    }
    assert defs.resolve_schedule_def("monthly_report_schedule").job_name == "month_job"
    assert defs.resolve_sensor_def("month_files_sensor").job_name == "month_job"


# --------------------------------------------------------------------------- backfill through dagster's CLI
def test_dagster_cli_materializes_a_partition_range_in_one_run_in_month_order(seed_calendar):
    data = seed_calendar["data"]
    adjustments = [
        {"单位名称": "甲镇", "减分项": 0, "质效": 0, "抽测排名": 1},
        {"单位名称": "乙镇", "减分项": 0, "质效": 0, "抽测排名": 2},
    ]
    write_month(data, "2024-01", [export_row("J1", "甲镇", "2024-01-10 09:00:00")], adjustments)
    write_month(data, "2024-02", [export_row("F1", "甲镇"), export_row("F2", "乙镇")], adjustments)
    env = dict(os.environ)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "pipelines.definitions",
            "--select",
            "*",
            "--partition-range",
            "2024-01...2024-02",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # one run, tagged with the range
    instance = DagsterInstance.from_config(str(seed_calendar["dagster_home"]))
    try:
        runs = instance.get_runs()
        assert len(runs) == 1
        assert runs[0].tags["dagster/asset_partition_range_start"] == "2024-01"
        assert runs[0].tags["dagster/asset_partition_range_end"] == "2024-02"
    finally:
        instance.dispose()
    # February's 环比 is computed from January loaded earlier in the same run: month order
    assert query(
        seed_calendar["warehouse"],
        "SELECT month, orders, orders_last_month, mom_pct FROM mart.overview ORDER BY month",
    ) == [("2024-01", 1, None, None), ("2024-02", 2, 1, 100.0)]
    assert (seed_calendar["reports"] / "2024-02").is_dir()
