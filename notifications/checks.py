"""System checks for the notification settings: a bad value is named at start, not found by a lost email."""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error
from django.core.checks import Warning
from django.core.checks import register
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

SITE_URL_HINT = "Set SITE_URL to the address people open the admin at, e.g. https://scheduler.example.com"
QUIET_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "printed to the console",
    "django.core.mail.backends.dummy.EmailBackend": "dropped",
    "django.core.mail.backends.locmem.EmailBackend": "kept in memory",
    "django.core.mail.backends.filebased.EmailBackend": "written to files",
}


@register()
def check_site_url(app_configs=None, **kwargs):
    site_url = settings.SITE_URL
    if not site_url:
        if settings.DEBUG:
            return []  # development: paths are fine, and the port changes
        return [
            Warning(
                "SITE_URL is not set: links in notification emails and webhooks are paths without a host.",
                hint=SITE_URL_HINT,
                id="notifications.W001",
            )
        ]
    try:
        parts = urlsplit(site_url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        return [
            Error(
                f"SITE_URL {site_url!r} is not an http(s) address like https://scheduler.example.com.",
                hint=SITE_URL_HINT,
                id="notifications.E001",
            )
        ]
    return []


@register()
def check_email_addresses(app_configs=None, **kwargs):
    errors = []
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not _is_email(from_address):
        errors.append(
            Error(
                f"DEFAULT_FROM_EMAIL {settings.DEFAULT_FROM_EMAIL!r} is not an email address.",
                hint="Use an address your mail server may send from, e.g. scheduler@example.com.",
                id="notifications.E002",
            )
        )
    invalid = [address for address in settings.NOTIFY_EMAIL_TO if not _is_email(address.strip())]
    if invalid:
        errors.append(
            Error(
                f"NOTIFY_EMAIL_TO has entries that are not email addresses: {', '.join(map(repr, invalid))}.",
                hint="A comma-separated list, e.g. ops@example.com,editor@example.com.",
                id="notifications.E003",
            )
        )
    return errors


@register()
def check_email_backend(app_configs=None, **kwargs):
    mailer = settings.MAILERS.get("default") or {}
    where = QUIET_BACKENDS.get(mailer.get("BACKEND", ""))
    if where and not settings.DEBUG:
        return [
            Warning(
                f"EMAIL_URL is not set to a mail server: notification emails are {where}, not sent.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="notifications.W002",
            )
        ]
    return []


@register()
def check_delivery_numbers(app_configs=None, **kwargs):
    values = {
        name: getattr(settings, name)
        for name in ["NOTIFY_DELIVERY_MAX_SECONDS", "WEBHOOK_CONNECT_TIMEOUT", "WEBHOOK_READ_TIMEOUT"]
    }
    mailer_options = (settings.MAILERS.get("default") or {}).get("OPTIONS") or {}
    if "timeout" in mailer_options:
        values["EMAIL_TIMEOUT"] = mailer_options["timeout"]
    return [
        Error(f"{name} must be more than 0 seconds, not {value}.", id="notifications.E004")
        for name, value in values.items()
        if value is None or not value > 0
    ]


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
