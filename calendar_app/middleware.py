"""The viewer's time zone: admin pages show times in it (the calendar, token expiry, dates)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .services.posts import timezone_names

# Set by calendar_app/static/calendar_app/viewer-timezone.js from the browser's Intl time zone.
VIEWER_TIMEZONE_COOKIE = "viewer_tz"


class ViewerTimezoneMiddleware:
    """Activate the zone named by the ``viewer_tz`` cookie for this request; UTC when absent or unknown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = unquote(request.COOKIES.get(VIEWER_TIMEZONE_COOKIE, ""))  # "America%2FNew_York" too
        if name in timezone_names():
            timezone.activate(ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
