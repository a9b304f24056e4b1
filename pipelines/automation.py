"""Which months Dagster refreshes by itself: the declarative automation of the marts and the report.

A month's marts compare it with its 环比 and 同比 bases (declared as partition mappings:
pipelines/partitions.py), so when a base month is loaded again its dependent months' marts and
report are out of date. Every trigger (the arrival sensor, the schedule, a launch from the UI, the
CLI) leaves the refresh to the same conditions, evaluated by the daemon through
``month_refresh_sensor`` and by ``hotline run`` through ``pipelines.execution``:

- something the asset reads changed since it was last requested or materialized;
- the month's marts exist already (a month never loaded is never materialized by the automation);
- no run is materializing the month, nor what it reads (the run of the base month finishes first);
- the month's own last load succeeded (``core.month_loads``): a blocked or failed month keeps its
  previous marts and report until it loads.

Within a month the report follows its marts: it reads them, so it is requested with them and runs
after them in the same run.
"""

from __future__ import annotations

import logging
import os

from dagster import (
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    AutomationContext,
    AutomationResult,
    DefaultSensorStatus,
)

# The assets the automation keeps up to date: every mart and the report (not the reference data
# nor the ingest, which only a new export or an operator changes).
REFRESHED_GROUPS = ("assessment", "overview", "hotspots", "report")
REFRESHED = AssetSelection.groups(*REFRESHED_GROUPS)
# How often the daemon evaluates the conditions (seconds; the environment can set it, as the
# arrival sensor's interval).
INTERVAL_ENV = "HOTLINE_AUTOMATION_INTERVAL_SECONDS"
DEFAULT_INTERVAL = 30

log = logging.getLogger(__name__)


def loaded_months() -> frozenset[str]:
    """The months whose last load succeeded, read from the warehouse; none while a run holds the
    warehouse (the next evaluation decides). A month core.month_loads does not know (a warehouse
    older than it) counts as loaded when its orders are stored."""
    from hotline.month_load import LOADED
    from pipelines.readonly import WarehouseUnavailable, read_warehouse, table_exists
    from pipelines.resources import build_resources

    try:
        with read_warehouse(build_resources()["warehouse"].database) as con:
            if not table_exists(con, "core.month_loads"):
                return frozenset()
            rows = con.execute(
                "SELECT month, l.state, o.month IS NOT NULL FROM core.month_loads AS l "
                "FULL JOIN (SELECT DISTINCT month FROM core.orders) AS o USING (month)"
            ).fetchall()
    except WarehouseUnavailable as exc:
        log.info("months not judged now: %s", exc)
        return frozenset()
    return frozenset(month for month, state, stored in rows if state == LOADED or (state is None and stored))


# The warehouse is read once per evaluation, and every asset of that evaluation gets the same
# answer: a month's marts and report are requested together or not at all. Read per asset, a run
# taking the warehouse in between split a month's refresh over two runs, the first computing
# mart.anomalies from a mart.hotspots the second had not refreshed yet.
_judged: tuple[object, frozenset[str]] | None = None


def loaded_months_of_evaluation(evaluation_time) -> frozenset[str]:
    global _judged
    if _judged is None or _judged[0] != evaluation_time:
        _judged = (evaluation_time, loaded_months())
    return _judged[1]


class MonthLoaded(AutomationCondition):
    """True for the months whose own last load succeeded (core.month_loads): a blocked or failed
    month is never refreshed; it keeps its state."""

    @property
    def description(self) -> str:
        return "the month's last load succeeded (core.month_loads)"

    @property
    def name(self) -> str:
        return "month_loaded"

    def evaluate(self, context: AutomationContext) -> AutomationResult:
        candidates = context.candidate_subset
        if candidates.is_empty:
            return AutomationResult(context, candidates)
        loaded = loaded_months_of_evaluation(context.evaluation_time)
        return AutomationResult(context, candidates.compute_intersection_with_partition_keys(set(loaded)))


def refresh_condition() -> AutomationCondition:
    """Refresh a loaded month's asset when what it reads changed (another month's partitions
    included, through the partition mappings), once nothing it reads is being materialized."""
    return (
        AutomationCondition.any_deps_updated().since_last_handled()
        & ~AutomationCondition.missing()
        & ~AutomationCondition.in_progress()
        & ~AutomationCondition.any_deps_in_progress()
        & MonthLoaded()  # last: it reads the warehouse, only for the months still candidates
    ).with_label("refresh when its inputs change")


# Evaluated in the code server, not in the daemon: MonthLoaded reads the warehouse, which only the
# project's code knows. Running by default: `dagster dev` and `dagster-daemon run` evaluate it.
month_refresh_sensor = AutomationConditionSensorDefinition(
    "month_refresh_sensor",
    target=REFRESHED,
    use_user_code_server=True,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=int(os.environ.get(INTERVAL_ENV, DEFAULT_INTERVAL)),
    emit_backfills=False,
    description="Refreshes the marts and report of loaded months whose inputs changed: the month after a "
    "reloaded month (环比) and the month a year after it (同比), whoever started the reload. A "
    "blocked or failed month is left as it is.",
)
