"""The one set of Dagster definitions: the UI, the CLI, the schedule and the tests all load this."""

from __future__ import annotations

import importlib
import importlib.util
import os

from dagster import (
    Definitions,
    in_process_executor,
    load_asset_checks_from_modules,
    load_assets_from_modules,
    map_asset_specs,
)

import assets.ingest
import assets.marts
import assets.reference

ASSET_MODULES = [assets.reference, assets.ingest, assets.marts]
# The report's assets join the graph as soon as their module exists (it is written in parallel).
if importlib.util.find_spec("assets.report") is not None:
    ASSET_MODULES.append(importlib.import_module("assets.report"))

# Who answers for every asset, shown in the UI's asset pages: e-mail addresses or "team:NAME",
# comma-separated (HOTLINE_ASSET_OWNERS).
OWNERS_ENV = "HOTLINE_ASSET_OWNERS"
DEFAULT_OWNERS = "team:hotline-data"
OWNERS = [o.strip() for o in os.environ.get(OWNERS_ENV, DEFAULT_OWNERS).split(",") if o.strip()]

# The groups as the asset graph reads them, left to right.
GROUP_ORDER = ["reference", "ingest", "assessment", "overview", "hotspots", "report"]


def _with_automation(spec):
    """The refresh conditions on the marts and the report (pipelines/automation.py)."""
    from pipelines.automation import REFRESHED_GROUPS, refresh_condition

    if spec.group_name not in REFRESHED_GROUPS:
        return spec
    return spec.replace_attributes(automation_condition=refresh_condition())


all_assets = map_asset_specs(
    lambda spec: _with_automation(spec.replace_attributes(owners=OWNERS)), load_assets_from_modules(ASSET_MODULES)
)
all_checks = load_asset_checks_from_modules(ASSET_MODULES)


def build_definitions() -> Definitions:
    from pipelines.automation import month_refresh_sensor
    from pipelines.jobs import all_jobs
    from pipelines.resources import build_resources
    from pipelines.schedules import all_schedules
    from pipelines.sensors import all_checks as operations_checks
    from pipelines.sensors import all_sensors

    return Definitions(
        assets=all_assets,
        asset_checks=[*all_checks, *operations_checks],
        jobs=all_jobs,
        schedules=all_schedules,
        sensors=[*all_sensors, month_refresh_sensor],
        resources=build_resources(),
        # Every step writes the one DuckDB file, which takes one writing process at a time, so
        # steps run one after the other anyway: in one process per run, without starting a
        # Python process (and loading these definitions) for each step. (The report draws in worker
        # processes of its own: pipelines/resources.py ReportRenderer.)
        executor=in_process_executor,
    )


defs = build_definitions()
