"""Recurrence rules on a zone's wall clock, and the text of each occurrence."""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

import pytest

from planning.recurrence import occurrence_metadata
from planning.recurrence import occurrence_template
from planning.recurrence import occurrence_text
from planning.recurrence import repeats_the_same_text
from planning.recurrence import rule_normalize
from planning.recurrence import rule_problems
from planning.recurrence import series_instants
from planning.recurrence import variants_split


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("", "Enter a rule"),
        ("FREQ=WEEKLY;COUNT=3", "Set COUNT with the series' Count field"),
        ("FREQ=DAILY;UNTIL=20300101T000000", "Set UNTIL with the series' Ends on field"),
        ("BYDAY=MO", "needs FREQ"),
        ("FREQ=MINUTELY", "too frequent"),
        ("FREQ=WEEKLY;BYDAY=XX", "Not an RFC 5545 rule"),
        ("FREQ=WEEKLY;INTERVAL=zero", "Not an RFC 5545 rule"),
    ],
)
def test_rule_problems__names_what_is_wrong(rule, words):
    [problem] = rule_problems(rule)
    assert words in problem


def test_rule_problems__a_good_rule_in_any_case_with_its_prefix():
    assert rule_problems("rrule:freq=weekly; byday=mo,th") == []
    assert rule_normalize("rrule:freq=weekly; byday=mo,th") == "FREQ=WEEKLY;BYDAY=MO,TH"


def instants(zone, *, rule, starts_on, clock, **kwargs):
    return list(series_instants(rule=rule, starts_on=starts_on, clock=clock, zone=ZoneInfo(zone), **kwargs))


@pytest.mark.parametrize(
    ("zone", "starts_on", "expected_utc_hours"),
    [
        # Three Mondays at 09:00 local around each zone's change: the UTC hour moves, the local one does not.
        ("Europe/Paris", date(2030, 3, 25), [8, 7, 7]),  # clocks spring forward on 31 March
        ("America/New_York", date(2030, 10, 28), [13, 14, 14]),  # fall back on 3 November
        ("Australia/Sydney", date(2030, 3, 25), [22, 22, 23]),  # fall back on 7 April (AEDT -> AEST)
        ("Asia/Kolkata", date(2030, 3, 25), [3, 3, 3]),  # no daylight saving
    ],
)
def test_series_instants__weekly_0900_stays_0900_local(zone, starts_on, expected_utc_hours):
    found = instants(zone, rule="FREQ=WEEKLY;BYDAY=MO", starts_on=starts_on, clock=time(9, 0), count=3)
    assert [number for number, _ in found] == [1, 2, 3]
    local = [instant.astimezone(ZoneInfo(zone)) for _, instant in found]
    assert {moment.time() for moment in local} == {time(9, 0)}
    assert [instant.astimezone(UTC).hour for _, instant in found] == expected_utc_hours


# Daily in New York: on 10 March 2030 02:30 does not exist (03:00 EDT); on 3 November 01:30 happens twice
# and is used once (EDT).
@pytest.mark.parametrize(
    ("starts_on", "clock", "expected"),
    [
        pytest.param(
            date(2030, 3, 9),
            time(2, 30),
            [utc(2030, 3, 9, 7, 30), utc(2030, 3, 10, 7, 0), utc(2030, 3, 11, 6, 30)],
            id="spring-gap",
        ),
        pytest.param(
            date(2030, 11, 2),
            time(1, 30),
            [utc(2030, 11, 2, 5, 30), utc(2030, 11, 3, 5, 30), utc(2030, 11, 4, 6, 30)],
            id="autumn-repeat",
        ),
    ],
)
def test_series_instants__the_spring_gap_and_the_autumn_repeat(starts_on, clock, expected):
    found = instants("America/New_York", rule="FREQ=DAILY", starts_on=starts_on, clock=clock, count=3)
    assert [instant for _, instant in found] == expected


def test_series_instants__ends_on_is_inclusive_and_numbers_stay_stable_in_a_window():
    series = {
        "rule": "FREQ=DAILY",
        "starts_on": date(2030, 6, 1),
        "clock": time(18, 0),
        "ends_on": date(2030, 6, 10),
    }
    every = instants("Europe/Paris", **series)
    assert len(every) == 10 and every[-1][1] == utc(2030, 6, 10, 16, 0)
    window = instants(
        "Europe/Paris",
        **series,
        after=utc(2030, 6, 4, 16, 0),
        until=utc(2030, 6, 6, 16, 0),
    )
    assert [number for number, _ in window] == [5, 6]


def test_series_instants__needs_exactly_one_end():
    with pytest.raises(ValueError, match="either"):
        instants("UTC", rule="FREQ=DAILY", starts_on=date(2030, 1, 1), clock=time(9, 0))


def test_occurrence_text__fills_n_and_date_and_leaves_other_braces():
    assert occurrence_text(
        "Tip #{n} ({date}) {not a placeholder}", number=7, local_date=date(2030, 3, 31)
    ) == ("Tip #7 (2030-03-31) {not a placeholder}")


def test_occurrence_template__variants_in_turn():
    variants = ["A", "B", "C"]
    assert [occurrence_template(content="x", variants=variants, number=n) for n in range(1, 6)] == list(
        "ABCAB"
    )
    assert occurrence_template(content="x", variants=[], number=4) == "x"


def test_occurrence_metadata__fills_each_platform_text_and_title_only():
    metadata = {
        "media": [{"url": "https://cdn.example.com/{n}.jpg", "type": "image"}],
        "platforms": {
            "TWITTER": {"content": "X #{n}"},
            "YOUTUBE": {"title": "Ep. {n}", "privacy_status": "public"},
        },
    }
    assert occurrence_metadata(metadata, number=3, local_date=date(2030, 1, 1)) == {
        "media": [{"url": "https://cdn.example.com/{n}.jpg", "type": "image"}],
        "platforms": {
            "TWITTER": {"content": "X #3"},
            "YOUTUBE": {"title": "Ep. 3", "privacy_status": "public"},
        },
    }


def test_repeats_the_same_text():
    assert repeats_the_same_text(content="Same every week", variants=[])
    assert not repeats_the_same_text(content="Week {n}", variants=[])
    assert not repeats_the_same_text(content="", variants=["One", "Two"])
    assert repeats_the_same_text(content="", variants=["One", "One"])


def test_variants_split__on_lines_of_three_dashes():
    assert variants_split("First\nline two\n---\nSecond\n  ---  \n\nThird\n---\n") == [
        "First\nline two",
        "Second",
        "Third",
    ]
