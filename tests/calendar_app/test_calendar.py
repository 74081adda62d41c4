from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.calendar import CalendarPeriod
from calendar_app.models import PostStatus
from social.models import Platform

from .factories import make_account
from .factories import make_ended_post
from .factories import make_post

CALENDAR = "/admin/calendar_app/scheduledpost/calendar/"


# --- Periods ------------------------------------------------------------------------------------------


def test_calendar_period__a_month_is_shown_as_whole_weeks_from_monday():
    period = CalendarPeriod.parse(month="2030-03", week=None, today=date(2026, 1, 1))
    days = period.days()
    assert (days[0], days[-1], len(days)) == (date(2030, 2, 25), date(2030, 3, 31), 35)
    assert period.contains(date(2030, 3, 1)) and not period.contains(date(2030, 2, 28))
    assert period.title == "March 2030"


def test_calendar_period__an_iso_week():
    period = CalendarPeriod.parse(month=None, week="2030-W09", today=date(2026, 1, 1))
    assert period.days() == [date(2030, 2, 25 + offset) for offset in range(4)] + [
        date(2030, 3, offset) for offset in range(1, 4)
    ]
    assert period.month_param == "month=2030-02"


def test_calendar_period__defaults_to_the_current_month():
    assert CalendarPeriod.parse(month=None, week=None, today=date(2030, 5, 17)).param == "month=2030-05"


def test_calendar_period__navigates_across_years():
    january = CalendarPeriod.parse(month="2030-01", week=None, today=date(2026, 1, 1))
    assert (january.previous.param, january.next.param) == ("month=2029-12", "month=2030-02")
    first_week = CalendarPeriod.parse(month=None, week="2030-W01", today=date(2026, 1, 1))
    assert first_week.first == date(2029, 12, 31)
    assert (first_week.previous.param, first_week.next.param) == ("week=2029-W52", "week=2030-W02")
    assert first_week.month_param == "month=2030-01"  # the month its Thursday is in
    assert january.week_param == "week=2030-W01"


@pytest.mark.parametrize(
    ("month", "week", "message"),
    [
        ("2030-13", None, "'2030-13' is not a month: use YYYY-MM, e.g. 2026-03."),
        ("2030-3", None, "'2030-3' is not a month"),
        ("0999-01", None, "'0999-01' is not a month"),
        (None, "2030-W54", "'2030-W54' is not a week: use YYYY-Www, e.g. 2026-W10."),
        (None, "2030-09", "'2030-09' is not a week"),
    ],
)
def test_calendar_period__refuses_what_is_not_a_month_or_week(month, week, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CalendarPeriod.parse(month=month, week=week, today=date(2026, 1, 1))


# --- The page -----------------------------------------------------------------------------------------


def entries_by_day(response) -> dict[str, list[tuple[str, str, int]]]:
    return {
        f"{cell.day:%Y-%m-%d}": [(entry.time, entry.post.status, entry.post.pk) for entry in cell.entries]
        for week in response.context["weeks"]
        for cell in week
        if cell.entries
    }


@pytest.mark.django_db
def test_calendar__places_posts_on_the_viewers_day(client, staff_user):
    post = make_post(
        staff_user, accounts=[make_account(staff_user)], scheduled_at=datetime(2030, 3, 1, 2, 0, tzinfo=UTC)
    )
    client.force_login(staff_user)

    client.cookies["viewer_tz"] = "America/Los_Angeles"
    response = client.get(f"{CALENDAR}?month=2030-02")
    assert entries_by_day(response) == {"2030-02-28": [("18:00", PostStatus.SCHEDULED, post.pk)]}
    assert response.context["zone_name"] == "America/Los_Angeles"

    client.cookies["viewer_tz"] = "UTC"
    assert entries_by_day(client.get(f"{CALENDAR}?month=2030-03")) == {
        "2030-03-01": [("02:00", PostStatus.SCHEDULED, post.pk)]
    }
    # Shown in the UTC March grid, not in the February one (whose grid ends on Sunday 2030-03-03).
    assert entries_by_day(client.get(f"{CALENDAR}?month=2030-02")) == {
        "2030-03-01": [("02:00", PostStatus.SCHEDULED, post.pk)]
    }


@pytest.mark.django_db
def test_calendar__entries_are_colored_by_status_and_link_to_their_post(client, staff_user):
    account = make_account(staff_user, platform=Platform.FACEBOOK)
    published = make_ended_post(
        staff_user,
        account,
        PostStatus.PUBLISHED,
        scheduled_at=datetime(2030, 4, 2, 9, 0, tzinfo=UTC),
        content="Spring is here",
    )
    failed = make_ended_post(
        staff_user,
        account,
        PostStatus.FAILED,
        scheduled_at=datetime(2030, 4, 2, 15, 30, tzinfo=UTC),
    )
    client.force_login(staff_user)
    body = client.get(f"{CALENDAR}?month=2030-04").content.decode()
    assert (
        f'<a class="calendar-entry status-published" href="/admin/calendar_app/scheduledpost/{published.pk}/change/"'
        in body
    )
    assert (
        f'<a class="calendar-entry status-failed" href="/admin/calendar_app/scheduledpost/{failed.pk}/change/"'
        in body
    )
    assert body.index(f"/{published.pk}/change/") < body.index(f"/{failed.pk}/change/")  # in time order
    assert "Spring is here" in body
    assert 'href="?month=2030-03" rel="prev"' in body and 'href="?month=2030-05" rel="next"' in body


@pytest.mark.django_db
def test_calendar__week_view(client, staff_user):
    inside = make_post(
        staff_user, accounts=[make_account(staff_user)], scheduled_at=datetime(2030, 3, 3, 23, 0, tzinfo=UTC)
    )
    make_post(
        staff_user, accounts=[make_account(staff_user)], scheduled_at=datetime(2030, 3, 4, 0, 0, tzinfo=UTC)
    )
    client.force_login(staff_user)
    response = client.get(f"{CALENDAR}?week=2030-W09")
    assert entries_by_day(response) == {"2030-03-03": [("23:00", PostStatus.SCHEDULED, inside.pk)]}
    assert response.context["title"] == "Calendar: week 9 of 2030 (Feb 25 to Mar 3)"


@pytest.mark.django_db
def test_calendar__a_bad_month_is_said_and_the_current_month_shown(client, staff_user):
    client.force_login(staff_user)
    response = client.get(f"{CALENDAR}?month=2030-13")
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [
        "'2030-13' is not a month: use YYYY-MM, e.g. 2026-03."
    ]
    assert response.context["period"].param == f"month={timezone.localdate():%Y-%m}"


@pytest.mark.django_db
def test_calendar__a_fixed_number_of_queries_however_many_posts(client, staff_user):
    accounts = [make_account(staff_user, platform=platform) for platform in Platform.values]
    client.force_login(staff_user)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{CALENDAR}?month=2030-06").status_code == 200
        return len(queries)

    make_post(staff_user, accounts=accounts, scheduled_at=datetime(2030, 6, 1, tzinfo=UTC))
    few = count_queries()
    for day in range(2, 29):
        make_post(staff_user, accounts=accounts, scheduled_at=datetime(2030, 6, day, 12, tzinfo=UTC))
    assert count_queries() == few
