"""System checks of the publisher's own settings (registered in CalendarAppConfig.ready())."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.core.checks import Warning
from django.core.exceptions import ImproperlyConfigured

# Shorter bearer secrets can be guessed; 32 random characters is what the hint generates.
MIN_CRON_SECRET_LENGTH = 32


def check_cron_secret(app_configs=None, **kwargs):
    """The HTTP trigger's bearer secret: unset turns the trigger off (503), short is guessable."""
    if not settings.CRON_SECRET:
        return [
            Warning(
                "CRON_SECRET is not set: GET /api/cron/publish-scheduled-posts answers 503 to every request.",
                hint="Set CRON_SECRET to a long random value if a hosted cron calls the HTTP trigger; "
                "system cron running `manage.py publish_due_posts` does not need it.",
                id="calendar_app.W001",
            )
        ]
    if len(settings.CRON_SECRET) < MIN_CRON_SECRET_LENGTH:
        return [
            Warning(
                f"CRON_SECRET is only {len(settings.CRON_SECRET)} characters long.",
                hint=f"Use at least {MIN_CRON_SECRET_LENGTH} random characters, e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'.",
                id="calendar_app.W002",
            )
        ]
    return []


def check_stall_after(app_configs=None, **kwargs):
    """PUBLISH_STALL_AFTER: how long due posts may wait before the publisher counts as stalled."""
    from .health import stall_after_seconds

    try:
        stall_after_seconds()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Set it to the seconds due posts may wait with no publisher run finishing, e.g. 300.",
                id="calendar_app.E001",
            )
        ]
    return []
