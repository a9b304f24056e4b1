"""Resources: the warehouse connection and the project's paths, both from settings."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from pipelines.settings import Settings


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


def build_resources(settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    return {
        # Replacement scans off: a table missing from the warehouse must be an error, never a
        # Python variable of the same name.
        "warehouse": DuckDBResource(
            database=str(settings.warehouse),
            connection_config={"python_enable_replacements": False},
        ),
        "paths": HotlinePaths(
            data_dir=str(settings.data_dir),
            reports_dir=str(settings.reports_dir),
            phone_key_file=str(settings.phone_key_file),
        ),
    }
