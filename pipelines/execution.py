"""Running months with the project's definitions: one run for a month or a range of months,
then the refresh of loaded months whose 环比/同比 bases the run changed."""

from dagster import AssetCheckSeverity, AssetSelection, DagsterEventType, DagsterInstance

from pipelines.partitions import assessment_months
from pipelines.resources import RANGE_END_TAG as RANGE_END
from pipelines.resources import RANGE_START_TAG as RANGE_START

# Console logging at INFO: an operator sees each step start and finish, and the ingest's
# per-file progress, without Dagster's debug chatter.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
# What depends on the other months' data: the marts and the report, not the month's own ingest.
DELTA_GROUPS = ("assessment", "overview", "hotspots", "report")


def _tags(first: str, last: str) -> dict[str, str]:
    return {RANGE_START: first, RANGE_END: last}


def execute_months(instance: DagsterInstance, first: str, last: str, *, refresh_dependents: bool = True,
                   selection: AssetSelection | None = None, echo=print) -> bool:
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
            echo(f"hotline: {month} is not an offered month ({keys[0]} .. {keys[-1]}); set HOTLINE_FIRST_MONTH for older months")
            return False
    job = defs.resolve_job_def("month_job")
    if selection is not None:
        job = job.get_subset(asset_selection=set(selection.resolve(defs.resolve_asset_graph())))
    echo(f"hotline: materializing {first}" + ("" if first == last else f" .. {last} in one run"))
    if console is None:
        result = job.execute_in_process(instance=instance, tags=_tags(first, last), run_config=RUN_CONFIG,
                                        raise_on_error=False)
        _summarise(result, echo)
    else:
        import uuid

        run_id = str(uuid.uuid4())  # known before the run starts, so the console can listen to it
        months = [m for m in keys if first <= m <= last]
        with console.run(instance, run_id, first, last, months):
            result = job.execute_in_process(instance=instance, tags=_tags(first, last), run_id=run_id,
                                            run_config=console.run_config(RUN_CONFIG), raise_on_error=False)
        console.run_finished(result)
    ok = result.success
    if ok and refresh_dependents:
        for month in dependent_months_loaded(first, last, echo=echo):
            echo(f"hotline: {month} compares against the months just loaded; refreshing its marts and report")
            ok = execute_months(instance, month, month, refresh_dependents=False,
                                selection=AssetSelection.groups(*DELTA_GROUPS), echo=echo) and ok
    return ok


def dependent_months_loaded(first: str, last: str, echo=None) -> list[str]:
    """Loaded months outside first..last whose 环比 (next month) or 同比 (12 months on) base is
    inside it. A month whose last attempt was blocked or failed (core.month_loads) is left as it
    is, and ``echo`` says so: its marts and report must not be recomputed by another month."""
    from hotline.calendar import shift_month
    from assets.overview import dependent_months
    from hotline.warehouse import open_warehouse
    from pipelines.resources import build_resources

    candidates = set()
    month = first
    while month <= last:
        candidates |= set(dependent_months(month))
        month = shift_month(month, 1)
    candidates = {m for m in candidates if not first <= m <= last}
    if not candidates:
        return []
    from hotline.month_load import LOADED, month_states

    with open_warehouse(build_resources()["warehouse"]) as con:
        loaded = {r[0] for r in con.execute("SELECT DISTINCT month FROM core.assignments").fetchall()}
        states = month_states(con, sorted(candidates))
    refresh = []
    for month in sorted(candidates):
        state, reason, faults = states.get(month, (LOADED, None, 0))
        if state != LOADED:
            if echo is not None and month in loaded:
                why = reason if state == "blocked" and reason else f"{month} is {state}"
                echo(f"hotline: {why}: not refreshed (it keeps its previous marts and report until it loads)")
        elif month in loaded:
            refresh.append(month)
    return refresh


def _summarise(result, echo) -> None:
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            message = (data.user_failure_data.description if data.user_failure_data and data.user_failure_data.description
                       else data.error.message.strip() if data.error else "failed")
            echo(f"FAILED {event.step_key}: {message}")
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                # a WARN check informs (e.g. placeholders left in the draft); an ERROR one blocks
                verdict = "CHECK WARNING" if evaluation.severity == AssetCheckSeverity.WARN else "CHECK FAILED"
                echo(f"{verdict} {evaluation.asset_key.to_user_string()} {evaluation.check_name}: {evaluation.description or ''}")
                faults = evaluation.metadata.get("faults")
                if faults is not None and verdict == "CHECK FAILED":  # a warning's details stay in the UI
                    echo(str(faults.value))
    echo("hotline: run " + ("succeeded" if result.success else "FAILED") + f" (run id {result.run_id})")
