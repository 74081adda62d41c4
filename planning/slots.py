"""Weekly posting slots as instants: pure computation, no database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from .wall_clock import wall_time_on

# How far ahead a free slot is looked for before giving up (a full queue, or slots all taken).
SEARCH_DAYS = 5 * 366


@dataclass(frozen=True)
class WeeklySlot:
    weekday: int  # 0 = Monday, as datetime.weekday()
    time: time


def slot_instants(
    slots: Iterable[WeeklySlot], *, zone: ZoneInfo, after: datetime, days: int = SEARCH_DAYS
) -> Iterator[datetime]:
    """The aware UTC instants of ``slots`` strictly after ``after``, ascending, each once, for ``days`` days.

    Each slot is read on the wall clock of ``zone`` (see ``wall_clock``): a slot in a skipped hour moves to
    the first minute after the jump, a slot in a repeated hour is used once. Two slots that land on the
    same instant (02:30 and 03:00 on a spring-forward night) are one slot.
    """
    times_by_weekday: dict[int, list[time]] = defaultdict(list)
    for slot in slots:
        times_by_weekday[slot.weekday].append(slot.time.replace(second=0, microsecond=0))
    if not times_by_weekday:
        return
    # From the day before, in case a slot of that day was moved past midnight by a gap.
    day = after.astimezone(zone).date() - timedelta(days=1)
    last_day = day + timedelta(days=days + 1)
    previous: datetime | None = None
    while day <= last_day:
        for instant in sorted(wall_time_on(day, clock, zone) for clock in times_by_weekday[day.weekday()]):
            if instant > after and (previous is None or instant > previous):
                previous = instant
                yield instant
        day += timedelta(days=1)


def minute_of(instant: datetime) -> datetime:
    """``instant`` in UTC to the minute: posts within the same minute share a slot."""
    return instant.astimezone(UTC).replace(second=0, microsecond=0)


def first_free_slot(
    slots: Iterable[WeeklySlot],
    *,
    zone: ZoneInfo,
    after: datetime,
    taken: Collection[datetime],
    days: int = SEARCH_DAYS,
) -> datetime | None:
    """The first slot instant after ``after`` whose minute is not in ``taken`` (UTC minutes), or None."""
    for instant in slot_instants(slots, zone=zone, after=after, days=days):
        if minute_of(instant) not in taken:
            return instant
    return None
