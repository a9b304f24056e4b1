"""The persistent Dagster instance used by ``hotline ui``, the CLI and the schedule: DAGSTER_HOME
if set, else ``.dagster`` in the data folder, with SQLite storage and one pool slot for the
warehouse (DuckDB allows a single writing process)."""

import os
from pathlib import Path

from pipelines.settings import Settings

DAGSTER_YAML = """\
# Written by hotline on first use. SQLite storage in this folder; see the README for PostgreSQL.
telemetry:
  enabled: false
concurrency:
  pools:
    # Every asset that writes the warehouse is in the pool "warehouse": one step at a time across
    # all runs, because DuckDB allows one writing process per file.
    default_limit: 1
  runs:
    max_concurrent_runs: 4
"""


def ensure_dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or Settings.from_env().dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home
