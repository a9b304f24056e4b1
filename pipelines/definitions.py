"""The one set of Dagster definitions: the UI, the CLI, the schedule and the tests all load this."""

from __future__ import annotations

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

import assets.assessment
import assets.hotspots
import assets.ingest
import assets.overview
import assets.reference
import assets.report

ASSET_MODULES = [assets.reference, assets.ingest, assets.assessment, assets.overview, assets.hotspots, assets.report]

all_assets = load_assets_from_modules(ASSET_MODULES)
all_checks = load_asset_checks_from_modules(ASSET_MODULES)


def build_definitions() -> Definitions:
    from pipelines.jobs import all_jobs
    from pipelines.resources import build_resources

    return Definitions(
        assets=all_assets,
        asset_checks=all_checks,
        jobs=all_jobs,
        resources=build_resources(),
    )


defs = build_definitions()
