"""The monthly schedule: materialize the assessment month whose window has just closed.

The calendar decides which month that is, never the calendar month: the schedule ticks every day
at ``HOTLINE_SCHEDULE_HOUR`` and asks whether the day ``HOTLINE_SCHEDULE_DAYS_AFTER`` days ago was
the last day of some month's window (``reference/calendar.csv``, or the default 23rd..22nd rule).
If so it requests that month's partition with ``run_key = month``, so that a month is requested
once however its window falls (a window of 40 days, two windows closing in one calendar month, a
tick evaluated twice); on every other day it skips and says why.

Settings (environment of the process that runs the schedule, i.e. ``hotline ui`` / the daemon):
``HOTLINE_SCHEDULE_DAYS_AFTER`` (default 1), ``HOTLINE_SCHEDULE_HOUR`` (0-23, default 6) and
``HOTLINE_SCHEDULE_TIMEZONE`` (default Asia/Shanghai).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from pipelines.jobs import month_job

DAYS_AFTER_ENV = "HOTLINE_SCHEDULE_DAYS_AFTER"
HOUR_ENV = "HOTLINE_SCHEDULE_HOUR"
TIMEZONE_ENV = "HOTLINE_SCHEDULE_TIMEZONE"


@dataclass(frozen=True)
class ScheduleSettings:
    days_after: int = 1
    hour: int = 6
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_env(cls) -> ScheduleSettings:
        days_after = int(os.environ.get(DAYS_AFTER_ENV, cls.days_after))
        hour = int(os.environ.get(HOUR_ENV, cls.hour))
        if days_after < 0:
            raise ValueError(f"{DAYS_AFTER_ENV} must be 0 or more, got {days_after}")
        if not 0 <= hour <= 23:
            raise ValueError(f"{HOUR_ENV} must be an hour 0..23, got {hour}")
        return cls(days_after, hour, os.environ.get(TIMEZONE_ENV, cls.timezone))

    @property
    def cron(self) -> str:
        return f"0 {self.hour} * * *"


def load_calendar():
    """The calendar of the data folder the schedule runs on (read at every tick, so an edited
    calendar.csv counts from the next tick on)."""
    from hotline.calendar import Calendar
    from hotline.rules import load_typed_rules
    from hotline.settings import Settings

    reference = Settings.from_env().reference_dir
    return Calendar.load(reference, load_typed_rules(reference))


def month_closed_on(calendar, day: date) -> str | None:
    """The assessment month whose window ends on ``day``, if any."""
    month = calendar.month_of(day)
    return month if calendar.window(month).end == day else None


def month_to_run(calendar, tick_day: date, days_after: int) -> tuple[str | None, str]:
    """(month, why): the month whose window closed ``days_after`` days before ``tick_day``."""
    closing_day = tick_day - timedelta(days=days_after)
    month = month_closed_on(calendar, closing_day)
    if month is None:
        current = calendar.month_of(closing_day)
        window = calendar.window(current)
        return None, (
            f"{closing_day} ({days_after} day(s) before {tick_day}) is not the last day of an assessment "
            f"window: it lies in {current} ({window.start}..{window.end}, {window.source}), which closes on "
            f"{window.end}; its run is due on {window.end + timedelta(days=days_after)}"
        )
    window = calendar.window(month)
    return month, f"the window of {month} ({window.start}..{window.end}, {window.source}) closed on {closing_day}"


SETTINGS = ScheduleSettings.from_env()


@schedule(
    job=month_job,
    cron_schedule=SETTINGS.cron,
    execution_timezone=SETTINGS.timezone,
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        f"Every day at {SETTINGS.hour:02d}:00 ({SETTINGS.timezone}): if the assessment window of a month "
        f"closed {SETTINGS.days_after} day(s) before, materialize that month end to end (once per month: "
        f"run_key = month). The calendar decides the windows. Settings: {DAYS_AFTER_ENV}, {HOUR_ENV}, "
        f"{TIMEZONE_ENV}."
    ),
)
def monthly_report_schedule(context: ScheduleEvaluationContext):
    settings = ScheduleSettings.from_env()
    tick = context.scheduled_execution_time or datetime.now()
    try:
        calendar = load_calendar()
    except Exception as exc:  # an unreadable calendar is the operator's to fix: say so on the tick
        return SkipReason(f"cannot read the calendar of the data folder: {exc}")
    month, why = month_to_run(calendar, tick.date(), settings.days_after)
    if month is None:
        return SkipReason(why)
    context.log.info(f"requesting {month}: {why}")
    return RunRequest(run_key=month, partition_key=month, tags={"hotline/trigger": "schedule", "hotline/reason": why})


all_schedules = [monthly_report_schedule]
