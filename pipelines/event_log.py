"""Dagster's SQLite event log, with its SQLAlchemy engines kept instead of rebuilt per statement.

``SqliteEventLogStorage._connect`` builds an engine, opens one connection, and disposes of the
engine for every statement it runs: ~2 ms of Python each, ~5 statements per event stored, and a
district month stores ~130 events, a 24-month backfill ~1,600 (every asset's materialization and
its planned materialization per month). Here each database file (a run's shard, the index) keeps
its engine; ``NullPool`` still opens and closes a real SQLite connection per use, exactly as
before, so locking, WAL and the other processes reading the files see no difference. Only the
most recently used MAX_ENGINES shards keep one (a UI server reads many runs).

Used through the instance's dagster.yaml (pipelines/instance.py), with the same files as Dagster's
default SQLite storage. It overrides one private method, checked against dagster 1.13
(pyproject.toml pins dagster==1.13.*); for shared deployments use PostgreSQL (see the README)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Iterator

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

MAX_ENGINES = 32


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one kept engine per shard (see the module's docstring)."""

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
                engine = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            self._engines[shard] = engine  # most recently used last
            while len(self._engines) > MAX_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
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
