"""Assessment windows. A month label ``YYYY-MM`` covers the window listed for it in
``reference/calendar.csv``, or by default the ``default_start_day`` of the previous month to the
``default_end_day`` of the month (rules.yaml). Windows may neither overlap nor leave gaps."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.contract.files import read_text_file

if TYPE_CHECKING:
    from hotline.rules_model import Rules


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class Window:
    month: str
    start: date
    end: date  # inclusive
    source: str  # "calendar.csv" or "default rule"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def shift_month(month: str, delta: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _parse_month(text: str, where: str) -> str:
    text = text.strip()
    try:
        year, mon = text.split("-")
        if len(year) != 4 or not 1 <= int(mon) <= 12:
            raise ValueError
    except ValueError:
        raise CalendarError(f"{where}: 考核月 '{text}' is not a month like 2024-02") from None
    return f"{int(year):04d}-{int(mon):02d}"


def _parse_date(text: str, where: str) -> date:
    text = text.strip().replace("/", "-")
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise CalendarError(f"{where}: '{text}' is not a date like 2024-01-25") from None


def default_window(month: str, rules: Rules) -> Window:
    year, mon = int(month[:4]), int(month[5:7])
    prev = shift_month(month, -1)
    start = date(int(prev[:4]), int(prev[5:7]), rules.window.default_start_day)
    end = date(year, mon, rules.window.default_end_day)
    return Window(month, start, end, "default rule")


class Calendar:
    """The listed windows plus the default rule, checked for overlaps and gaps."""

    def __init__(self, listed: dict[str, Window], rules: Rules):
        self.listed = listed
        self.rules = rules
        self._check()

    @classmethod
    def load(cls, reference_dir: Path, rules: Rules) -> Calendar:
        path = reference_dir / "calendar.csv"
        listed: dict[str, Window] = {}
        if path.exists():
            text = read_text_file(path)
            reader = csv.DictReader(text.splitlines())
            missing = {"考核月", "开始日期", "结束日期"} - set(reader.fieldnames or [])
            if missing:
                raise CalendarError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                    "the header must be 考核月,开始日期,结束日期"
                )
            for row_number, row in enumerate(reader, start=2):
                where = f"{path} row {row_number}"
                month = _parse_month(row["考核月"] or "", where)
                start = _parse_date(row["开始日期"] or "", where + " column 开始日期")
                end = _parse_date(row["结束日期"] or "", where + " column 结束日期")
                if end < start:
                    raise CalendarError(f"{where}: 结束日期 {end} is before 开始日期 {start}")
                if month in listed:
                    raise CalendarError(f"{where}: month {month} is listed twice")
                listed[month] = Window(month, start, end, "calendar.csv")
        return cls(listed, rules)

    def window(self, month: str) -> Window:
        return self.listed.get(month) or default_window(month, self.rules)

    def _check(self) -> None:
        if not self.listed:
            return
        months = sorted(self.listed)
        first, last = shift_month(months[0], -1), shift_month(months[-1], 1)
        month = first
        while month < last:
            this, following = self.window(month), self.window(shift_month(month, 1))
            if following.start <= this.end:
                raise CalendarError(
                    f"calendar.csv: the windows of {this.month} ({this.start}..{this.end}, {this.source}) and "
                    f"{following.month} ({following.start}..{following.end}, {following.source}) overlap. "
                    f"List both months so that {following.month} starts the day after {this.month} ends."
                )
            if following.start != this.end + timedelta(days=1):
                raise CalendarError(
                    f"calendar.csv: a gap between {this.month} (ends {this.end}, {this.source}) and "
                    f"{following.month} (starts {following.start}, {following.source}): days in between belong "
                    f"to no month. List both months so that {following.month} starts the day after {this.month} ends."
                )
            month = shift_month(month, 1)

    def month_of(self, day: date) -> str:
        """The assessment month whose window holds ``day``."""
        guess = f"{day.year:04d}-{day.month:02d}"
        for candidate in (shift_month(guess, 1), guess, shift_month(guess, -1), shift_month(guess, 2)):
            window = self.window(candidate)
            if window.start <= day <= window.end:
                return candidate
        raise CalendarError(f"no assessment month holds {day}")
