"""What the pipeline computes, as Dagster assets and asset checks: reference data, ingest,
assessment, overview, hotspots, text and the report. Each module holds the assets of one domain
and calls the core (hotline/) for the work; their SQL lives in ``sql/``, named after the table.
(No imports here: importing one asset module should not load the others.)"""
