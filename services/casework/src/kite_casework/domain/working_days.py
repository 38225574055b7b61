"""工作日: China's working-day calendar, kept as data in `working_days_cn.json` beside this file.

A day is a working day when it is listed as a make-up working day (调休上班), or when it is a Monday
to Friday that is not a holiday. The years the State Council has published are exact; any other year
counts weekends and the fixed-date statutory holidays only (the file says which years and why).

`add_working_days` is what the SLA tiers of a day or longer use: the deadline falls at the same time
of day (China time) on the n-th working day after the start; a case opened on a rest day starts its
clock at 00:00 of the next working day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
_MAX_SEARCH = 60  # no rest period in the calendar is longer than this many days


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date]
    workdays: frozenset[date]  # 调休上班: weekend days that are working days
    published_years: frozenset[int]
    fixed_holidays: frozenset[tuple[int, int]]  # (month, day) for years not published

    def is_working_day(self, day: date) -> bool:
        if day.year in self.published_years:
            if day in self.workdays:
                return True
            return day.weekday() < 5 and day not in self.holidays
        return day.weekday() < 5 and (day.month, day.day) not in self.fixed_holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for offset in range(1, _MAX_SEARCH + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_SEARCH} days after {day}")  # pragma: no cover

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment `days` working days after `start` (timezone-aware), in the zone of `start`."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if days < 1:
            raise ValueError("days must be at least 1")
        local = start.astimezone(CHINA)
        day, clock = local.date(), local.timetz().replace(tzinfo=None)
        if not self.is_working_day(day):
            day, clock = self.next_working_day(day), time(0)
        for _ in range(days):
            day = self.next_working_day(day)
        return datetime.combine(day, clock, CHINA).astimezone(start.tzinfo)


def load_calendar(text: str) -> WorkingCalendar:
    data = json.loads(text)
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year, arrangement in data["published"].items():
        for iso in arrangement["holidays"]:
            day = date.fromisoformat(iso)
            if day.year != int(year):
                raise ValueError(f"{iso} is listed under {year}")
            holidays.add(day)
        for iso in arrangement["workdays"]:
            day = date.fromisoformat(iso)
            if day.weekday() < 5 or day in holidays:
                raise ValueError(f"make-up working day {iso} must be a weekend day and not a holiday")
            workdays.add(day)
    fixed = frozenset((int(m), int(d)) for m, d in (md.split("-") for md in data["fixed_holidays"]))
    years = frozenset(int(y) for y in data["published"])
    return WorkingCalendar(frozenset(holidays), frozenset(workdays), years, fixed)


@cache
def china_calendar() -> WorkingCalendar:
    """The calendar shipped with casework (read once)."""
    return load_calendar(files("kite_casework.domain").joinpath("working_days_cn.json").read_text(encoding="utf-8"))
