"""A simple per-token rate limit: at most API_RATE_LIMIT_PER_MINUTE requests in each clock minute.

Counted on the token's own row with one UPDATE … RETURNING, so it holds across processes and hosts (a
per-process cache would multiply the limit by the number of workers). 0 turns it off.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC
from datetime import datetime

from django.conf import settings
from django.db import connection
from ninja.throttling import BaseThrottle

from .models import ApiToken

WINDOW_SECONDS = 60


def api_token_count_request(*, token: ApiToken, now: float | None = None) -> tuple[int, float]:
    """Count one request of ``token`` in the current window; returns (requests so far in it, seconds until
    the next window)."""
    now = time.time() if now is None else now
    window_start = now - now % WINDOW_SECONDS
    window = datetime.fromtimestamp(window_start, UTC)
    value = connection.ops.adapt_datetimefield_value(window)
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608 (the table name is ours; values are parameters)
            "rate_window_count = CASE WHEN rate_window_start = %s THEN rate_window_count + 1 ELSE 1 END, "
            "rate_window_start = %s WHERE id = %s RETURNING rate_window_count",
            [value, value, token.pk],
        )
        row = cursor.fetchone()
    return (row[0] if row else 1), window_start + WINDOW_SECONDS - now


class TokenRateThrottle(BaseThrottle):
    """Ninja's throttle hook: runs after authentication, so ``request.auth`` is the token. One instance
    serves every thread, so the wait it reports is kept per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def allow_request(self, request) -> bool:
        limit = settings.API_RATE_LIMIT_PER_MINUTE
        token = getattr(request, "auth", None)
        if not limit or not isinstance(token, ApiToken):
            return True
        count, self._local.wait = api_token_count_request(token=token)
        return count <= limit

    def wait(self) -> float | None:
        return max(1.0, getattr(self._local, "wait", WINDOW_SECONDS))
