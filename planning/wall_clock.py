"""Wall-clock times as a planner means them, across daylight-saving changes.

A weekly slot or a recurring post names a time on the clock of a zone ("Mondays 09:00 in Europe/Paris"),
not a fixed offset, so it stays 09:00 on both sides of a change. Two nights a year need a rule:

- a time the clocks skip (02:30 when they jump from 02:00 to 03:00) moves to the first minute that
  exists after the jump (03:00);
- a time that happens twice (02:30 when they fall back from 03:00 to 02:00) is its first occurrence,
  so it is used once.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

# No zone has skipped more than a day (Samoa, 2011); a gap longer than this is a bug, not a zone.
_LONGEST_GAP = timedelta(hours=48)
_MINUTE = timedelta(minutes=1)


def _exists(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of ``wall`` (naive) in ``zone`` when that wall time exists (its first occurrence)."""
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return instant if instant.astimezone(zone).replace(tzinfo=None) == wall else None


def wall_time_resolve(wall: datetime, zone: ZoneInfo) -> datetime:
    """The aware UTC instant a planner's wall-clock time names in ``zone`` (rules in the module docstring)."""
    if wall.tzinfo is not None:
        raise ValueError("wall must be naive: it is read in zone")
    instant = _exists(wall, zone)
    candidate = wall.replace(second=0, microsecond=0)
    while instant is None:
        candidate += _MINUTE
        if candidate - wall > _LONGEST_GAP:
            raise ValueError(f"{wall} is in a gap of more than {_LONGEST_GAP} in {zone.key}")
        instant = _exists(candidate, zone)
    return instant


def wall_time_on(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The instant of ``clock`` on ``day`` in ``zone``."""
    return wall_time_resolve(datetime.combine(day, clock), zone)


def local_wall_time(instant: datetime, zone: ZoneInfo) -> datetime | None:
    """The naive wall time of ``instant`` in ``zone`` if that wall time names it unambiguously back.

    None for an instant in the second pass of a repeated hour: its wall time would be read as the first.
    """
    wall = instant.astimezone(zone).replace(tzinfo=None)
    return wall if _exists(wall, zone) == instant.astimezone(UTC) else None


def utc_now(now: datetime | None = None) -> datetime:
    """``now`` (default: the current time) in UTC. Planning adds days to it: added to an instant held in a
    zone, 14 days would be 14 wall-clock days, an hour off across a daylight-saving change."""
    return (now or datetime.now(UTC)).astimezone(UTC)
