"""The publisher's HTTP endpoints: the trigger for hosted crons (``GET /api/cron/publish-scheduled-posts``)
and its health for uptime monitors (``GET /healthz``)."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.http import HttpRequest
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from calendar_app.health import DEGRADED
from calendar_app.health import publisher_health_check
from calendar_app.models import PublisherRun
from calendar_app.publisher import publish_due_posts

logger = logging.getLogger(__name__)


@csrf_exempt  # A machine endpoint authenticated by its bearer secret; other methods get 405, not a CSRF 403.
def publish_scheduled_posts(request: HttpRequest) -> JsonResponse:
    """Run the publisher once and answer its figures; the caller proves itself with ``CRON_SECRET``."""
    if request.method != "GET":
        response = JsonResponse({"error": "Only GET is allowed."}, status=405)
        response["Allow"] = "GET"
        return response
    secret = settings.CRON_SECRET
    if not secret:
        return JsonResponse({"error": "CRON_SECRET is not set: the trigger is disabled."}, status=503)
    if not _bearer_matches(request.headers.get("Authorization", ""), secret):
        # What was sent is never logged or echoed: it may be a secret that was nearly right.
        response = JsonResponse(
            {"error": "Authorization: Bearer <CRON_SECRET> is missing or wrong."}, status=401
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    try:
        summary = publish_due_posts(trigger=PublisherRun.Trigger.HTTP)
    except DatabaseError:
        logger.exception("The cron trigger could not run the publisher: database error")
        return JsonResponse({"error": "The database is unavailable; nothing was published."}, status=503)
    except ImproperlyConfigured as exc:
        logger.error("The cron trigger could not run the publisher: %s", exc)
        return JsonResponse({"error": f"Bad configuration: {exc}"}, status=500)
    if summary.error:
        # The run stopped early; what it had not started is queued again and nothing was lost.
        logger.error("The cron trigger's run stopped early: %s", summary.error)
        return JsonResponse({**summary.as_dict(), "error": summary.error}, status=503)
    return JsonResponse(summary.as_dict())


def _bearer_matches(header: str, secret: str) -> bool:
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        return False
    return hmac.compare_digest(credentials.encode(), secret.encode())


@csrf_exempt  # a read for monitors; other methods get 405, not a CSRF 403
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Whether the publisher is publishing (calendar_app/health.py): 200 when ok, 503 when stalled or
    degraded. No authentication and nothing secret: figures only. Checking also records a stall (or the
    recovery after one), so a dead publisher is reported by whoever watches this URL."""
    try:
        health = publisher_health_check()
    except DatabaseError as exc:
        logger.error("GET /healthz: the database is unavailable: %s", str(exc).strip().splitlines()[:1])
        body = dict.fromkeys(
            ("last_run_finished_at", "seconds_since_last_run", "due_unsent", "oldest_due_seconds")
        )
        return JsonResponse({"status": DEGRADED, **body}, status=503)
    return JsonResponse(health.as_json(), status=200 if health.is_ok else 503)
