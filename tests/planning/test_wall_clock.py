"""Wall-clock times across daylight-saving changes, as slots and recurring posts read them."""

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from planning.wall_clock import local_wall_time
from planning.wall_clock import wall_time_resolve


@pytest.mark.parametrize(
    ("zone", "wall", "expected_utc"),
    [
        # Spring forward: the skipped half hour moves to the first minute after the jump.
        ("Europe/Paris", datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 29, 1, 0)),
        ("America/New_York", datetime(2026, 3, 8, 2, 30), datetime(2026, 3, 8, 7, 0)),
        ("Australia/Sydney", datetime(2026, 10, 4, 2, 30), datetime(2026, 10, 3, 16, 0)),
        ("Europe/Paris", datetime(2026, 3, 29, 2, 0), datetime(2026, 3, 29, 1, 0)),
        # Autumn: a repeated time is its first pass, still on summer time.
        ("Europe/Paris", datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 25, 0, 30)),
        ("America/New_York", datetime(2026, 11, 1, 1, 30), datetime(2026, 11, 1, 5, 30)),
        ("Australia/Sydney", datetime(2026, 4, 5, 2, 30), datetime(2026, 4, 4, 15, 30)),
        # An ordinary time, and a zone without daylight saving.
        ("Europe/Paris", datetime(2026, 3, 29, 9, 0), datetime(2026, 3, 29, 7, 0)),
        ("Asia/Kolkata", datetime(2026, 3, 29, 9, 0), datetime(2026, 3, 29, 3, 30)),
    ],
)
def test_wall_time_resolve__gap_repeat_and_ordinary(zone, wall, expected_utc):
    assert wall_time_resolve(wall, ZoneInfo(zone)) == expected_utc.replace(tzinfo=UTC)


def test_wall_time_resolve__refuses_an_aware_time():
    with pytest.raises(ValueError, match="naive"):
        wall_time_resolve(datetime(2026, 1, 1, tzinfo=UTC), ZoneInfo("Europe/Paris"))


def test_local_wall_time__second_pass_of_a_repeated_hour_has_no_wall_time():
    paris = ZoneInfo("Europe/Paris")
    first_pass = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_pass = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert local_wall_time(first_pass, paris) == datetime(2026, 10, 25, 2, 30)
    assert local_wall_time(second_pass, paris) is None
    assert local_wall_time(datetime(2026, 10, 25, 8, 0, tzinfo=UTC), paris) == datetime(2026, 10, 25, 9, 0)
