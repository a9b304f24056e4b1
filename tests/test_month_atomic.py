"""A month is all or nothing: a blocked or failed month keeps its rows, adjustments, city figures,
marts and report exactly as they were, and a run of a neighbouring month does not touch it.
Errors a person can act on: rules.yaml problems named by key, an unwritable reports folder, a
warehouse open in an analyst's DuckDB session, month folders that are not months. Everything
goes through the real CLI (``pipelines.cli.main`` or the ``hotline`` script), real files, a real
DuckDB warehouse and real Dagster runs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.helpers import query

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOTLINE = str(Path(sys.executable).parent / "hotline")
JAN, FEB = "2024-01", "2024-02"
CORE_TABLES = (
    "core.assignments",
    "core.rejected_rows",
    "core.export_files",
    "core.adjustments",
    "core.city_assessment",
)


# --------------------------------------------------------------------------- a loaded district
@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """Two generated months, loaded end to end (reports included) once for the module."""
    from hotline.generator.synth import generate

    root = tmp_path_factory.mktemp("loaded")
    generate(root / "data", JAN, FEB, 300, seed=3)
    env = _env(root)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        from pipelines.cli import main

        assert main(["backfill", JAN, FEB]) == 0
    return root


def _env(root: Path) -> dict[str, str]:
    return {
        "HOTLINE_DATA_DIR": str(root / "data"),
        "HOTLINE_WAREHOUSE": str(root / "data" / "warehouse.duckdb"),
        "HOTLINE_REPORTS_DIR": str(root / "reports"),
        "HOTLINE_PHONE_KEY_FILE": str(root / "secrets" / "phone.key"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "HOTLINE_REPORT_WORKERS": "0",
    }


@pytest.fixture
def district(loaded: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the loaded district for one test, with the environment pointing at it."""
    root = tmp_path / "district"
    shutil.copytree(loaded, root, symlinks=True)
    for name, value in _env(root).items():
        monkeypatch.setenv(name, value)
    return root


def snapshot(root: Path, month: str) -> dict:
    """Every row of the month in every core and mart table, and the bytes of its report files."""
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    try:
        marts = [
            f"mart.{t}"
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'mart' ORDER BY 1"
            ).fetchall()
        ]
        tables = {
            t: con.execute(f"SELECT * FROM {t} WHERE month = $m ORDER BY ALL", {"m": month}).fetchall()
            for t in (*CORE_TABLES, *marts)
        }
    finally:
        con.close()
    folder = root / "reports" / month
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    return {"tables": tables, "files": files}


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    from pipelines.cli import main

    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def month_load(root: Path, month: str) -> tuple:
    return query(
        root / "data" / "warehouse.duckdb",
        "SELECT state, faults, reason FROM core.month_loads WHERE month = $m",
        {"m": month},
    )[0]


def blocked_faults(root: Path, month: str) -> list[tuple]:
    return query(
        root / "data" / "warehouse.duckdb",
        "SELECT source_file, row_number, column_name, reason FROM core.blocked_faults WHERE month = $m ORDER BY ALL",
        {"m": month},
    )


# --------------------------------------------------------------------------- ways to break February
def _change_adjustments(feb: Path) -> None:
    """A valid change to the adjustments: a month stored half-way would show it."""
    path = feb / "adjustments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    name, _, bonus, rank = lines[1].split(",")
    lines[1] = ",".join([name, "-3", bonus, rank])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rewrite_csv_cell(path: Path, row: int, column: str, value: str) -> None:
    import csv
    import io

    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    rows[row - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def rejected_row(feb: Path):
    _change_adjustments(feb)
    export = sorted((feb / "exports").glob("*_1.csv"))[0]
    _rewrite_csv_cell(export, 3, "承办单位", "不存在镇")
    return "blocked", [(f"{export.name}", 3, "承办单位")], "2024-02 is blocked (1 rejected row(s))"


def file_fault(feb: Path):
    _change_adjustments(feb)
    (feb / "city_assessment.csv").write_text("指标,数值\n响应率,99\n", encoding="utf-8")
    (feb / "exports" / "empty.csv").write_bytes(b"")
    return "failed", [], "empty.csv: is empty"


def unit_listed_twice(feb: Path):
    # 柳园街道 by its name and again by its alias 区柳园街道
    with (feb / "adjustments.csv").open("a", encoding="utf-8") as handle:
        handle.write("区柳园街道,-1,0,9\n")
    rows = (feb / "adjustments.csv").read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(rows, start=1) if line.startswith("柳园街道,"))
    last = len(rows)
    reason = (
        f"柳园街道: listed twice: row {first} ('柳园街道') and row {last} ('区柳园街道') name the same unit; "
        "keep one row for it"
    )
    return "blocked", [("months/2024-02/adjustments.csv", last, "单位名称", reason)], "1 invalid adjustment(s)"


def missing_sampling_rank(feb: Path):
    _rewrite_csv_cell(feb / "adjustments.csv", 3, "抽测排名", "")
    return "blocked", [("months/2024-02/adjustments.csv", 3, "抽测排名")], "1 ranked unit(s) without 抽测排名"


def bad_city_figure(feb: Path):
    _change_adjustments(feb)
    _rewrite_csv_cell(feb / "city_assessment.csv", 2, "数值", "百分百")
    return (
        "blocked",
        [("months/2024-02/city_assessment.csv", 2, "数值", "not a number")],
        "1 fault(s) in its side files",
    )


BREAKS = {f.__name__: f for f in (rejected_row, file_fault, unit_listed_twice, missing_sampling_rank, bad_city_figure)}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_a_blocked_or_failed_month_keeps_everything_and_a_neighbour_does_not_touch_it(district, capsys, name):
    feb = district / "data" / "months" / FEB
    before = snapshot(district, FEB)
    jan_before = snapshot(district, JAN)
    state, faults, reason = BREAKS[name](feb)

    code, output = run_cli(capsys, "run", FEB)
    assert code == 1
    assert "Traceback" not in output
    assert snapshot(district, FEB) == before
    got_state, got_faults, got_reason = month_load(district, FEB)
    assert got_state == state and reason in got_reason, (got_state, got_reason)
    if state == "blocked":
        stored = blocked_faults(district, FEB)
        assert got_faults == len(stored) == len(faults), stored
        for want, have in zip(faults, stored):
            assert have[: len(want) - 1] == want[: len(want) - 1] if len(want) == 4 else have[:3] == want, (want, have)
            if len(want) == 4:
                assert want[3] in have[3], (want, have)
        assert "CHECK FAILED core/assignments no_rejected_rows" in output
    else:
        assert f"{feb / 'exports' / 'empty.csv'}: is empty" in output

    # January runs again: February compares against it (环比), but is blocked and left alone.
    code, output = run_cli(capsys, "run", JAN)
    assert code == 0, output
    assert f"hotline: {FEB} is " in output and "not refreshed" in output, output
    assert "refreshing its marts and report" not in output
    assert snapshot(district, FEB) == before
    assert snapshot(district, JAN)["tables"] == jan_before["tables"]


def test_a_blocked_month_loads_once_fixed_and_its_faults_are_cleared(district, capsys):
    feb = district / "data" / "months" / FEB
    original = (feb / "adjustments.csv").read_bytes()
    missing_sampling_rank(feb)
    assert run_cli(capsys, "run", FEB)[0] == 1
    assert len(blocked_faults(district, FEB)) == 1
    (feb / "adjustments.csv").write_bytes(original)
    code, output = run_cli(capsys, "run", FEB)
    assert code == 0, output
    assert month_load(district, FEB) == ("loaded", 0, None)
    assert blocked_faults(district, FEB) == []
    loaded_at, attempted_at = query(
        district / "data" / "warehouse.duckdb",
        "SELECT loaded_at, attempted_at FROM core.month_loads WHERE month = $m",
        {"m": FEB},
    )[0]
    assert loaded_at == attempted_at


def test_a_misnamed_month_folder_changes_nothing_and_is_named(district, capsys):
    """The folder of February renamed 2024-13 (a slip): February's run fails naming it, and its
    adjustments are not emptied (they were, when the side files were stored before the exports
    were looked for)."""
    before = snapshot(district, FEB)
    months = district / "data" / "months"
    (months / FEB).rename(months / "2024-13")
    code, output = run_cli(capsys, "run", FEB)
    assert code == 1
    assert f"{months / FEB}: does not exist; 2024-13 under months/ is not a month name" in output, output
    assert snapshot(district, FEB) == before
    assert month_load(district, FEB)[0] == "failed"
    # validate names it; January's run never reads it
    code, output = run_cli(capsys, "validate", str(district / "data"))
    assert code == 1 and f"{months / '2024-13'}: not a month folder" in output, output


@pytest.mark.parametrize("folder", ["2024-13", "24-02", "2024-2"])
def test_the_sensor_ignores_a_folder_that_is_not_a_month_and_says_so(tmp_path, monkeypatch, folder):
    from dagster import DagsterInstance, build_sensor_context

    from pipelines.sensors import month_files_sensor

    data = tmp_path / "data"
    (data / "months" / folder / "exports").mkdir(parents=True)
    (data / "months" / folder / "exports" / "e.csv").write_text("工单编号\nA1\n", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(data))
    monkeypatch.setenv("HOTLINE_SENSOR_SETTLE_SECONDS", "0")
    with DagsterInstance.ephemeral() as instance:
        result = month_files_sensor(build_sensor_context(instance=instance, cursor="{}"))
    assert not result.run_requests
    assert f"ignored month folder(s) {folder}: not a month like 2024-02" in result.skip_reason.skip_message


# --------------------------------------------------------------------------- rules.yaml
RULES_CASES = {
    "flags:\n  fast_close_minutes: ten\n": (
        "rules.yaml: flags.fast_close_minutes = 'ten': expected a whole number of minutes"
    ),
    "window:\n  default_start_day: 40\n": (
        "rules.yaml: window.default_start_day = 40: expected a day of the month from 1 to 28"
    ),
    "window:\n  default_start_day: 20\n": "window: default_start_day (20) must be the day after default_end_day (22)",
    "anomalies:\n  significance: 1.5\n": (
        "rules.yaml: anomalies.significance = 1.5: expected a significance level between 0 and 1"
    ),
    "credit:\n  resolution:\n    已解决: 2\n": (
        "rules.yaml: credit.resolution.已解决 = 2: expected a credit between 0 and 1"
    ),
    "scores:\n  points:\n    response: -5\n": (
        "rules.yaml: scores.points.response = -5: expected a number of points, 0 or more"
    ),
    "hotspots:\n  report_top_n: '5'\n": "rules.yaml: hotspots.report_top_n = '5': expected a whole number, 1 or more",
    "enterprise:\n  tie_order: size\n": (
        "rules.yaml: enterprise.tie_order = 'size': expected one of 'volume_desc' or 'roster'"
    ),
    "flags:\n  fast_close_minute: 10\n": "unknown rule setting 'flags.fast_close_minute'",
    "report:\n  date: 2024-13-01\n": "quote dates as '2024-02-26'",
}


@pytest.mark.parametrize("text", sorted(RULES_CASES), ids=lambda t: t.split(":")[0] + "." + t.split("\n")[1].strip())
def test_validate_names_the_rules_yaml_key_and_value(tmp_path, capsys, text):
    rules = tmp_path / "reference" / "rules.yaml"
    rules.parent.mkdir()
    rules.write_text(text, encoding="utf-8")
    code, output = run_cli(capsys, "validate", str(rules))
    assert code == 1
    assert RULES_CASES[text] in output, output
    assert "Traceback" not in output


def test_a_gbk_rules_yaml_is_refused_by_validate_and_run_with_the_fix(district, capsys):
    before = snapshot(district, FEB)
    rules = district / "data" / "reference" / "rules.yaml"
    rules.write_bytes("report:\n  district: 东昌府区\n".encode("gbk"))
    words = f"{rules}: not UTF-8 text (it looks saved as GBK/GB18030"
    code, output = run_cli(capsys, "validate", str(rules))
    assert code == 1 and words in output and "Save it again with the encoding UTF-8" in output, output
    code, output = run_cli(capsys, "run", FEB)
    assert code == 1 and words in output and "Traceback" not in output, output
    assert snapshot(district, FEB) == before


def test_a_bad_rule_setting_fails_the_run_naming_the_key_and_changes_nothing(district, capsys):
    before = snapshot(district, FEB)
    (district / "data" / "reference" / "rules.yaml").write_text(
        "flags:\n  fast_close_minutes: ten\n", encoding="utf-8"
    )
    code, output = run_cli(capsys, "run", FEB)
    assert code == 1
    assert "rules.yaml: flags.fast_close_minutes = 'ten': expected a whole number of minutes" in output, output
    assert "Traceback" not in output
    assert snapshot(district, FEB) == before
    state, _, reason = month_load(district, FEB)
    assert state == "failed" and "flags.fast_close_minutes = 'ten'" in reason


# --------------------------------------------------------------------------- errors a person can act on
def test_a_read_only_reports_folder_is_named_in_the_summary(district):
    """Root writes anywhere, so the run is started without the capability that lets it (setpriv),
    as an ordinary user would be, on a reports folder without write permission."""
    reports = district / "reports" / FEB
    before = {p.name: p.read_bytes() for p in reports.iterdir()}
    for folder in (reports, reports.parent):
        folder.chmod(0o555)
    try:
        env = dict(os.environ, **_env(district))
        done = subprocess.run(
            [
                "setpriv",
                "--bounding-set",
                "-dac_override,-dac_read_search",
                "--inh-caps",
                "-dac_override,-dac_read_search",
                HOTLINE,
                "run",
                FEB,
            ],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        for folder in (reports.parent, reports):
            folder.chmod(0o755)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"cannot write {reports}/" in output and ": permission denied; make the reports folder" in output, output
    assert "Traceback" not in output
    assert {p.name: p.read_bytes() for p in reports.iterdir()} == before


HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SELECT count(*) FROM core.assignments").fetchall()
print("open", flush=True)
sys.stdin.readline()
con.close()
"""


def test_an_analysts_read_only_session_is_named_as_such_not_as_another_run(district):
    warehouse = district / "data" / "warehouse.duckdb"
    session = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert session.stdout.readline().strip() == "open"
        env = dict(os.environ, **_env(district), HOTLINE_WAREHOUSE_WAIT_SECONDS="1")
        done = subprocess.run(
            [HOTLINE, "run", FEB], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        session.stdin.write("close\n")
        session.stdin.flush()
        session.wait(timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert f"waiting for the warehouse, it is open in another program (a DuckDB session? PID {session.pid}" in output
    assert f"the warehouse {warehouse} is still open in another program (a DuckDB session? PID {session.pid}" in output
    assert "held by another run" not in output and "Traceback" not in output


def test_validate_judges_adjustments_against_the_roster_as_a_run_does(tmp_path, capsys):
    from hotline.generator.synth import generate

    generate(tmp_path / "data", FEB, FEB, 200, seed=3)
    path = tmp_path / "data" / "months" / FEB / "adjustments.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(rows, start=1) if line.startswith("柳园街道,"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write("区柳园街道,-1,0,9\n不存在局,0,0,\n")
    code, output = run_cli(capsys, "validate", str(path))
    assert code == 1
    assert (
        f"{path} row {len(rows) + 1}, column 单位名称: 柳园街道: listed twice: row {first} ('柳园街道') and "
        f"row {len(rows) + 1} ('区柳园街道') name the same unit"
    ) in output, output
    assert f"{path} row {len(rows) + 2}, column 单位名称: 不存在局: not in the roster (units.csv)" in output, output
    assert "hotline validate: 1 file(s) checked, 2 fault(s)" in output


def test_an_unquoted_report_date_is_read_as_the_date_it_says(tmp_path):
    from hotline.rules import load_rules, rules_json

    (tmp_path / "rules.yaml").write_text("report:\n  date: 2024-02-26\n", encoding="utf-8")
    rules = load_rules(tmp_path)
    assert rules["report"]["date"] == "2024-02-26"
    assert '"date": "2024-02-26"' in rules_json(rules)
