"""System checks for the configuration the product cannot run safely without."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError, connection

from .crypto import InvalidEncryptionKey, TokenDecryptionError, parse_encryption_keys

KEY_HINT = (
    "Set ENCRYPTION_KEY to 64 hex characters, e.g. the output of "
    "python -c 'import secrets; print(secrets.token_hex(32))'."
)


@register()
def check_cron_secret(app_configs=None, **kwargs):
    if not settings.CRON_SECRET:
        return [
            Warning(
                "CRON_SECRET is not set: GET /api/cron/publish-scheduled-posts answers 503 to every request.",
                hint="Set CRON_SECRET to a long random value if a hosted cron calls the HTTP trigger; "
                "system cron running `manage.py publish_due_posts` does not need it.",
                id="social.W001",
            )
        ]
    if len(settings.CRON_SECRET) < 32:
        return [
            Warning(
                f"CRON_SECRET is only {len(settings.CRON_SECRET)} characters long.",
                hint="Use at least 32 random characters, e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'.",
                id="social.W002",
            )
        ]
    return []


@register()
def check_encryption_key(app_configs=None, **kwargs):
    if not settings.ENCRYPTION_KEY:
        return [
            Error(
                "ENCRYPTION_KEY is not set; tokens cannot be stored or read.", hint=KEY_HINT, id="social.E001"
            )
        ]
    try:
        keys = parse_encryption_keys(settings.ENCRYPTION_KEY)
    except InvalidEncryptionKey as exc:
        return [Error(str(exc), hint=KEY_HINT, id="social.E002")]
    if not settings.DEBUG and bytes(32) in keys:
        return [
            Error(
                "ENCRYPTION_KEY uses the public development key while DEBUG is off.",
                hint=KEY_HINT,
                id="social.E004",
            )
        ]
    return _check_stored_tokens_decrypt()


def _check_stored_tokens_decrypt() -> list[Error]:
    """A wrong key shows up here, with a hint, rather than as an account that fails to publish."""
    from .models import SocialAccount

    table = SocialAccount._meta.db_table
    try:
        if table not in connection.introspection.table_names():
            return []
        sample = (
            SocialAccount.objects.exclude(access_token="")
            .order_by("-updated_at")
            .values_list("id", flat=True)
            .first()
        )
        if sample is None:
            return []
        SocialAccount.objects.only("access_token", "refresh_token").get(pk=sample)
    except TokenDecryptionError as exc:
        return [
            Error(
                f"ENCRYPTION_KEY cannot decrypt the stored tokens ({exc})",
                hint="Set ENCRYPTION_KEY to the key that encrypted them. To change keys, put the new key "
                "first and the old one after a comma, then run `manage.py reencrypt_tokens`.",
                id="social.E003",
            )
        ]
    except DatabaseError:
        # No database yet (or unreachable): nothing stored to check; commands report the database error.
        return []
    return []
