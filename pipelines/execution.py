"""Running months with the project's definitions: one run for a month or a range of months,
then the refresh of loaded months whose 环比/同比 bases the run changed, as the declared
automation requests it (pipelines/automation.py: the conditions the daemon evaluates too)."""

from dagster import AssetCheckSeverity, AssetKey, AssetSelection, DagsterEventType, DagsterInstance

from pipelines.partitions import assessment_months
from pipelines.resources import RANGE_END_TAG as RANGE_END
from pipelines.resources import RANGE_START_TAG as RANGE_START

# Console logging at INFO: an operator sees each step start and finish, and the ingest's
# per-file progress, without Dagster's debug chatter.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def _tags(first: str, last: str) -> dict[str, str]:
    return {RANGE_START: first, RANGE_END: last}


def execute_months(
    instance: DagsterInstance,
    first: str,
    last: str,
    *,
    refresh_dependents: bool = True,
    selection: AssetSelection | None = None,
    echo=print,
) -> bool:
    from pipelines.console import active_console
    from pipelines.definitions import build_definitions

    console = active_console()  # the command's console prints progress and the summary
    if console is not None:
        echo = console.echo
    # Built now, not at import: the resources read the environment (data folder, warehouse) as it
    # is when the months run.
    defs = build_definitions()
    keys = assessment_months.get_partition_keys()
    for month in (first, last):
        if month not in keys:
            echo(
                f"hotline: {month} is not an offered month ({keys[0]} .. {keys[-1]}); set HOTLINE_FIRST_MONTH for "
                "older months"
            )
            return False
    # The automation's state before the run: after it, the conditions see what the run changed.
    before = refresh_cursor(defs, instance) if refresh_dependents else None
    job = defs.resolve_job_def("month_job")
    if selection is not None:
        job = job.get_subset(asset_selection=set(selection.resolve(defs.resolve_asset_graph())))
    echo(f"hotline: materializing {first}" + ("" if first == last else f" .. {last} in one run"))
    if console is None:
        result = job.execute_in_process(
            instance=instance, tags=_tags(first, last), run_config=RUN_CONFIG, raise_on_error=False
        )
        _summarise(result, echo)
    else:
        import uuid

        run_id = str(uuid.uuid4())  # known before the run starts, so the console can listen to it
        months = [m for m in keys if first <= m <= last]
        with console.run(instance, run_id, first, last, months):
            result = job.execute_in_process(
                instance=instance,
                tags=_tags(first, last),
                run_id=run_id,
                run_config=console.run_config(RUN_CONFIG),
                raise_on_error=False,
            )
        console.run_finished(result)
    ok = result.success
    if ok and refresh_dependents:
        refreshes = requested_refreshes(defs, instance, before)
        left_as_they_are(first, last, set(refreshes), echo)
        for month, keys in refreshes.items():
            echo(f"hotline: {month} compares against the months just loaded; refreshing its marts and report")
            ok = (
                execute_months(
                    instance, month, month, refresh_dependents=False, selection=AssetSelection.assets(*keys), echo=echo
                )
                and ok
            )
    return ok


def refresh_cursor(defs, instance: DagsterInstance):
    """The automation's cursor now: a later evaluation from it requests what changed since."""
    from dagster import evaluate_automation_conditions

    from pipelines.automation import REFRESHED

    return evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=REFRESHED).cursor


def requested_refreshes(defs, instance: DagsterInstance, cursor) -> dict[str, list[AssetKey]]:
    """{month: the assets to refresh} as the declared conditions (pipelines/automation.py) request
    them now, from the state ``cursor`` recorded: what the daemon would request, run here at once."""
    from dagster import evaluate_automation_conditions

    from pipelines.automation import REFRESHED

    result = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=REFRESHED, cursor=cursor)
    by_month: dict[str, list[AssetKey]] = {}
    for key in sorted(REFRESHED.resolve(defs.resolve_asset_graph()), key=lambda k: k.to_user_string()):
        for month in result.get_requested_partitions(key):
            by_month.setdefault(month, []).append(key)
    return dict(sorted(by_month.items()))


def left_as_they_are(first: str, last: str, refreshed: set[str], echo) -> None:
    """Say which months comparing with first..last the refresh leaves alone because their own last
    load was blocked or failed (core.month_loads): they keep their previous marts and report."""
    from hotline.calendar import shift_month
    from hotline.marts import dependent_months
    from hotline.month_load import LOADED, month_states
    from pipelines.readonly import WarehouseUnavailable, read_warehouse
    from pipelines.resources import build_resources

    candidates, month = set(), first
    while month <= last:
        candidates |= set(dependent_months(month))
        month = shift_month(month, 1)
    candidates = sorted(m for m in candidates if not first <= m <= last and m not in refreshed)
    if not candidates:
        return
    try:
        with read_warehouse(build_resources()["warehouse"].database) as con:
            stored = {r[0] for r in con.execute("SELECT DISTINCT month FROM core.orders").fetchall()}
            states = month_states(con, candidates)
    except WarehouseUnavailable:
        return
    for month in candidates:
        state, reason, _ = states.get(month, (LOADED, None, 0))
        if state != LOADED and month in stored:
            why = reason if state == "blocked" and reason else f"{month} is {state}"
            echo(f"hotline: {why}: not refreshed (it keeps its previous marts and report until it loads)")


def _summarise(result, echo) -> None:
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            message = (
                data.user_failure_data.description
                if data.user_failure_data and data.user_failure_data.description
                else data.error.message.strip()
                if data.error
                else "failed"
            )
            echo(f"FAILED {event.step_key}: {message}")
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                # a WARN check informs (e.g. placeholders left in the draft); an ERROR one blocks
                verdict = "CHECK WARNING" if evaluation.severity == AssetCheckSeverity.WARN else "CHECK FAILED"
                echo(
                    f"{verdict} {evaluation.asset_key.to_user_string()} {evaluation.check_name}: "
                    f"{evaluation.description or ''}"
                )
                faults = evaluation.metadata.get("faults")
                if faults is not None and verdict == "CHECK FAILED":  # a warning's details stay in the UI
                    echo(str(faults.value))
    echo("hotline: run " + ("succeeded" if result.success else "FAILED") + f" (run id {result.run_id})")
