"""Dagster's SQLite event log, with its database connections kept instead of rebuilt per statement.

``SqliteEventLogStorage._connect`` builds a SQLAlchemy engine, opens a SQLite connection, and
disposes of both for every statement it runs; closing the last connection of a WAL database also
checkpoints it. A district month stores ~130 events and a 24-month backfill ~1,600 (every asset's
materialization and planned materialization, per month), each ~5 statements; kept connections cut the
CPU per event severalfold (BENCHMARKS.md; tests/test_instance.py stores and reads back).

Here each database file (a run's shard, the index) keeps one engine with one pooled connection
(more only while a second thread needs one); only the MAX_ENGINES most recently used shards keep
theirs (a UI server reads many runs). Transactions, WAL and the busy timeout are Dagster's, so
other processes reading and writing the same files see no difference. Commits do not wait for an
fsync (synchronous=NORMAL, safe in WAL mode: see _wal_commits_without_fsync).

Used through the instance's dagster.yaml (pipelines/instance.py), with the same files as Dagster's
default SQLite storage. It overrides one private method, ``_connect``, and relies on private
attributes of the stock class. Both are checked when this module loads (``override_applies``): if a
Dagster release changed them, the storage falls back to the stock ``_connect`` (correct, only
slower), and tests/test_instance.py fails so that a maintainer re-checks the override. pyproject.toml
pins dagster==1.13.* for the same reason. For shared deployments use PostgreSQL (see the README)."""

from __future__ import annotations

import hashlib
import inspect
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

MAX_ENGINES = 32
POOL_OVERFLOW = 4

# sha256 of the stock SqliteEventLogStorage._connect's source (dagster 1.13.27) that the override
# below was written against: it builds an engine per statement, initialises a shard's database on
# first use (_initialized_dbs, _initdb) under _db_lock, and yields a connection in a transaction.
CHECKED_CONNECT_SHA256 = "32c43750d4b7e288923a00303419c0c83280972c04630c8e575b54afd5eef880"
RELIED_ON = ("_connect", "_initdb", "conn_string_for_shard")


def override_applies() -> bool:
    """Whether the stock storage is still the one the override was checked against."""
    if not all(hasattr(SqliteEventLogStorage, name) for name in RELIED_ON):
        return False
    try:
        source = textwrap.dedent(inspect.getsource(SqliteEventLogStorage._connect))
    except (OSError, TypeError):  # no source to compare (a frozen or compiled install)
        return False
    return hashlib.sha256(source.encode("utf-8")).hexdigest() == CHECKED_CONNECT_SHA256


OVERRIDE_APPLIES = override_applies()


def _wal_commits_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    # The event log runs in WAL mode (Dagster sets it). synchronous=NORMAL there still never
    # corrupts the database; a power cut (not a crash of the process) may lose the last events
    # committed before it. The warehouse, where the months live, is DuckDB's and not affected.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one kept engine and connection per shard (see the module's docstring)."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> KeptEngineSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=QueuePool,
                    pool_size=1,
                    max_overflow=POOL_OVERFLOW,
                    pool_pre_ping=False,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                )
                event.listen(engine, "connect", _wal_commits_without_fsync)
            self._engines[shard] = engine  # most recently used last
            while len(self._engines) > MAX_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        if not OVERRIDE_APPLIES or not hasattr(self, "_initialized_dbs"):
            with super()._connect(shard) as conn:
                yield conn
            return
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def wipe(self) -> None:
        self._forget_engines()
        super().wipe()

    def delete_events(self, run_id: str) -> None:
        self._forget_engines()
        super().delete_events(run_id)

    def dispose(self) -> None:
        self._forget_engines()
        super().dispose()

    def _forget_engines(self) -> None:
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
