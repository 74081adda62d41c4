"""Time zones: the author's zone a post is written in, and the viewer's zone pages are shown in.

Times are stored as aware UTC. A post keeps its author's IANA zone (``ScheduledPost.timezone``) to read
wall-clock input and to show its times as the author meant them; every other time on a page is shown in
the viewer's zone, which the browser reports in the ``viewer_tz`` cookie (set by
``static/calendar_app/viewer-timezone.js``, included once for every admin page by
``templates/admin/base_site.html``) and ``ViewerTimezoneMiddleware`` activates for the request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http import HttpResponse
from django.utils import timezone

VIEWER_TIMEZONE_COOKIE = "viewer_tz"


@functools.cache
def timezone_names() -> frozenset[str]:
    """The IANA zone names a post may be written in (and a viewer's cookie may name)."""
    return frozenset(available_timezones())


def wall_time_to_utc(*, wall_time: datetime, timezone_name: str) -> datetime:
    """The aware UTC instant of a naive wall-clock time in ``timezone_name``.

    A time that does not exist (skipped when clocks jump forward) is refused. A time that happens twice
    (clocks fall back) is its first occurrence, the one still on daylight-saving time.
    """
    if wall_time.tzinfo is not None:
        raise ValueError("wall_time must be naive: it is read in timezone_name")
    zone = ZoneInfo(timezone_name)
    local = wall_time.replace(tzinfo=zone, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != wall_time:
        raise ValidationError(
            f"{wall_time:%H:%M} does not exist on {wall_time:%Y-%m-%d} in {timezone_name}: the clocks "
            "jump forward over it. Choose another time.",
            code="nonexistent_time",
        )
    return as_utc


def zone_or_utc(timezone_name: str) -> ZoneInfo:
    """The zone of a stored name; UTC for a name this system does not know."""
    return ZoneInfo(timezone_name if timezone_name in timezone_names() else "UTC")


def format_in_zone(value: datetime | None, timezone_name: str, *, with_date: bool = True) -> str:
    """``2026-03-08 14:05 EDT``: an instant as the wall time of a zone, with the zone's abbreviation."""
    if value is None:
        return ""
    local = value.astimezone(zone_or_utc(timezone_name))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}" if with_date else f"{local:%H:%M}"


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
