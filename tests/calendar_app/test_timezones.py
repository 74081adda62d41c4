"""Time zones: wall-clock input in the author's zone, display in the viewer's, and the viewer's zone
reported by the browser on every admin page."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.timezones import VIEWER_TIMEZONE_COOKIE
from calendar_app.timezones import ViewerTimezoneMiddleware
from calendar_app.timezones import format_in_zone
from calendar_app.timezones import wall_time_to_utc

from .factories import add_attempt
from .factories import make_account
from .factories import make_post

# --- The author's zone ---------------------------------------------------------------------------------------


def test_wall_time_to_utc__is_read_in_the_named_zone_across_a_dst_change():
    before = wall_time_to_utc(wall_time=datetime(2026, 3, 28, 9, 0), timezone_name="Europe/Paris")
    after = wall_time_to_utc(wall_time=datetime(2026, 3, 30, 9, 0), timezone_name="Europe/Paris")
    assert before == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # CET, UTC+1
    assert after == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # CEST, UTC+2


def test_wall_time_to_utc__a_time_the_clocks_skip_is_refused():
    with pytest.raises(ValidationError) as error:
        wall_time_to_utc(wall_time=datetime(2026, 3, 8, 2, 30), timezone_name="America/New_York")
    assert "02:30 does not exist on 2026-03-08 in America/New_York" in error.value.messages[0]


def test_wall_time_to_utc__a_time_that_happens_twice_is_the_first_one():
    # 01:30 on 2026-11-01 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
    assert wall_time_to_utc(
        wall_time=datetime(2026, 11, 1, 1, 30), timezone_name="America/New_York"
    ) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_format_in_zone__names_the_zone_of_that_instant():
    assert (
        format_in_zone(datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "America/New_York") == "2026-03-08 01:59 EST"
    )
    assert (
        format_in_zone(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "America/New_York") == "2026-03-08 03:00 EDT"
    )
    assert format_in_zone(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "Not/AZone", with_date=False) == "07:00"
    assert format_in_zone(None, "UTC") == ""


# --- The viewer's zone --------------------------------------------------------------------------------


def zone_seen_by_the_view(cookie: str | None) -> str:
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse()

    request = RequestFactory().get("/admin/")
    if cookie is not None:
        request.COOKIES[VIEWER_TIMEZONE_COOKIE] = cookie
    ViewerTimezoneMiddleware(view)(request)
    return seen["zone"]


@pytest.mark.parametrize("cookie", ["America/Sao_Paulo", "America%2FSao_Paulo"])
def test_middleware__activates_the_zone_the_browser_reported(cookie):
    assert zone_seen_by_the_view(cookie) == "America/Sao_Paulo"


@pytest.mark.parametrize("cookie", [None, "", "Mars/Olympus", "../../etc/passwd", "utc "])
def test_middleware__anything_else_is_utc(cookie):
    with timezone.override("Asia/Tokyo"):  # even if something else was active before
        assert zone_seen_by_the_view(cookie) == "UTC"


def test_middleware__the_zone_does_not_leak_into_the_next_request():
    zone_seen_by_the_view("Europe/Paris")
    assert timezone.get_current_timezone_name() == "UTC"


SCRIPT = re.compile(r'<script src="/static/calendar_app/viewer-timezone.js"></script>')


@pytest.mark.django_db
def test_viewer_timezone_script__on_every_admin_page_once(client, staff_user):
    account = make_account(staff_user)
    post = make_post(
        staff_user,
        accounts={account: AccountStatus.NEEDS_REVIEW},
        status=PostStatus.FAILED,
        scheduled_at=timezone.now() - timedelta(hours=1),
    )
    row = post.post_accounts.get()
    attempt = add_attempt(row, started_at=timezone.now() - timedelta(hours=1))
    posts = "/admin/calendar_app/scheduledpost/"
    pages = [
        "/admin/",
        "/admin/calendar_app/",
        posts,
        f"{posts}add/",
        f"{posts}{post.pk}/change/",
        f"{posts}{post.pk}/review/{row.pk}/",
        f"{posts}calendar/",
        "/admin/calendar_app/publishattempt/",
        f"/admin/calendar_app/publishattempt/{attempt.pk}/change/",
        "/admin/social/socialaccount/",
        f"/admin/social/socialaccount/{account.pk}/change/",
        "/social/connect/twitter/",  # not configured in tests: the connect page explains what to set
    ]
    assert len(SCRIPT.findall(client.get("/admin/login/").content.decode())) == 1
    client.force_login(staff_user)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(SCRIPT.findall(response.content.decode())) == 1, url
