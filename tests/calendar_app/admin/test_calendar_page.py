"""The calendar's queue marks and free slots, and moving a post to another day (drag, or its Move… form)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from planning.models import QueueEntry
from planning.services.queue import queue_add
from social.models import Platform
from tests.planning.factories import every_day
from tests.planning.factories import make_schedule
from tests.planning.factories import write_post

from ..factories import make_account
from ..factories import make_post
from ..factories import make_staff
from .pages import CALENDAR
from .pages import page_messages

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def move(client, post, day: str, *, json: bool = True, **extra):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(
        f"/admin/calendar_app/scheduledpost/{post.pk}/move/", {"date": day, **extra}, **headers
    )


def paris(post: ScheduledPost) -> str:
    post.refresh_from_db()
    return f"{post.scheduled_at.astimezone(PARIS):%Y-%m-%d %H:%M %Z}"


@pytest.fixture
def viewer_in_paris(staff_client):
    staff_client.cookies["viewer_tz"] = "Europe/Paris"
    return staff_client


def test_move__keeps_the_time_on_the_author_s_clock_across_the_spring_change(viewer_in_paris, staff_user):
    post = make_post(
        staff_user,
        accounts=[make_account(staff_user)],
        scheduled_at=datetime(2030, 3, 29, 8, 0, tzinfo=UTC),  # 09:00 CET
        tz="Europe/Paris",
    )
    response = move(viewer_in_paris, post, "2030-04-02")
    assert response.status_code == 200
    assert paris(post) == "2030-04-02 09:00 CEST"
    assert response.json() == {
        "message": f"{post}: moved to 2030-04-02 09:00 CEST.",
        "date": "2030-04-02",
        "time": "09:00",
    }


def test_move__the_day_is_the_viewer_s_and_the_time_the_author_s(staff_client, staff_user):
    """A viewer in New York sees a 02:00 Paris post the evening before; one day later on their calendar is
    one day later on the author's clock."""
    post = make_post(
        staff_user,
        accounts=[make_account(staff_user)],
        scheduled_at=datetime(2030, 6, 12, 0, 0, tzinfo=UTC),  # 02:00 CEST, 20:00 EDT on June 11
        tz="Europe/Paris",
    )
    staff_client.cookies["viewer_tz"] = "America/New_York"
    answer = move(staff_client, post, "2030-06-12").json()
    assert paris(post) == "2030-06-13 02:00 CEST"
    assert (answer["date"], answer["time"]) == ("2030-06-12", "20:00")


def test_move__a_time_the_clocks_skip_that_day_is_refused_with_the_reason(viewer_in_paris, staff_user):
    post = make_post(
        staff_user,
        accounts=[make_account(staff_user)],
        scheduled_at=datetime(2030, 3, 24, 1, 30, tzinfo=UTC),  # 02:30 CET on Sunday 24 March
        tz="Europe/Paris",
    )
    response = move(viewer_in_paris, post, "2030-03-31")
    assert (response.status_code, response["Content-Type"]) == (409, "application/problem+json")
    assert response.json()["detail"] == (
        f"{post} was not moved: 02:30 does not exist on 2030-03-31 in Europe/Paris: the clocks jump forward "
        "over it. Choose another time."
    )
    assert paris(post) == "2030-03-24 02:30 CET"


@pytest.mark.parametrize(
    ("status", "account_status", "why"),
    [
        (PostStatus.PUBLISHING, AccountStatus.PUBLISHING, "is being published right now"),
        (PostStatus.PUBLISHED, AccountStatus.PUBLISHED, "is published"),
        (PostStatus.CANCELLED, AccountStatus.PENDING, "is cancelled"),
    ],
)
def test_move__a_post_being_published_or_done_is_not_moved_nor_draggable(
    viewer_in_paris, staff_user, status, account_status, why
):
    post = make_post(
        staff_user,
        accounts={make_account(staff_user): account_status},
        status=status,
        scheduled_at=datetime(2030, 5, 6, 7, 0, tzinfo=UTC),
    )
    response = move(viewer_in_paris, post, "2030-05-08")
    assert response.json()["detail"] == f"{post} was not moved: {post} {why}, so it keeps its time."
    assert paris(post) == "2030-05-06 09:00 CEST"
    body = viewer_in_paris.get(f"{CALENDAR}?month=2030-05").content.decode()
    assert f'data-move-url="/admin/calendar_app/scheduledpost/{post.pk}/move/"' not in body
    assert f'data-post="{post.pk}"' in body


def test_move__a_past_day_is_refused_for_a_scheduled_post(viewer_in_paris, staff_user):
    post = make_post(staff_user, accounts=[make_account(staff_user)], tz="Europe/Paris")
    yesterday = timezone.localdate() - timedelta(days=2)
    response = move(viewer_in_paris, post, f"{yesterday:%Y-%m-%d}")
    assert response.status_code == 409
    assert "is in the past" in response.json()["detail"]


def test_move__without_script_the_form_goes_back_to_the_calendar_with_a_message(viewer_in_paris, staff_user):
    post = make_post(
        staff_user,
        accounts=[make_account(staff_user)],
        scheduled_at=datetime(2030, 5, 6, 7, 0, tzinfo=UTC),
        tz="Europe/Paris",
    )
    back = f"{CALENDAR}?month=2030-05"
    response = move(viewer_in_paris, post, "2030-05-09", json=False, next=back)
    assert (response.status_code, response["Location"]) == (302, back)
    assert paris(post) == "2030-05-09 09:00 CEST"
    assert page_messages(viewer_in_paris.get(back)) == [f"{post}: moved to 2030-05-09 09:00 CEST."]
    elsewhere = move(viewer_in_paris, post, "nonsense", json=False, next="https://evil.example/")
    assert elsewhere["Location"] == CALENDAR


def test_move__post_only_with_the_csrf_token_and_the_right_to_change_the_post(staff_user, django_user_model):
    post = make_post(
        staff_user, accounts=[make_account(staff_user)], scheduled_at=datetime(2030, 5, 6, 7, 0, tzinfo=UTC)
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.get(f"/admin/calendar_app/scheduledpost/{post.pk}/move/").status_code == 405
    assert move(client, post, "2030-05-07").status_code == 403  # no CSRF token
    other = make_staff(django_user_model, "other", "view_scheduledpost", "change_scheduledpost")
    client.force_login(other)
    client.get(CALENDAR)
    token = client.cookies["csrftoken"].value
    assert move(client, post, "2030-05-07", HTTP_X_CSRFTOKEN=token).status_code == 403  # not theirs
    assert paris(post) == "2030-05-06 09:00 CEST"


def test_move__a_queued_post_leaves_its_queue(viewer_in_paris, staff_user):
    account = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    make_schedule(account=account, slots=every_day(time(9, 0)), name="Acme")
    post = queue_add(post_id=write_post(staff_user, account).pk)
    day = post.scheduled_at.astimezone(PARIS).date() + timedelta(days=3)
    viewer_in_paris.get(CALENDAR)
    answer = move(viewer_in_paris, post, f"{day:%Y-%m-%d}").json()
    assert answer["message"].endswith(", and out of its queue.")
    assert not QueueEntry.objects.exists()


def test_calendar__marks_queued_posts_and_shows_the_free_slots(
    viewer_in_paris, staff_user, django_assert_max_num_queries
):
    account = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    make_schedule(account=account, zone="Europe/Paris", slots=every_day(time(9, 0), time(17, 0)), name="Acme")
    queued = [queue_add(post_id=write_post(staff_user, account, text=f"Queued {n}").pk) for n in (1, 2, 3)]
    first_day = queued[0].scheduled_at.astimezone(PARIS)
    month = f"{first_day:%Y-%m}"
    viewer_in_paris.get(f"{CALENDAR}?month={month}")
    with django_assert_max_num_queries(12):
        response = viewer_in_paris.get(f"{CALENDAR}?month={month}")
    entries = [entry for week in response.context["weeks"] for cell in week for entry in cell.entries]
    assert [(entry.post.pk, entry.queue) for entry in entries if entry.queue] == [
        (post.pk, "Acme") for post in queued
    ]
    free = {
        (f"{cell.day:%Y-%m-%d}", slot.time)
        for week in response.context["weeks"]
        for cell in week
        for slot in cell.free_slots
    }
    for post in queued:
        local = post.scheduled_at.astimezone(PARIS)
        assert (f"{local:%Y-%m-%d}", f"{local:%H:%M}") not in free  # taken
    assert free, "the schedule's other slots of the month are free"
    assert all(slot_time in ("09:00", "17:00") for _day, slot_time in free)
    assert 'class="calendar-queued"' in response.content.decode()
