"""What the pipeline computes: reference data, ingest, assessment, hotspots and the report.
Each module holds the assets of one domain; their SQL lives in ``sql/``, named after the table."""

import warnings

from dagster import BetaWarning, PreviewWarning

# We use single-run backfills (BackfillPolicy) on purpose: a range of months must run in one
# process, in month order. Dagster marks it as beta.
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)
