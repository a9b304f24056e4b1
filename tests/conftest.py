from pathlib import Path

import pytest


@pytest.fixture
def hotline_env(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """A fresh data folder, warehouse, reports folder and phone key outside the data folder,
    set through the same environment variables users set."""
    env = {
        "data": tmp_path / "data",
        "warehouse": tmp_path / "data" / "warehouse.duckdb",
        "reports": tmp_path / "reports",
        "key": tmp_path / "secrets" / "phone_hash.key",
        "dagster_home": tmp_path / "dagster_home",
    }
    env["data"].mkdir()
    env["dagster_home"].mkdir()
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(env["data"]))
    monkeypatch.setenv("HOTLINE_WAREHOUSE", str(env["warehouse"]))
    monkeypatch.setenv("HOTLINE_REPORTS_DIR", str(env["reports"]))
    monkeypatch.setenv("HOTLINE_PHONE_KEY_FILE", str(env["key"]))
    monkeypatch.setenv("DAGSTER_HOME", str(env["dagster_home"]))
    return env
