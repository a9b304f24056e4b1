"""The Dagster instance hotline sets up: its dagster.yaml and the SQLite event log that keeps its
database engines (pipelines/event_log.py)."""

import logging
import time

from dagster import DagsterInstance
from dagster._core.events.log import EventLogEntry


def _entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None, level=logging.INFO, user_message=message, run_id=run_id, timestamp=time.time()
    )


def test_event_log_keeps_a_bounded_set_of_engines_and_reads_every_run_back(tmp_path):
    from pipelines.event_log import MAX_ENGINES, KeptEngineSqliteEventLogStorage

    storage = KeptEngineSqliteEventLogStorage(str(tmp_path))
    runs = [f"run{i:02d}" for i in range(MAX_ENGINES + 8)]
    for run_id in runs:
        for n in range(3):
            storage.store_event(_entry(run_id, f"{run_id} says {n}"))
    assert len(storage._engines) == MAX_ENGINES  # one per recently used shard, the oldest disposed of
    reopened = KeptEngineSqliteEventLogStorage(str(tmp_path))  # what another process reads: the same files
    for run_id in runs:
        assert [e.user_message for e in reopened.get_logs_for_run(run_id)] == [f"{run_id} says {n}" for n in range(3)]
    storage.delete_events(runs[0])
    assert reopened.get_logs_for_run(runs[0]) == [] and len(storage.get_logs_for_run(runs[1])) == 3
    storage.dispose()
    reopened.dispose()


def test_hotline_dagster_home_uses_the_kept_engine_event_log(tmp_path, monkeypatch):
    from pipelines.instance import MARKER, STORAGE_READY, ensure_dagster_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    home = ensure_dagster_home()
    assert (home / "dagster.yaml").read_text(encoding="utf-8").startswith(MARKER)
    assert (home / STORAGE_READY).exists() and (home / "history" / "runs.db").exists()
    instance = DagsterInstance.get()
    try:
        assert type(instance.event_log_storage).__name__ == "KeptEngineSqliteEventLogStorage"
        assert instance.event_log_storage._base_dir == str(home / "history" / "runs")
    finally:
        instance.dispose()
    # an analyst's own dagster.yaml (marker line removed) is left as it is
    own = "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(own, encoding="utf-8")
    ensure_dagster_home()
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == own


def test_the_event_log_override_was_checked_against_this_dagster():
    """Fails when a Dagster upgrade changes the private method the kept-engine storage replaces:
    re-read the stock SqliteEventLogStorage._connect, adapt the override, then update
    CHECKED_CONNECT_SHA256. Until then the storage uses the stock method (next test)."""
    from pipelines.event_log import OVERRIDE_APPLIES, override_applies

    assert override_applies() and OVERRIDE_APPLIES


def test_the_event_log_falls_back_to_the_stock_connect_when_dagster_changed(tmp_path, monkeypatch):
    import pipelines.event_log as event_log

    monkeypatch.setattr(event_log, "OVERRIDE_APPLIES", False)
    storage = event_log.KeptEngineSqliteEventLogStorage(str(tmp_path))
    for n in range(3):
        storage.store_event(_entry("run", f"says {n}"))
    assert [e.user_message for e in storage.get_logs_for_run("run")] == [f"says {n}" for n in range(3)]
    assert storage._engines == {}  # the stock method built (and disposed of) its own engines
    storage.dispose()
