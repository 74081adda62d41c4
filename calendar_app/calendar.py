"""The calendar's dates: a month shown as whole Monday-to-Sunday weeks, or an ISO week, and its days.

Pure date logic; which posts fall on which day is read by ``selectors.post_calendar_list`` and placed in the
viewer's zone by the admin's calendar view.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any

MONTH = re.compile(r"(\d{4})-(\d{2})")
WEEK = re.compile(r"(\d{4})-W(\d{2})")
FIRST_YEAR, LAST_YEAR = 1900, 2999
WEEKDAY_NAMES = list(calendar.day_abbr)


def _year(match: re.Match[str] | None) -> int:
    if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise ValueError
    return int(match[1])


@dataclass(frozen=True)
class CalendarPeriod:
    """A month (shown as whole Monday-to-Sunday weeks) or an ISO week."""

    kind: str  # "month" | "week"
    first: date  # the month's first day, or the week's Monday
    last: date  # the month's last day, or the week's Sunday

    @classmethod
    def parse(cls, *, month: str | None, week: str | None, today: date) -> CalendarPeriod:
        """The period of a ``?week=YYYY-Www`` or ``?month=YYYY-MM`` parameter; the current month without
        either. Raises ValueError with a message for a person."""
        if week:
            match = WEEK.fullmatch(week)
            try:
                monday = date.fromisocalendar(_year(match), int(match[2]), 1)
            except ValueError:
                raise ValueError(f"{week!r} is not a week: use YYYY-Www, e.g. 2026-W10.") from None
            return cls.week_of(monday)
        if month:
            match = MONTH.fullmatch(month)
            try:
                first = date(_year(match), int(match[2]), 1)
            except ValueError:
                raise ValueError(f"{month!r} is not a month: use YYYY-MM, e.g. 2026-03.") from None
        else:
            first = today.replace(day=1)
        return cls.month_of(first)

    @classmethod
    def month_of(cls, day: date) -> CalendarPeriod:
        first = day.replace(day=1)
        return cls(
            kind="month", first=first, last=first.replace(day=calendar.monthrange(day.year, day.month)[1])
        )

    @classmethod
    def week_of(cls, day: date) -> CalendarPeriod:
        monday = day - timedelta(days=day.weekday())
        return cls(kind="week", first=monday, last=monday + timedelta(days=6))

    @property
    def start(self) -> date:
        """The first day shown: the Monday on or before ``first``."""
        return self.first - timedelta(days=self.first.weekday())

    @property
    def end(self) -> date:
        """The day after the last day shown: the Monday after ``last``."""
        return self.last + timedelta(days=7 - self.last.weekday())

    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days)]

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def title(self) -> str:
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return (
                f"week {week} of {year} ({self.first:%b} {self.first.day} to {self.last:%b} {self.last.day})"
            )
        return f"{self.first:%B %Y}"

    @property
    def param(self) -> str:
        """This period as the calendar's query string."""
        return self.week_param if self.kind == "week" else self.month_param

    @property
    def month_param(self) -> str:
        """The month of this period (of a week: the month its Thursday is in, as ISO weeks count)."""
        anchor = self.first if self.kind == "month" else self.first + timedelta(days=3)
        return f"month={anchor:%Y-%m}"

    @property
    def week_param(self) -> str:
        """This week, or the first week shown of this month."""
        year, week, _ = (self.first if self.kind == "week" else self.start).isocalendar()
        return f"week={year}-W{week:02d}"

    def week_param_from(self, today: date) -> str:
        """Where "week" leads from here: a month's week of ``today`` when it has one, else its first week."""
        if self.kind == "month" and self.contains(today):
            return CalendarPeriod.week_of(today).week_param
        return self.week_param

    @property
    def previous(self) -> CalendarPeriod:
        if self.kind == "week":
            return CalendarPeriod.week_of(self.first - timedelta(days=7))
        return CalendarPeriod.month_of(self.first - timedelta(days=1))

    @property
    def next(self) -> CalendarPeriod:
        if self.kind == "week":
            return CalendarPeriod.week_of(self.first + timedelta(days=7))
        return CalendarPeriod.month_of(self.last + timedelta(days=1))


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_period: bool
    is_today: bool
    entries: list[Any] = field(default_factory=list)
    free_slots: list[Any] = field(default_factory=list)


def calendar_weeks(
    *,
    period: CalendarPeriod,
    today: date,
    entries: dict[date, list[Any]],
    free_slots: dict[date, list[Any]] | None = None,
) -> list[list[CalendarDay]]:
    """The days shown for ``period``, seven to a row, each with its ``entries`` and ``free_slots``."""
    days = [
        CalendarDay(
            day=day,
            in_period=period.contains(day),
            is_today=day == today,
            entries=entries.get(day, []),
            free_slots=(free_slots or {}).get(day, []),
        )
        for day in period.days()
    ]
    return [days[index : index + 7] for index in range(0, len(days), 7)]
