"""What each month holds, read from the warehouse and the Dagster instance, running nothing: the
table ``hotline status`` prints and every run ends with.

Per month: its state (loaded / blocked / failed), rows stored, rejected and replaced, the checks
of the last run that covered it, the report (final, or a draft with its number of 【待补充】 spots)
and whether its marts are stale.

**Stale.** A month's marts compare it with its 环比 base (the month before) and its 同比 base (12
months before). The marts are stale when a base month was loaded after the month's marts were last
materialized: its deltas were computed against data that has since been replaced. "Loaded" is
``core.month_loads.loaded_at`` when that table exists, else the last materialization of
``core/assignments`` for the base month in the Dagster instance; "materialized" is the oldest of the
last materializations of the month's marts that compare months (``mart/overview``,
``mart/hotspots``: the ones the automation refreshes, pipelines/automation.py). ``hotline run
MONTH`` (or a backfill over the base) refreshes it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.readonly import table_exists

MONTH_BACK, YEAR_BACK = 1, 12
BASE_LABELS = {MONTH_BACK: "环比", YEAR_BACK: "同比"}
LOADED_KEY = ("core", "assignments")
DELTA_MART_KEYS = (("mart", "overview"), ("mart", "hotspots"))
PLACEHOLDER_CHECK = "report_has_no_placeholders"
MONTH_JOB = "month_job"
RUNS_LOOKED_AT = 200


@dataclass
class MonthStatus:
    month: str
    state: str  # loaded | blocked | failed
    rows_stored: int | None = None
    rows_rejected: int | None = None
    rows_replaced: int | None = None
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)  # ERROR checks that did not pass
    checks_warned: list[str] = field(default_factory=list)  # WARN checks that did not pass
    report: str = "none"  # final | draft | none
    placeholders: int | None = None  # 【待补充】 spots left in the DOCX
    stale_bases: list[str] = field(default_factory=list)  # e.g. ["2024-01 环比"]
    reason: str | None = None  # why a month is blocked or failed (core.month_loads)

    @property
    def checks(self) -> str:
        if not (self.checks_passed or self.checks_failed or self.checks_warned):
            return "-"  # no run of this instance covered the month
        parts = [f"{self.checks_passed} ok"] if self.checks_passed else []
        if self.checks_failed:
            parts.append(f"{len(self.checks_failed)} failed")
        if self.checks_warned:
            parts.append(f"{len(self.checks_warned)} warn")
        return ", ".join(parts)

    @property
    def report_label(self) -> str:
        return {"final": "final", "none": "-"}.get(self.report, f"draft ({self.placeholders} to fill)")

    @property
    def stale(self) -> str:
        return "stale: " + ", ".join(self.stale_bases) if self.stale_bases else "no"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(checks=self.checks, stale=bool(self.stale_bases))
        return data


# ------------------------------------------------------------------------------- the warehouse
def _loads(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per month: state, row counts, load time, reason. ``core.month_loads`` (its latest attempt) when
    present; else derived from ``core.export_files`` and ``core.assignments`` (loaded months only)."""
    if table_exists(con, "core.month_loads"):
        rows = con.execute(
            "SELECT month, state, rows_stored, rows_rejected, rows_replaced, loaded_at, reason FROM core.month_loads "
            "QUALIFY row_number() OVER (PARTITION BY month ORDER BY attempted_at DESC) = 1"
        ).fetchall()
        return {
            r[0]: {
                "state": r[1],
                "rows_stored": r[2],
                "rows_rejected": r[3],
                "rows_replaced": r[4],
                "loaded_at": r[5],
                "reason": r[6],
            }
            for r in rows
        }
    loads: dict[str, dict[str, Any]] = {}
    if not table_exists(con, "core.export_files"):
        return loads  # a warehouse no run has written yet
    for month, stored, rejected, replaced in con.execute(
        "SELECT month, sum(rows_stored), sum(rows_rejected), sum(rows_replaced) FROM core.export_files GROUP BY month"
    ).fetchall():
        loads[month] = {
            "state": "loaded",
            "rows_stored": int(stored),
            "rows_rejected": int(rejected),
            "rows_replaced": int(replaced),
            "loaded_at": None,
            "reason": None,
        }
    for (month,) in con.execute("SELECT DISTINCT month FROM core.assignments").fetchall():
        loads.setdefault(
            month,
            {
                "state": "loaded",
                "rows_stored": None,
                "rows_rejected": None,
                "rows_replaced": None,
                "loaded_at": None,
                "reason": None,
            },
        )
    return loads


# ------------------------------------------------------------------------ the Dagster instance
def _latest_materializations(instance, key: tuple[str, ...]) -> dict[str, float]:
    """Per partition (month), the timestamp of the asset's last materialization."""
    from dagster import AssetKey

    latest: dict[str, float] = {}
    cursor = None
    while True:
        page = instance.fetch_materializations(AssetKey(list(key)), limit=1000, cursor=cursor)
        for record in page.records:
            if record.partition_key and record.timestamp > latest.get(record.partition_key, 0):
                latest[record.partition_key] = record.timestamp
        if not page.has_more:
            return latest
        cursor = page.cursor


def _run_months(run) -> tuple[str, str] | None:
    tags = run.tags
    if "dagster/asset_partition_range_start" in tags:
        return tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]
    if "dagster/partition" in tags:
        return tags["dagster/partition"], tags["dagster/partition"]
    return None


def check_outcomes(evaluations, month: str) -> tuple[int, list[str], list[str]]:
    """(passed, failed, warned) of a run's check evaluations, for one month. A check that reports a
    count per month (the placeholders) is judged for that month alone."""
    from dagster import AssetCheckSeverity

    passed, failed, warned = 0, [], []
    for evaluation in evaluations:
        ok = evaluation.passed
        per_month = evaluation.metadata.get("per month")
        if per_month is not None and isinstance(per_month.value, dict) and month in per_month.value:
            ok = not per_month.value[month]
        if ok:
            passed += 1
        elif evaluation.severity == AssetCheckSeverity.WARN:
            warned.append(evaluation.check_name)
        else:
            failed.append(evaluation.check_name)
    return passed, failed, warned


def _last_run_checks(instance, months: list[str]) -> dict[str, list]:
    """Per month, the check evaluations of the newest run of the month job that covered it."""
    from dagster import DagsterEventType, RunsFilter

    found: dict[str, list] = {}
    wanted = set(months)
    for run in instance.get_runs(filters=RunsFilter(job_name=MONTH_JOB), limit=RUNS_LOOKED_AT):
        span = _run_months(run)
        if span is None:
            continue
        covered = {m for m in wanted - set(found) if span[0] <= m <= span[1]}
        if not covered:
            continue
        evaluations = [
            e.dagster_event.event_specific_data
            for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
        if not evaluations:
            continue  # a refresh of the marts only, or a run that stopped before its checks
        for month in covered:
            found[month] = evaluations
        if len(found) == len(wanted):
            break
    return found


def _timestamp(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def stale_bases(month: str, marts_at: float | None, loaded_at: dict[str, float]) -> list[str]:
    """The bases of ``month`` (环比, 同比) loaded after its marts were materialized at ``marts_at``."""
    from hotline.calendar import shift_month

    if marts_at is None:
        return []
    stale = []
    for back, label in BASE_LABELS.items():
        base = shift_month(month, -back)
        if base in loaded_at and loaded_at[base] > marts_at:
            stale.append(f"{base} {label}")
    return stale


# ------------------------------------------------------------------------------------ the table
def month_statuses(
    con: duckdb.DuckDBPyConnection, instance, reports_dir: Path, months: list[str] | None = None
) -> list[MonthStatus]:
    """The status of ``months`` (default: every month the warehouse knows), oldest first."""
    from hotline.report.render import DOCX_NAME, docx_placeholders

    loads = _loads(con)
    months = sorted(set(months) if months else set(loads))
    loaded_at = {m: _timestamp(v["loaded_at"]) for m, v in loads.items() if v["loaded_at"] is not None}
    if instance is not None:
        for m, at in _latest_materializations(instance, LOADED_KEY).items():
            loaded_at.setdefault(m, at)  # core.month_loads, when present, is the authority
        marts = [_latest_materializations(instance, key) for key in DELTA_MART_KEYS]
        checks = _last_run_checks(instance, months)
    else:
        marts, checks = [], {}
    statuses = []
    for month in months:
        load = loads.get(month)
        status = MonthStatus(month=month, state=load["state"] if load else "not loaded")
        if load:
            status.rows_stored, status.rows_rejected, status.rows_replaced = (
                load["rows_stored"],
                load["rows_rejected"],
                load["rows_replaced"],
            )
            status.reason = load["reason"]
        if month in checks:
            status.checks_passed, status.checks_failed, status.checks_warned = check_outcomes(checks[month], month)
        docx = Path(reports_dir) / month / DOCX_NAME
        if docx.exists():
            status.placeholders = len(docx_placeholders(docx))
            status.report = "draft" if status.placeholders else "final"
        times = [m.get(month) for m in marts]
        marts_at = min(times) if times and all(t is not None for t in times) else None
        status.stale_bases = stale_bases(month, marts_at, loaded_at)
        statuses.append(status)
    return statuses


COLUMNS = ("month", "state", "stored", "rejected", "replaced", "checks", "report", "stale")


def table_rows(statuses: list[MonthStatus]) -> list[tuple[str, ...]]:
    def number(value):
        return "-" if value is None else f"{value:,}"

    return [
        (
            s.month,
            s.state,
            number(s.rows_stored),
            number(s.rows_rejected),
            number(s.rows_replaced),
            s.checks,
            s.report_label,
            s.stale,
        )
        for s in statuses
    ]
