"""The persistent Dagster instance used by ``hotline ui``, the CLI and the schedule: DAGSTER_HOME
if set, else ``.dagster`` in the data folder, with SQLite storage (PostgreSQL for shared
deployments: see the README).

Writers of the warehouse are serialized by DuckDB's own file lock, which the operating system
releases when the process holding it ends, however it ends; a run that finds the file held waits
for it (``assets.warehouse.connect_waiting``). No Dagster pool limits them on purpose: a pool slot
claimed by a run that is killed stays claimed in the instance's storage, and every later run
would wait for it forever."""

import os
from pathlib import Path

from pipelines.settings import Settings

MARKER = "# Written by hotline"
DAGSTER_YAML = f"""\
{MARKER} on first use (and rewritten while it still starts with this line; remove the line to
# keep your own edits). SQLite storage in this folder; see the README for PostgreSQL.
telemetry:
  enabled: false
concurrency:
  # No pool limit: DuckDB's file lock serializes the writers of the warehouse and dies with its
  # process; a pool slot of a killed run would block every later run.
  runs:
    max_concurrent_runs: 4
"""


def ensure_dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or Settings.from_env().dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or (config.read_text(encoding="utf-8").startswith(MARKER)
                               and config.read_text(encoding="utf-8") != DAGSTER_YAML):
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home
