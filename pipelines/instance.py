"""The persistent Dagster instance used by ``hotline ui``, the CLI and the schedule: DAGSTER_HOME
if set, else ``.dagster`` in the data folder, with SQLite storage (PostgreSQL for shared
deployments: see the README).

Writers of the warehouse are serialized by DuckDB's own file lock, which the operating system
releases when the process holding it ends, however it ends; a run that finds the file held waits
for it (``hotline.warehouse.connect_waiting``). No Dagster pool limits them on purpose: a pool slot
claimed by a run that is killed stays claimed in the instance's storage, and every later run
would wait for it forever."""

import json
import os
from pathlib import Path

from hotline.settings import Settings

MARKER = "# Written by hotline"
DAGSTER_YAML = """\
{marker} on first use (and rewritten while it still starts with this line; remove the line to
# keep your own edits). SQLite storage in this folder; see the README for PostgreSQL.
telemetry:
  enabled: false
# no onboarding / newsletter dialog for the operator of a fresh instance
nux:
  enabled: false
concurrency:
  # No pool limit: DuckDB's file lock serializes the writers of the warehouse and dies with its
  # process; a pool slot of a killed run would block every later run.
  runs:
    max_concurrent_runs: 4
# Dagster's SQLite event log (the same files, {home}/history/runs), keeping its database
# connections between statements: pipelines/event_log.py.
event_log_storage:
  module: pipelines.event_log
  class: KeptEngineSqliteEventLogStorage
  config:
    base_dir: {events}
"""


def dagster_yaml(home: Path) -> str:
    return DAGSTER_YAML.format(marker=MARKER, home=home, events=json.dumps(str(home / "history" / "runs")))


# Set once the instance's SQLite databases exist. Dagster creates them on first use without
# guarding against a second process doing the same (two runs started at once on a fresh home:
# "table secondary_indexes already exists"), so the first use happens here, under a file lock.
STORAGE_READY = ".storage-ready"
LOCK_FILE = ".hotline.lock"


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME with our dagster.yaml and its storage created, safe to call from several
    processes at once."""
    import fcntl

    home = Path(os.environ.get("DAGSTER_HOME") or Settings.from_env().dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process ends
        config = home / "dagster.yaml"
        wanted = dagster_yaml(home)
        current = config.read_text(encoding="utf-8") if config.exists() else None
        if current is None or (current.startswith(MARKER) and current != wanted):
            partial = home / "dagster.yaml.tmp"
            partial.write_text(wanted, encoding="utf-8")
            partial.replace(config)
        if not (home / STORAGE_READY).exists():
            from dagster import DagsterInstance
            from dagster._core.instance.ref import InstanceRef

            DagsterInstance.from_ref(InstanceRef.from_dir(str(home))).dispose()
            (home / STORAGE_READY).write_text("", encoding="utf-8")
    return home
