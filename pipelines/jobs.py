"""Jobs: a month end to end. Backfills run the same job over a range of months as one run."""

from dagster import AssetSelection, define_asset_job

month_job = define_asset_job(
    "month_job",
    selection=AssetSelection.all(),
    description="Materialize one assessment month end to end: reference data, ingest, marts, report.",
)

all_jobs = [month_job]
