"""The settings read from the environment (hotline/settings.py): a value the program cannot use is
one line naming the variable and exit code 2, and the warehouse's memory limit reaches DuckDB."""

import os
import subprocess
import sys

import pytest

from hotline.settings import PROJECT_ROOT, WAREHOUSE_MEMORY_ENV, SettingError, Settings, warehouse_memory_limit


@pytest.mark.parametrize(
    ("variable", "value"), [("HOTLINE_REPORT_WORKERS", "two"), (WAREHOUSE_MEMORY_ENV, "lots of memory")]
)
def test_a_setting_it_cannot_use_is_one_line_without_a_traceback(tmp_path, variable, value):
    env = {**os.environ, variable: value, "HOTLINE_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "2024-02"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"hotline: {variable}={value!r}: expected ")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()  # nothing was started


def test_the_warehouse_memory_limit_reaches_duckdb(tmp_path, monkeypatch):
    from hotline.warehouse import open_warehouse, scalar
    from pipelines.resources import build_resources

    monkeypatch.setenv("HOTLINE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    limit = "SELECT current_setting('memory_limit')"
    monkeypatch.delenv(WAREHOUSE_MEMORY_ENV, raising=False)
    assert warehouse_memory_limit() is None
    with open_warehouse(build_resources(Settings.from_env())["warehouse"]) as con:
        default = scalar(con, limit)
    monkeypatch.setenv(WAREHOUSE_MEMORY_ENV, "1GB")
    with open_warehouse(build_resources(Settings.from_env())["warehouse"]) as con:
        assert scalar(con, limit) == "953.6 MiB"  # DuckDB's way of writing 10^9 bytes
    assert default != "953.6 MiB"
    for bad in ("1 G", "-1GB", "GB"):
        monkeypatch.setenv(WAREHOUSE_MEMORY_ENV, bad)
        with pytest.raises(SettingError, match=WAREHOUSE_MEMORY_ENV):
            warehouse_memory_limit()
