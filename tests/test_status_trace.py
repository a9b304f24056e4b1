"""`hotline status` and `hotline trace` against the bundled sample (2024-01 and 2024-02 loaded
with `hotline backfill`, report included): trace's counts reproduce mart.unit_scores and
mart.enterprise_scores; status shows each month's rows, checks, draft and staleness."""

import csv
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers import query

MONTHS = ("2024-01", "2024-02")
FEB = "2024-02"
# a town, a large and a small department (no callback: full credit), units with 简称 or alias
TRACED = ("韩集镇", "东安公司", "区体育中心", "区柳园街道", "区人力资源和社会保障局", "侯营镇")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    from hotline.generator.sample import write_sample

    tmp = tmp_path_factory.mktemp("status")
    env = dict(
        os.environ,
        HOTLINE_DATA_DIR=str(tmp / "data"),
        HOTLINE_WAREHOUSE=str(tmp / "data" / "warehouse.duckdb"),
        HOTLINE_REPORTS_DIR=str(tmp / "reports"),
        HOTLINE_PHONE_KEY_FILE=str(tmp / "secrets" / "phone.key"),
        DAGSTER_HOME=str(tmp / "dagster_home"),
    )
    write_sample(tmp / "data")
    done = hotline(env, "backfill", *MONTHS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"env": env, "warehouse": Path(env["HOTLINE_WAREHOUSE"]), "backfill": done}


def hotline(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=900,
    )


def trace_rows(sample, unit: str, month: str = FEB) -> dict[tuple[str, str], dict]:
    done = hotline(sample["env"], "trace", month, unit, "--csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    return {(r["scope"], r["indicator"]): r for r in rows}


@pytest.mark.parametrize("name", TRACED)
def test_trace_reproduces_the_units_rates_and_scores(sample, name):
    rows = trace_rows(sample, name)
    unit = query(
        sample["warehouse"],
        "SELECT unit FROM ref.units WHERE month = $m AND (unit = $n OR short_name = $n OR list_contains(aliases, $n))",
        {"m": FEB, "n": name},
    )[0][0]
    (score,) = query(
        sample["warehouse"],
        """
        SELECT volume, responded_on_time_count, completed_on_time_count, resolution_callbacks, resolution_credit_sum,
               satisfaction_callbacks, satisfaction_credit_sum, response_rate, response_score, ontime_rate,
               ontime_score, resolution_rate, resolution_score, satisfaction_rate, satisfaction_score,
               assessment_score, deduction
        FROM mart.unit_scores WHERE month = $m AND unit = $u""",
        {"m": FEB, "u": unit},
    )
    (volume, responded, ontime, res_n, res_sum, sat_n, sat_sum, *rates_scores, assessment, deduction) = score
    assert rows[("unit", "响应")]["numerator"] == f"{responded}.0000"
    assert rows[("unit", "响应")]["denominator"] == str(volume)
    assert rows[("unit", "按时")]["numerator"] == f"{ontime}.0000"
    assert (
        rows[("unit", "解决")]["denominator"] == str(res_n) and Decimal(rows[("unit", "解决")]["numerator"]) == res_sum
    )
    assert (
        rows[("unit", "满意")]["denominator"] == str(sat_n) and Decimal(rows[("unit", "满意")]["numerator"]) == sat_sum
    )
    traced = []
    for indicator in ("响应", "按时", "解决", "满意"):
        row = rows[("unit", indicator)]
        traced += [Decimal(row["rate"]), Decimal(row["points"])]
    assert traced == list(rates_scores)
    # the four indicators' points and the deduction are the 考核得分
    assert (
        sum(Decimal(rows[("unit", i)]["points"]) for i in ("响应", "按时", "解决", "满意")) + deduction == assessment
    )
    # the orders that lost points are the unit's orders without full credit, order numbers only
    for indicator, column in (("解决", "resolution_credit"), ("满意", "satisfaction_credit")):
        expected = sorted(
            r[0]
            for r in query(
                sample["warehouse"],
                f"SELECT order_id FROM core.assignments WHERE month = $m AND unit = $u AND {column} < 1",
                {"m": FEB, "u": unit},
            )
        )
        row = rows[("unit", indicator)]
        assert (row["lost_orders"].split() if row["lost_orders"] else []) == expected
        assert int(row["lost_count"]) == len(expected)
        assert all(re.fullmatch(r"[A-Z]{2}\d{12}", order) for order in expected)


def test_trace_of_a_unit_without_callbacks_says_full_credit(sample):
    rows = trace_rows(sample, "区体育发展中心")
    assert rows[("unit", "满意")]["denominator"] == "0" and rows[("unit", "满意")]["no_callback"] == "True"
    assert rows[("unit", "满意")]["rate"] == "1.0000" and rows[("unit", "满意")]["points"] == "50.00"


def test_trace_reproduces_the_enterprise_table(sample):
    units = query(
        sample["warehouse"],
        "SELECT unit, ontime_rate, ontime_score, resolution_rate, resolution_score, "
        "satisfaction_rate, satisfaction_score, total_score FROM mart.enterprise_scores WHERE month = $m "
        "ORDER BY volume DESC LIMIT 3",
        {"m": FEB},
    )
    assert len(units) == 3
    for unit, *expected, total in units:
        rows = trace_rows(sample, unit)
        traced = []
        for indicator in ("按时", "解决", "满意"):
            row = rows[("enterprise", indicator)]
            traced += [Decimal(row["rate"]), Decimal(row["points"])]
        assert traced == expected, unit
        # 总得分 is rounded once from the exact parts: within a cent of the rounded parts' sum
        assert abs(sum(traced[1::2]) - total) <= Decimal("0.01")


def test_trace_table_names_the_unit_and_no_personal_data(sample):
    done = hotline(sample["env"], "trace", FEB, "韩集镇")
    assert done.returncode == 0, done.stderr
    assert "2024-02 韩集镇" in done.stdout and "37.08 / 40.00" in done.stdout  # 解决 points of the seed's 韩集镇
    # the 解决 row: 89 credits of 96 callbacks, written as a person writes them (not 89.0000)
    cells = [[c.strip() for c in line.split("│")[3:5]] for line in done.stdout.splitlines()]
    assert ["89", "96"] in cells, done.stdout
    personal = query(
        sample["warehouse"],
        "SELECT caller_hash FROM core.assignments WHERE month = $m AND unit = '韩集镇' LIMIT 1",
        {"m": FEB},
    )[0][0]
    assert personal not in done.stdout and "联系电话" not in done.stdout


def test_trace_of_an_unknown_unit_or_month_is_a_clear_message(sample):
    unknown = hotline(sample["env"], "trace", FEB, "不存在镇")
    assert unknown.returncode == 1 and "no unit '不存在镇' in the roster of 2024-02" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    absent = hotline(sample["env"], "trace", "2023-05", "韩集镇")
    assert absent.returncode == 1 and "2023-05 is not loaded" in absent.stderr


def test_backfill_ends_in_the_summary_table(sample):
    lines = sample["backfill"].stdout.strip().splitlines()
    assert lines[-3].split() == ["month", "state", "stored", "rejected", "replaced", "checks", "report", "stale"]
    assert lines[-2].split()[:5] == ["2024-01", "loaded", "15,428", "0", "0"]
    assert "draft (1 to fill)" in lines[-1] and lines[-1].startswith("2024-02")
    # Dagster's own log lines only with --verbose
    assert " - dagster - " not in sample["backfill"].stderr


def test_status_shows_each_month(sample):
    done = hotline(sample["env"], "status")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.strip().splitlines()]
    assert rows[1][:5] == ["2024-01", "loaded", "15,428", "0", "0"]
    assert rows[2][:5] == ["2024-02", "loaded", "11,226", "0", "0"]
    # every check of the month passed but the placeholder warning (its count grows with the checks)
    assert all(re.fullmatch(r"\d+ ok, 1 warn", " ".join(row[5:9])) for row in rows[1:]), done.stdout
    as_json = json.loads(hotline(sample["env"], "status", FEB, "--json").stdout)
    assert [m["month"] for m in as_json] == [FEB]
    assert as_json[0]["report"] == "draft" and as_json[0]["placeholders"] == 1
    assert as_json[0]["checks_warned"] == ["report_has_no_placeholders"] and as_json[0]["stale"] is False


def test_status_says_when_a_run_holds_the_warehouse(sample):
    writer = duckdb.connect(str(sample["warehouse"]))  # as a run holds it
    try:
        done = hotline(sample["env"], "status")
    finally:
        writer.close()
    assert done.returncode == 1
    assert "is being written by a run right now" in done.stderr and "Traceback" not in done.stderr


def test_status_marks_a_month_stale_when_its_base_is_reloaded_after_it(sample, monkeypatch):
    """2024-01 (2024-02's 环比 base) loaded again without refreshing 2024-02: 2024-02 is stale;
    `hotline run 2024-01` refreshes it, and it is not stale any more."""
    from dagster import DagsterInstance

    from pipelines.execution import execute_months

    for name in (
        "HOTLINE_DATA_DIR",
        "HOTLINE_WAREHOUSE",
        "HOTLINE_REPORTS_DIR",
        "HOTLINE_PHONE_KEY_FILE",
        "DAGSTER_HOME",
    ):
        monkeypatch.setenv(name, sample["env"][name])
    instance = DagsterInstance.get()
    try:
        assert execute_months(instance, "2024-01", "2024-01", refresh_dependents=False, echo=lambda _: None)
    finally:
        instance.dispose()
    stale = json.loads(hotline(sample["env"], "status", "--json").stdout)
    assert [(m["month"], m["stale_bases"]) for m in stale] == [("2024-01", []), (FEB, ["2024-01 环比"])]
    assert "stale: 2024-01 环比" in hotline(sample["env"], "status").stdout

    rerun = hotline(sample["env"], "run", "2024-01", "--json")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    document = json.loads(rerun.stdout)
    assert [r["first"] for r in document["runs"]] == ["2024-01", FEB]  # the run, then 2024-02's refresh
    assert [(m["month"], m["stale"]) for m in document["months"]] == [("2024-01", False), (FEB, False)]


def test_status_reads_the_month_loads_table_when_the_warehouse_has_it(hotline_env):
    """core.month_loads (written by the month's all-or-nothing load) is the authority on a month's
    state and rows: its latest attempt, with the reason a month is blocked."""
    from hotline.warehouse import prepare

    con = duckdb.connect(str(hotline_env["warehouse"]))
    try:
        prepare(con)
        # one row per month: its latest attempt, loaded_at keeping the last good load
        con.execute("""INSERT INTO core.month_loads BY NAME SELECT * FROM (VALUES
            ('2024-01', 'loaded', TIMESTAMP '2024-02-01 08:00', TIMESTAMP '2024-02-01 08:00', 120, 118, 0, 2, 0, NULL),
            ('2024-02', 'blocked', TIMESTAMP '2024-03-02 08:00', TIMESTAMP '2024-03-01 08:00', 95, 92, 3, 0, 3,
             '3 rows of export.csv have faults'))
            AS t(month, state, attempted_at, loaded_at, rows_in, rows_stored, rows_rejected, rows_replaced, faults,
                 reason)""")
    finally:
        con.close()
    done = hotline(dict(os.environ), "status")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.strip().splitlines()]
    assert rows[1][:5] == ["2024-01", "loaded", "118", "0", "2"]
    assert rows[2][:5] == ["2024-02", "blocked", "92", "3", "0"]  # the latest attempt, not the earlier load
    assert "2024-02 blocked: 3 rows of export.csv have faults" in done.stdout
