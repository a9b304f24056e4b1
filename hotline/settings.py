"""Where things live. Every path comes from here: the environment or the CLI's flags decide,
these defaults only apply when neither says anything."""

from __future__ import annotations

import os
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


def report_workers() -> int:
    value = os.environ.get(REPORT_WORKERS_ENV, "").strip()
    if not value:
        return min(os.cpu_count() or 1, MAX_REPORT_WORKERS)
    try:
        workers = int(value)
    except ValueError:
        raise ValueError(
            f"{REPORT_WORKERS_ENV}={value!r}: expected a whole number of worker processes (0 = none)"
        ) from None
    if workers < 0:
        raise ValueError(f"{REPORT_WORKERS_ENV}={value!r}: expected 0 or more worker processes")
    return workers


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse: Path
    reports_dir: Path
    dagster_home: Path
    phone_key_file: Path
    report_workers: int

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
        return cls(data_dir, warehouse, reports_dir, dagster_home, phone_key_file, report_workers())

    @property
    def reference_dir(self) -> Path:
        return self.data_dir / "reference"

    def month_dir(self, month: str) -> Path:
        return self.data_dir / "months" / month
