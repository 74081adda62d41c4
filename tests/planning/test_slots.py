"""Weekly slots as instants in four zones: both sides of each change, the spring gap, the autumn repeat."""

from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from planning.slots import WeeklySlot
from planning.slots import first_free_slot
from planning.slots import minute_of
from planning.slots import slot_instants

SUNDAY = 6


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sundays(zone: str, clock: time, *, after: datetime, weeks: int) -> list[datetime]:
    instants = slot_instants([WeeklySlot(SUNDAY, clock)], zone=ZoneInfo(zone), after=after, days=7 * weeks)
    return list(instants)[:weeks]


# (zone, the Sunday clocks spring forward, the Sunday they fall back) in 2026
CHANGES = {
    "Europe/Paris": (datetime(2026, 3, 29), datetime(2026, 10, 25)),
    "America/New_York": (datetime(2026, 3, 8), datetime(2026, 11, 1)),
    "Australia/Sydney": (datetime(2026, 10, 4), datetime(2026, 4, 5)),
}


@pytest.mark.parametrize("zone", [*CHANGES, "Asia/Kolkata"])
@pytest.mark.parametrize("change", ["spring", "autumn"])
def test_slot_instants__0900_is_0900_local_on_both_sides_of_the_change(zone, change):
    if zone == "Asia/Kolkata":
        day = datetime(2026, 3, 29) if change == "spring" else datetime(2026, 10, 25)
    else:
        day = CHANGES[zone][0 if change == "spring" else 1]
    week_before = (day - timedelta(days=7)).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    found = sundays(zone, time(9, 0), after=week_before - timedelta(hours=12), weeks=3)
    local = [instant.astimezone(ZoneInfo(zone)) for instant in found]
    assert [(moment.date(), moment.time()) for moment in local] == [
        ((day + timedelta(days=7 * week)).date(), time(9, 0)) for week in (-1, 0, 1)
    ]
    offsets = {moment.utcoffset() for moment in local}
    # The offset changes across the change (so the UTC instants are not 7 x 24 hours apart) except in
    # Kolkata, which keeps +05:30 all year.
    if zone == "Asia/Kolkata":
        assert offsets == {timedelta(hours=5, minutes=30)}
        assert [instant.time() for instant in found] == [time(3, 30)] * 3
    else:
        assert len(offsets) == 2
        assert found[1] - found[0] != timedelta(days=7) or found[2] - found[1] != timedelta(days=7)


@pytest.mark.parametrize(
    ("zone", "expected_utc"),
    [
        ("Europe/Paris", utc(2026, 3, 29, 1, 0)),  # 03:00 CEST
        ("America/New_York", utc(2026, 3, 8, 7, 0)),  # 03:00 EDT
        ("Australia/Sydney", utc(2026, 10, 3, 16, 0)),  # 03:00 AEDT
    ],
)
def test_slot_instants__a_slot_in_the_spring_gap_moves_to_the_next_valid_minute(zone, expected_utc):
    day = CHANGES[zone][0]
    after = day.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) - timedelta(hours=1)
    [first, second] = sundays(zone, time(2, 30), after=after, weeks=2)
    assert first == expected_utc
    assert first.astimezone(ZoneInfo(zone)).time() == time(3, 0)
    # The week after, 02:30 exists again.
    assert second.astimezone(ZoneInfo(zone)).time() == time(2, 30)


@pytest.mark.parametrize(
    ("zone", "clock", "expected_utc"),
    [
        ("Europe/Paris", time(2, 30), utc(2026, 10, 25, 0, 30)),  # 02:30 CEST, not also 02:30 CET
        ("America/New_York", time(1, 30), utc(2026, 11, 1, 5, 30)),  # 01:30 EDT, not also 01:30 EST
        ("Australia/Sydney", time(2, 30), utc(2026, 4, 4, 15, 30)),  # 02:30 AEDT, not also AEST
    ],
)
def test_slot_instants__a_repeated_autumn_hour_is_used_once(zone, clock, expected_utc):
    day = CHANGES[zone][1]
    after = day.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) - timedelta(hours=1)
    found = list(slot_instants([WeeklySlot(SUNDAY, clock)], zone=ZoneInfo(zone), after=after, days=2))
    assert found == [expected_utc]


def test_slot_instants__two_slots_on_the_same_instant_are_one():
    # On the spring-forward night 02:30 moves to 03:00, where the other slot already is.
    slots = [WeeklySlot(SUNDAY, time(2, 30)), WeeklySlot(SUNDAY, time(3, 0)), WeeklySlot(SUNDAY, time(9, 0))]
    found = list(slot_instants(slots, zone=ZoneInfo("Europe/Paris"), after=utc(2026, 3, 28, 12), days=1))
    assert found == [utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 7, 0)]


def test_slot_instants__ascending_across_weekdays_and_strictly_after():
    slots = [WeeklySlot(0, time(9, 0)), WeeklySlot(0, time(17, 30)), WeeklySlot(3, time(12, 0))]
    after = utc(2026, 6, 1, 7, 0)  # Monday 09:00 in Paris: that slot is not "after"
    found = list(slot_instants(slots, zone=ZoneInfo("Europe/Paris"), after=after, days=8))
    assert found == [
        utc(2026, 6, 1, 15, 30),
        utc(2026, 6, 4, 10, 0),
        utc(2026, 6, 8, 7, 0),
        utc(2026, 6, 8, 15, 30),
    ]


def test_slot_instants__no_slots_gives_nothing():
    assert list(slot_instants([], zone=ZoneInfo("UTC"), after=utc(2026, 1, 1))) == []


def test_first_free_slot__skips_taken_minutes():
    slots = [WeeklySlot(day, time(9, 0)) for day in range(7)]
    after = utc(2026, 6, 1)
    taken = {minute_of(utc(2026, 6, 1, 9, 0, 30)), utc(2026, 6, 2, 9, 0)}
    assert first_free_slot(slots, zone=ZoneInfo("UTC"), after=after, taken=taken) == utc(2026, 6, 3, 9, 0)
    assert first_free_slot(slots, zone=ZoneInfo("UTC"), after=after, taken=taken, days=1) is None
