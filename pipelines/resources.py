"""Resources: the warehouse connection, the project's paths and the report's renderer processes,
all from settings."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, InitResourceContext
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from hotline.settings import Settings

RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


class HotlinePaths(ConfigurableResource):
    """Where the data folder, the reports and the phone-hash key are."""

    data_dir: str
    reports_dir: str
    phone_key_file: str

    @property
    def data(self) -> Path:
        return Path(self.data_dir)

    @property
    def reference(self) -> Path:
        return Path(self.data_dir) / "reference"

    def month_dir(self, month: str) -> Path:
        return Path(self.data_dir) / "months" / month

    def report_dir(self, month: str) -> Path:
        return Path(self.reports_dir) / month


class InlineExecutor(Executor):
    """Runs each task at once in this process: the renderer without worker processes."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever asks for the result, as a pool would
            future.set_exception(exc)
        return future


class _PooledTask:
    """A task sent to the renderer's pool; if the pool breaks (a worker killed, or the parent's
    ``__main__`` unable to start one), the task runs again in this process instead."""

    def __init__(self, executor: RendererExecutor, fn: Callable[..., Any], args: tuple):
        self._executor, self._fn, self._args = executor, fn, args
        self._future = executor.pool_submit(fn, args)

    def result(self) -> Any:
        try:
            return self._future.result()
        except BrokenProcessPool:
            self._executor.broken()
            return self._fn(*self._args)


class RendererExecutor(Executor):
    """The worker pool as an Executor whose tasks fall back to this process when it breaks."""

    def __init__(self, pool: ProcessPoolExecutor, warn: Callable[[str], None]):
        self._pool, self._warn, self._broken = pool, warn, False

    def pool_submit(self, fn: Callable[..., Any], args: tuple) -> Future:
        if not self._broken:
            try:
                return self._pool.submit(fn, *args)
            except BrokenProcessPool:
                self.broken()
        return InlineExecutor().submit(fn, *args)

    def broken(self) -> None:
        if not self._broken:
            self._broken = True
            self._warn("the report's worker processes stopped; rendering the rest in the run's own process")

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> _PooledTask:  # type: ignore[override]
        if kwargs:
            raise TypeError("renderer tasks take positional arguments only")
        return _PooledTask(self, fn, args)


class ReportRenderer(ConfigurableResource):
    """Worker processes that draw the report's charts and write its documents
    (hotline/report/tasks.py). They start with the run and load the renderers (their
    imports) on another CPU while the run ingests and computes the marts; a range of months then
    renders on every worker at once. ``workers = 0`` renders in the run's own process.

    The workers are started with ``spawn`` (hotline/report/pool.py), which imports the launching
    script again: a script that runs months itself needs the usual ``if __name__ == "__main__":``
    guard. Without it, or if a worker dies, the report is rendered in the run's own process, with a
    warning."""

    workers: int

    _pool: Any = PrivateAttr(default=None)
    _log: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        from hotline.report.pool import adopt, new_pool

        self._log = context.log
        if self.workers <= 0:
            return
        # Workers started by the CLI before its imports (report_pool.start_early) if any; else
        # started now, not at the first task: for one month on the CPUs the run's own process
        # leaves free (at least one; the pool starts the others when tasks queue up), for a range
        # of months all of them (its report keeps every worker busy, and its ingest and marts run
        # long enough to hide the start).
        run = context.run
        tags = run.tags if run is not None else {}
        several_months = tags.get(RANGE_START_TAG, "") != tags.get(RANGE_END_TAG, "")
        spare = max(1, min(self.workers, (os.cpu_count() or 1) - 1))
        self._pool = adopt(self.workers) or new_pool(self.workers, self.workers if several_months else spare)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def executor(self) -> Executor:
        if self._pool is None:
            return InlineExecutor()
        warn = self._log.warning if self._log is not None else (lambda text: None)
        return RendererExecutor(self._pool, warn)


def build_resources(settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    return {
        # Replacement scans off: a table missing from the warehouse must be an error, never a
        # Python variable of the same name.
        "warehouse": DuckDBResource(
            database=str(settings.warehouse),
            connection_config={"python_enable_replacements": False}
            | ({"memory_limit": settings.warehouse_memory_limit} if settings.warehouse_memory_limit else {}),
        ),
        "paths": HotlinePaths(
            data_dir=str(settings.data_dir),
            reports_dir=str(settings.reports_dir),
            phone_key_file=str(settings.phone_key_file),
        ),
        "renderer": ReportRenderer(workers=settings.report_workers),
    }
