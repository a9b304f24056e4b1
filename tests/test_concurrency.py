"""Concurrency that cannot corrupt the warehouse: two ``hotline run`` processes at once (the second
waits for DuckDB's single writer instead of failing), a run killed half-way through its write (the
month keeps its previous rows exactly), and a clear message when the wait times out."""

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.helpers import query

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOTLINE = str(Path(sys.executable).parent / "hotline")
# Stands in for a hotline run: its command line (which the waiting run reads from /proc to tell a
# run from an analyst's DuckDB session) names hotline.
HOLDER = """
# hotline run stand-in
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS holder_probe (x INTEGER)")
print("held", flush=True)
sys.stdin.readline()
con.close()
"""


def hold_warehouse(path: Path) -> subprocess.Popen:
    """Another process holding the DuckDB file for writing until told (a line on its stdin)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_writer_waits_for_the_warehouse_and_proceeds_when_it_is_released(tmp_path):
    from hotline.warehouse import connect_waiting

    path = tmp_path / "w.duckdb"
    holder = hold_warehouse(path)
    said = []

    def echo(text):  # called once the first attempt found the file locked: release it now
        said.append(text)
        holder.stdin.write("release\n")
        holder.stdin.flush()

    con = connect_waiting(str(path), {}, wait_seconds=300, echo=echo)
    try:
        assert con.execute("SELECT count(*) FROM holder_probe").fetchall() == [(0,)]
    finally:
        con.close()
    assert holder.wait(timeout=60) == 0
    assert len(said) == 1 and said[0].startswith("waiting for the warehouse, held by another run")
    assert f"PID {holder.pid}" in said[0]  # DuckDB names the holder


def test_a_run_that_cannot_get_the_warehouse_fails_with_a_clear_message(hotline_env):
    from hotline.generator.synth import generate

    generate(hotline_env["data"], "2024-02", "2024-02", 200, seed=0)
    holder = hold_warehouse(hotline_env["warehouse"])
    try:
        env = dict(os.environ, HOTLINE_WAREHOUSE_WAIT_SECONDS="1")
        result = subprocess.run(
            [HOTLINE, "run", "2024-02"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        holder.stdin.write("release\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "waiting for the warehouse, held by another run" in output
    assert "is still held by another run after 1 s" in output and "HOTLINE_WAREHOUSE_WAIT_SECONDS" in output
    assert "hotline: run FAILED" in output


def _snapshot(warehouse: Path, month: str) -> dict[str, list[tuple]]:
    tables = {
        "core.assignments": "order_id, unit",
        "core.rejected_rows": "source_file, row_number, column_name",
        "core.export_files": "source_file",
        "mart.unit_scores": "group_code, unit",
        "mart.overview": "month",
    }
    return {
        t: query(warehouse, f"SELECT * FROM {t} WHERE month = $m ORDER BY {order}", {"m": month})
        for t, order in tables.items()
    }


def _replace_exports(data: Path, month: str, source: Path) -> int:
    """Put the exports of ``source``'s month in place of the data folder's; returns their data rows."""
    target = data / "months" / month / "exports"
    shutil.rmtree(target)
    shutil.copytree(source / "months" / month / "exports", target)
    # the adjustments that go with these exports: a unit's group (and so who needs a 抽测排名) follows its volume
    shutil.copy(source / "months" / month / "adjustments.csv", target.parent / "adjustments.csv")
    return sum(len(p.read_text(encoding="utf-8-sig").splitlines()) - 1 for p in target.glob("*.csv"))


def test_two_months_at_once_and_one_run_killed_mid_write(hotline_env, tmp_path):
    from dagster import DagsterInstance

    from hotline.generator.synth import generate
    from pipelines.execution import execute_months

    data, warehouse = hotline_env["data"], hotline_env["warehouse"]
    # Same seed → same roster; 2023-12 and 2024-02 do not compare with each other (no refresh).
    generate(data, "2023-12", "2023-12", 600, seed=0)
    generate(data, "2024-02", "2024-02", 600, seed=0)
    with DagsterInstance.ephemeral() as instance:
        for month in ("2023-12", "2024-02"):
            assert execute_months(instance, month, month, refresh_dependents=False, echo=lambda _: None)
    before = _snapshot(warehouse, "2024-02")
    assert len(before["core.assignments"]) == 600

    # New exports for both months: 2024-02 big enough that its write takes a while, 2023-12 small.
    generate(tmp_path / "big", "2024-02", "2024-02", 120_000, seed=0)
    generate(tmp_path / "dec", "2023-12", "2023-12", 900, seed=0)
    _replace_exports(data, "2024-02", tmp_path / "big")
    december_rows = _replace_exports(data, "2023-12", tmp_path / "dec")

    env = dict(os.environ)
    # --verbose: the ingest's own log line says when its write transaction begins
    killed = subprocess.Popen(
        [HOTLINE, "run", "2024-02", "--verbose"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    other = subprocess.Popen(
        [HOTLINE, "run", "2023-12"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    other_output = []
    reader = threading.Thread(target=lambda: other_output.extend(other.stdout), daemon=True)
    reader.start()
    killed_output = []
    try:
        for line in killed.stdout:
            killed_output.append(line)
            if "2024-02: " in line and "; storing" in line:  # the ingest's write transaction begins now
                killed.send_signal(signal.SIGKILL)
                break
        killed.wait(timeout=120)
    finally:
        if killed.poll() is None:
            killed.kill()
            killed.wait()
    assert killed.returncode == -signal.SIGKILL, "".join(killed_output)[-3000:]
    assert not any("2024-02: stored" in line for line in killed_output)  # killed before its commit finished
    assert other.wait(timeout=900) == 0, "".join(other_output)[-5000:]
    reader.join(timeout=60)

    # The killed month: exactly its previous rows, in every table the killed run was writing.
    assert _snapshot(warehouse, "2024-02") == before
    # The other month: complete, from its new exports.
    files = query(
        warehouse,
        "SELECT sum(rows_in), sum(rows_stored), sum(rows_rejected), sum(rows_replaced) "
        "FROM core.export_files WHERE month = '2023-12'",
    )[0]
    assert files[0] == december_rows
    assert query(warehouse, "SELECT count(*) FROM core.assignments WHERE month = '2023-12'") == [(files[1],)]
    assert files[1] == 900
    assert query(warehouse, "SELECT count(DISTINCT order_id) FROM core.assignments WHERE month = '2023-12'") == query(
        warehouse, "SELECT orders FROM mart.overview WHERE month = '2023-12'"
    )
    assert (hotline_env["reports"] / "2023-12" / "月报.docx").is_file()
    # The killed run left nothing half-written: the warehouse opens for writing and nothing else changed.
    assert query(warehouse, "SELECT DISTINCT month FROM core.assignments ORDER BY month") == [
        ("2023-12",),
        ("2024-02",),
    ]


FIRST_USE = """
import os, sys
from pipelines.instance import ensure_dagster_home
os.environ["DAGSTER_HOME"] = str(ensure_dagster_home())
from dagster import DagsterInstance
instance = DagsterInstance.get()
print(type(instance.event_log_storage).__name__, len(instance.get_runs()))
"""


def test_processes_starting_together_on_a_fresh_dagster_home_all_get_the_instance(tmp_path):
    # Dagster creates its SQLite files on first use with no guard against a second process doing
    # the same ("table ... already exists"); the schedule and an analyst can start at once.
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"))
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_USE],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in starts]
    assert [p.returncode for p in starts] == [0] * 4, "\n".join(outputs)
    assert all(o.strip().endswith("KeptEngineSqliteEventLogStorage 0") for o in outputs), outputs
    assert (tmp_path / "home" / "history" / "runs.db").exists()


RENDERER_HOLDER = """
import time
from dagster import build_init_resource_context
from pipelines.resources import ReportRenderer
if __name__ == "__main__":
    renderer = ReportRenderer(workers=2)
    renderer.setup_for_execution(build_init_resource_context())
    renderer._pool.submit(time.sleep, 0).result()  # a worker is up
    print(" ".join(str(pid) for pid in renderer._pool._processes), flush=True)
    time.sleep(600)
"""


def test_report_workers_end_when_their_run_is_killed(tmp_path):
    import time

    script = tmp_path / "holder.py"
    script.write_text(RENDERER_HOLDER, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in run.stdout.readline().split()]
    assert workers and all(Path(f"/proc/{pid}").exists() for pid in workers)
    run.send_signal(signal.SIGKILL)  # no pool shutdown, no atexit: as the OOM killer would
    run.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "orphaned report workers left running"
