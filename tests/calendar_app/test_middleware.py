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


def test_middleware__activates_the_zone_the_browser_reported():
    assert zone_seen_by_the_view("America/Sao_Paulo") == "America/Sao_Paulo"


@pytest.mark.parametrize("cookie", [None, "", "Mars/Olympus", "../../etc/passwd", "utc "])
def test_middleware__anything_else_is_utc(cookie):
    with timezone.override("Asia/Tokyo"):  # even if something else was active before
        assert zone_seen_by_the_view(cookie) == "UTC"


def test_middleware__the_zone_does_not_leak_into_the_next_request():
    zone_seen_by_the_view("Europe/Paris")
    assert timezone.get_current_timezone_name() == "UTC"
