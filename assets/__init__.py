"""What the pipeline computes: reference data, ingest, assessment, hotspots and the report.
Each module holds the assets of one domain; their SQL lives in ``sql/``, named after the table.
(No imports here: the report's worker processes load hotline.report without Dagster.)"""
