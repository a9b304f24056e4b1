"""What ``run``, ``backfill`` and ``demo`` print: progress while the run goes, then one table.

Three ways, chosen by where stdout goes:

- a terminal: a live table (rich) of months × stages, redrawn as Dagster reports each step and
  each month's materializations;
- anything else (cron, CI, a pipe): one plain line per finished stage;
- ``--json``: nothing while it runs, then one JSON document (runs, failures, warnings, months).

The run's events come from Dagster itself: a listener on the instance receives every event the
run stores. Failures are always printed in full; warnings (checks that warn, Python warnings)
are grouped, one line per kind with a count, their details shown with ``--verbose``, which
also lets Dagster's own log lines through. The run ends with the status table
(pipelines/status.py) of its months, the same one ``hotline status`` prints."""

from __future__ import annotations

import contextvars
import json
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# The run's steps as an operator names them; check steps (``asset__check``) are "checks".
STAGE_LABELS = {
    "reference_data": "reference",
    "ingest_exports": "ingest",
    "marts": "marts",
    "monthly_report": "report",
}
CHECK_STAGE = "checks"
STAGE_ORDER = ("reference", "ingest", "marts", "report", CHECK_STAGE)
PLAIN_WIDTH = 200  # wide enough for a status row on one line (rich wraps at 80 off a terminal)

_active: contextvars.ContextVar[RunConsole | None] = contextvars.ContextVar("hotline_console", default=None)


def active_console() -> RunConsole | None:
    """The console of the command being run, if any (execute_months prints through it)."""
    return _active.get()


def stage_of(step_key: str) -> str:
    return STAGE_LABELS.get(step_key, CHECK_STAGE if "__" in step_key else step_key)


@dataclass
class RunRecord:
    run_id: str
    first: str
    last: str
    months: list[str]
    success: bool | None = None
    failures: list[str] = field(default_factory=list)


class RunConsole:
    def __init__(self, mode: str = "plain", verbose: bool = False, out=None):
        from rich.console import Console

        if mode not in ("live", "plain", "json"):
            raise ValueError(f"console mode {mode!r}")
        self.mode, self.verbose = mode, verbose
        self.out = out or sys.stdout
        self.rich = (
            Console(file=self.out)
            if mode == "live"
            else Console(file=self.out, width=PLAIN_WIDTH, no_color=True, highlight=False, soft_wrap=True)
        )
        self.runs: list[RunRecord] = []
        self.messages: list[str] = []
        self.warning_kinds: Counter[str] = Counter()
        self.warning_details: dict[str, list[str]] = defaultdict(list)
        self._done: dict[tuple[str, str], str] = {}  # (month, stage) -> ✓ / ✗
        self._running: set[str] = set()
        self._stages: list[str] = []
        self._started = 0.0
        self._live = None

    @classmethod
    def for_args(cls, args) -> RunConsole:
        mode = "json" if getattr(args, "json", False) else ("live" if sys.stdout.isatty() else "plain")
        return cls(mode, verbose=getattr(args, "verbose", False))

    @contextmanager
    def active(self) -> Iterator[RunConsole]:
        token = _active.set(self)
        try:
            yield self
        finally:
            self._stop_live()
            _active.reset(token)

    # ---------------------------------------------------------------------------- messages
    def echo(self, text: str) -> None:
        if self.mode == "json":
            self.messages.append(text)
        elif self._live is not None:
            self._live.console.print(text, markup=False, highlight=False)
        else:
            self.rich.print(text, markup=False, highlight=False)

    def warn(self, kind: str, detail: str) -> None:
        self.warning_kinds[kind] += 1
        self.warning_details[kind].append(detail)

    # --------------------------------------------------------------------------------- a run
    def run_config(self, verbose_config: dict[str, Any]) -> dict[str, Any]:
        """Dagster's console logger at the given level with --verbose, else silent: the run's
        events still reach the instance and this console."""
        if self.verbose:
            return verbose_config
        return {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

    @contextmanager
    def run(self, instance, run_id: str, first: str, last: str, months: list[str]) -> Iterator[RunRecord]:
        """Around ``execute_in_process``: listens to the run's events and groups Python warnings."""
        record = RunRecord(run_id, first, last, months)
        self.runs.append(record)
        self._done.clear()
        self._running.clear()
        self._stages = []
        self._started = time.monotonic()
        instance.add_event_listener(run_id, self._on_event)
        if self.mode == "live":
            from rich.live import Live

            self._live = Live(self._progress(record), console=self.rich, refresh_per_second=4, transient=True)
            self._live.start()
        with warnings.catch_warnings(record=not self.verbose) as caught:
            try:
                yield record
            finally:
                self._stop_live()
        for item in caught or []:
            self.warn(f"Python {item.category.__name__}", f"{item.filename}:{item.lineno}: {item.message}")

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _on_event(self, entry) -> None:
        # called inside the run, for every event it stores: a display problem must not fail the run
        try:
            self._show(entry)
        except Exception as exc:  # noqa: BLE001
            self.warn("console", f"progress display: {exc!r}")

    def _show(self, entry) -> None:
        event = entry.dagster_event
        if event is None or not event.step_key:
            return
        stage = stage_of(event.step_key)
        if stage not in self._stages:
            self._stages.append(stage)
        kind = event.event_type_value
        if kind == "STEP_START":
            self._running.add(stage)
        elif kind == "ASSET_MATERIALIZATION":
            partition = event.event_specific_data.materialization.partition
            if partition:
                self._done[(partition, stage)] = "✓"
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            self._running.discard(stage)
            record = self.runs[-1]
            months = sum(1 for (m, s) in self._done if s == stage)
            ok = kind == "STEP_SUCCESS"
            if not ok:
                for month in record.months:
                    self._done.setdefault((month, stage), "✗")
            if self.mode == "plain" and (stage != CHECK_STAGE or not ok):
                done = f"done: {months} month(s)" if months else "done"
                self.echo(
                    f"  {stage:<10} {done if ok else 'FAILED'}"
                    + (f" ({event.step_key})" if stage == CHECK_STAGE else "")
                )
        if self._live is not None:
            self._live.update(self._progress(self.runs[-1]))

    def _progress(self, record: RunRecord):
        from rich.table import Table

        table = Table(
            title=f"hotline: {record.first}"
            + ("" if record.first == record.last else f" .. {record.last}")
            + f"  {time.monotonic() - self._started:.0f} s",
            title_justify="left",
            box=None,
        )
        stages = [s for s in STAGE_ORDER if s in self._stages or s != CHECK_STAGE]
        table.add_column("month")
        for stage in stages:
            table.add_column(stage, justify="center")
        for month in record.months:
            cells = [self._done.get((month, s), "…" if s in self._running else "") for s in stages]
            table.add_row(month, *cells)
        return table

    def run_finished(self, result) -> None:
        """The run's failures (in full) and its warnings (grouped) from its events."""
        from dagster import AssetCheckSeverity, DagsterEventType

        record = self.runs[-1]
        record.success = result.success
        for event in result.all_events:
            if event.event_type == DagsterEventType.STEP_FAILURE:
                data = event.step_failure_data
                message = (
                    data.user_failure_data.description
                    if data.user_failure_data and data.user_failure_data.description
                    else root_cause(data.error)
                    if data.error
                    else "failed"
                )
                record.failures.append(f"FAILED {event.step_key}: {message}")
            elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
                evaluation = event.event_specific_data
                if evaluation.passed:
                    continue
                name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
                if evaluation.severity == AssetCheckSeverity.WARN:
                    per_month = evaluation.metadata.get("per month")  # counted once per month it concerns
                    if per_month is not None and isinstance(per_month.value, dict):
                        lines = (evaluation.description or "").splitlines()
                        for month, count in per_month.value.items():
                            if count:  # the month's count, then the description's lines about that month
                                self.warn(
                                    f"check {evaluation.check_name}",
                                    "\n".join(
                                        [f"{month}: {count} — {lines[0] if lines else ''}"]
                                        + [line for line in lines[1:] if line.startswith(f"- {month}: ")]
                                    ),
                                )
                    else:
                        self.warn(f"check {evaluation.check_name}", evaluation.description or "")
                else:
                    faults = evaluation.metadata.get("faults")
                    record.failures.append(
                        f"CHECK FAILED {name}: {evaluation.description or ''}"
                        + (f"\n{faults.value}" if faults is not None else "")
                    )
        for failure in record.failures:
            self.echo(failure)
        if self.mode != "json":
            self.echo(f"hotline: run {'succeeded' if result.success else 'FAILED'} (run id {result.run_id})")

    # ----------------------------------------------------------------------------- the end
    def months(self) -> list[str]:
        return sorted({m for r in self.runs for m in r.months})

    def warnings_summary(self) -> None:
        for kind, count in sorted(self.warning_kinds.items()):
            first = self.warning_details[kind][0].splitlines()[0] if self.warning_details[kind] else ""
            self.echo(f"warning: {kind} ×{count}: {first}" + ("" if self.verbose else "  (--verbose for details)"))
            if self.verbose:
                for detail in self.warning_details[kind]:
                    self.echo("  " + detail.replace("\n", "\n  "))

    def summary(self, statuses, ok: bool, note: str | None = None) -> None:
        """The last thing printed: the status table of the run's months (or the JSON document)."""
        if self.mode == "json":
            document = {
                "ok": ok,
                "runs": [r.__dict__ for r in self.runs],
                "warnings": [
                    {"kind": k, "count": c, "details": self.warning_details[k]}
                    for k, c in sorted(self.warning_kinds.items())
                ],
                "months": [s.as_json() for s in statuses or []],
                "messages": self.messages,
            }
            if note:
                document["note"] = note
            print(json.dumps(document, ensure_ascii=False, default=str, indent=1), file=self.out)
            return
        self.warnings_summary()
        if note:
            self.echo(note)
        if statuses:
            print_status_table(self.rich, statuses, plain=self.mode == "plain")


def root_cause(error) -> str:
    """The innermost error's message: what went wrong (e.g. the warehouse held by another run), not
    Dagster's wrapper around it ("Error executing resource_fn …")."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def print_status_table(console, statuses, plain: bool) -> None:
    """The status table: bordered on a terminal, one line per month (and a header) elsewhere."""
    from rich import box
    from rich.table import Table

    from pipelines.status import COLUMNS, table_rows

    table = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False, show_edge=not plain)
    for column in COLUMNS:
        # off a terminal one line per month; on a narrow terminal the cells wrap rather than be cut
        table.add_column(
            column,
            justify="right" if column in ("stored", "rejected", "replaced") else "left",
            no_wrap=plain or column == "month",
            min_width=7 if column == "month" else None,
        )
    for row in table_rows(statuses):
        table.add_row(*row)
    console.print(table)
