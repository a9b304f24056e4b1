"""Where things live. Every path comes from here: the environment or the CLI's flags decide,
these defaults only apply when neither says anything."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
DEFAULT_RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"
# Worker processes that draw the charts and write the documents (pipelines/resources.py
# ReportRenderer): one per CPU, at most MAX_REPORT_WORKERS (each holds ~150 MB of renderers);
# 0 renders in the run's own process.
REPORT_WORKERS_ENV = "HOTLINE_REPORT_WORKERS"
MAX_REPORT_WORKERS = 4


class SettingError(ValueError):
    """A HOTLINE_* environment variable holds a value the program cannot use (the message names it)."""


def report_workers() -> int:
    value = os.environ.get(REPORT_WORKERS_ENV, "").strip()
    if not value:
        return min(os.cpu_count() or 1, MAX_REPORT_WORKERS)
    try:
        workers = int(value)
    except ValueError:
        raise SettingError(
            f"{REPORT_WORKERS_ENV}={value!r}: expected a whole number of worker processes (0 = none)"
        ) from None
    if workers < 0:
        raise SettingError(f"{REPORT_WORKERS_ENV}={value!r}: expected 0 or more worker processes")
    return workers


# DuckDB's memory limit for the warehouse's writing connections (its own default: 80 % of RAM). A
# month's transaction keeps its rows in DuckDB's buffer pool while core.orders is aggregated; a limit
# makes DuckDB evict to disk instead, slower but smaller (BENCHMARKS.md "Fourth round", Memory).
WAREHOUSE_MEMORY_ENV = "HOTLINE_WAREHOUSE_MEMORY_LIMIT"
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def warehouse_memory_limit() -> str | None:
    """HOTLINE_WAREHOUSE_MEMORY_LIMIT as DuckDB reads it ('4GB', '1536MiB'), or None when unset."""
    value = os.environ.get(WAREHOUSE_MEMORY_ENV, "").strip()
    if not value:
        return None
    if not _MEMORY.fullmatch(value):
        raise SettingError(f"{WAREHOUSE_MEMORY_ENV}={value!r}: expected an amount of memory such as 4GB or 1536MiB")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse: Path
    reports_dir: Path
    dagster_home: Path
    phone_key_file: Path
    report_workers: int
    warehouse_memory_limit: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("HOTLINE_DATA_DIR", "data")).resolve()
        warehouse = Path(os.environ.get("HOTLINE_WAREHOUSE", data_dir / "warehouse.duckdb")).resolve()
        reports_dir = Path(os.environ.get("HOTLINE_REPORTS_DIR", "reports")).resolve()
        dagster_home = Path(os.environ.get("DAGSTER_HOME", data_dir / ".dagster")).resolve()
        # The phone-hash key must live outside the data folder, so that a copied data folder
        # (or warehouse) never carries the means to test phone numbers against it.
        phone_key_file = Path(
            os.environ.get("HOTLINE_PHONE_KEY_FILE", Path.home() / ".config" / "hotline" / "phone_hash.key")
        ).resolve()
        return cls(
            data_dir, warehouse, reports_dir, dagster_home, phone_key_file, report_workers(), warehouse_memory_limit()
        )

    @property
    def reference_dir(self) -> Path:
        return self.data_dir / "reference"

    def month_dir(self, month: str) -> Path:
        return self.data_dir / "months" / month
