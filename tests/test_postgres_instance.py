"""The Dagster instance on a real PostgreSQL, as the shared server runs it (deploy/dagster.yaml):
a cluster in a temporary folder (Debian's `postgresql` package, installed by `setup.sh --dev`),
started and stopped by the fixture, and `hotline run` on a small generated month against it. The
run and its materializations are in PostgreSQL, read back through the instance."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.dagster_server import free_port
from tests.helpers import query

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MONTH = "2024-02"
PASSWORD = "hotline-test"


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    assert initdb, "PostgreSQL is not installed: run ./setup.sh --dev (Debian package postgresql)"
    return Path(initdb).resolve().parent


def _as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root (CI), run it as the package's `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture
def postgres() -> dict:
    """A PostgreSQL server on 127.0.0.1 and a free port, with a `dagster` database and user."""
    binaries = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    cluster, socket_dir = folder / "cluster", folder / "socket"
    socket_dir.mkdir()
    (folder / "password").write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
    port = free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run(
        _as_postgres_user(
            [
                str(binaries / "initdb"),
                "-D",
                str(cluster),
                "-U",
                "dagster",
                "-A",
                "scram-sha-256",
                "--pwfile",
                str(folder / "password"),
                "-E",
                "UTF8",
                "--no-instructions",
            ]
        ),
        **run,
    )
    options = f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1"
    subprocess.run(
        _as_postgres_user(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(cluster),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        **run,
    )
    try:
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        subprocess.run(
            [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster", "dagster"],
            env=env,
            **run,
        )
        yield {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(port),
            "DAGSTER_PG_DB": "dagster",
            "DAGSTER_PG_USERNAME": "dagster",
            "DAGSTER_PG_PASSWORD": PASSWORD,
        }
    finally:
        subprocess.run(
            _as_postgres_user([str(binaries / "pg_ctl"), "-D", str(cluster), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_a_month_runs_on_a_postgres_instance(hotline_env, postgres, monkeypatch):
    from dagster import AssetKey, DagsterInstance, DagsterRunStatus
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    from hotline.generator.synth import generate

    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    home = hotline_env["dagster_home"]
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")  # the shared server's file
    generate(hotline_env["data"], MONTH, MONTH, assignments_per_month=1500, seed=3)

    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=PROJECT_ROOT,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # hotline kept the operator's dagster.yaml (it has no "# Written by hotline" line)
    assert (home / "dagster.yaml").read_text() == (PROJECT_ROOT / "deploy" / "dagster.yaml").read_text()

    instance = DagsterInstance.get()
    try:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        runs = instance.get_runs()
        assert [(r.job_name, r.status) for r in runs] == [("month_job", DagsterRunStatus.SUCCESS)]
        for key in (["core", "assignments"], ["mart", "unit_scores"], ["report", "docx"]):
            records = instance.fetch_materializations(AssetKey(key), limit=10).records
            assert [(r.partition_key, r.run_id) for r in records] == [(MONTH, runs[0].run_id)], key
        rows = query(hotline_env["warehouse"], "SELECT count(*) FROM core.assignments WHERE month = $m", {"m": MONTH})[
            0
        ][0]
        assert rows > 0 and f"{rows:,}" in done.stdout.splitlines()[-1]  # the summary table's row of the month
    finally:
        instance.dispose()
    # and the rows are PostgreSQL's, not a SQLite file's
    assert not (home / "history").exists() and not list(home.glob("*.db"))
    import psycopg2

    with (
        psycopg2.connect(
            host="127.0.0.1",
            port=int(postgres["DAGSTER_PG_PORT"]),
            user="dagster",
            password=PASSWORD,
            dbname="dagster",
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM runs WHERE status = 'SUCCESS'")
        assert cursor.fetchone()[0] == 1
    connection.close()
