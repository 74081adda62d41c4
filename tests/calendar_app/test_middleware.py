from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from calendar_app.middleware import ViewerTimezoneMiddleware


def zone_seen_by_the_view(cookie: str | None) -> str:
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse()

    request = RequestFactory().get("/admin/")
    if cookie is not None:
        request.COOKIES["viewer_tz"] = cookie
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


@pytest.mark.django_db
def test_login_and_index_pages_learn_the_browsers_zone(client, staff_user):
    script = '<script src="/static/calendar_app/viewer-timezone.js"></script>'
    assert script in client.get("/admin/login/").content.decode()
    client.force_login(staff_user)
    assert script in client.get("/admin/").content.decode()
