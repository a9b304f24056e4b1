"""Assessment-month partitions, labelled ``YYYY-MM``. A label names an assessment month, whose real
window comes from the calendar (``ref.months``); Dagster's calendar-month time window is only
the label's slot and is never used as the window."""

from __future__ import annotations

import os
import warnings

from dagster import (
    BackfillPolicy,
    BetaWarning,
    MonthlyPartitionsDefinition,
    PreviewWarning,
    TimeWindowPartitionMapping,
)

# We use single-run backfills (BackfillPolicy) on purpose: a range of months must run in one
# process, in month order. Dagster marks it as beta. (Set here, before any asset module uses it.)
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)

# The first month the partitions offer; older data can be loaded by setting this earlier.
FIRST_MONTH = os.environ.get("HOTLINE_FIRST_MONTH", "2022-01")

# end_offset=1 offers the current calendar month too: its window closes on the 22nd, before the
# calendar month ends.
assessment_months = MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=1)

# Every month-partitioned asset: a range of months runs as one run, each asset looping over the
# months in order (later months compare with earlier ones). Writers of the warehouse take turns
# through DuckDB's file lock (hotline.warehouse.connect_waiting), not a Dagster pool: a pool slot
# held by a killed run is never given back.
MONTHLY = dict(partitions_def=assessment_months, backfill_policy=BackfillPolicy.single_run())

# 环比 and 同比 as Dagster sees them: a mart that compares month M with M-1 and M-12 depends on those
# months' partitions. Dagster takes one mapping per upstream asset and asset, so the two bases hang
# on two keys the ingest writes in one transaction (core/orders for M-1..M, core/export_files for
# M-12), which keeps staleness precise: a change of M makes M+1 and M+12 stale, not M+2..M+11.
# The first months have no base partition: allowed (their bases are NULL, as in the SQL).
MONTH_AND_PREVIOUS = TimeWindowPartitionMapping(
    start_offset=-1, end_offset=0, allow_nonexistent_upstream_partitions=True
)
YEAR_BEFORE = TimeWindowPartitionMapping(start_offset=-12, end_offset=-12, allow_nonexistent_upstream_partitions=True)
