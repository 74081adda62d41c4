"""System checks of the encryption of tokens: the key (static) and whether it reads what is stored (a
database check: ``manage.py check --database default``, and ``migrate``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.core.checks import Tags
from django.core.checks import register
from django.db import DatabaseError
from django.db import connections

from .crypto import InvalidEncryptionKey
from .crypto import TokenDecryptionError
from .crypto import parse_encryption_keys

KEY_HINT = (
    "Set ENCRYPTION_KEY to 64 hex characters, e.g. the output of "
    "python -c 'import secrets; print(secrets.token_hex(32))'."
)


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
    return []


@register(Tags.database)
def check_stored_tokens_decrypt(app_configs=None, databases=None, **kwargs):
    """A wrong key shows up here, with a hint, rather than as an account that fails to publish."""
    if not databases:
        return []  # a database check: only when asked for (check --database, migrate)
    try:
        parse_encryption_keys(settings.ENCRYPTION_KEY)
    except InvalidEncryptionKey:
        return []  # check_encryption_key says what is wrong with the key
    errors = []
    for alias in databases:
        errors += _stored_tokens_decrypt(alias)
    return errors


def _stored_tokens_decrypt(alias: str) -> list[Error]:
    from .models import SocialAccount
    from .models import token_field_names

    accounts = SocialAccount.objects.using(alias)
    try:
        if SocialAccount._meta.db_table not in connections[alias].introspection.table_names():
            return []
        sample = (
            accounts.exclude(access_token="").order_by("-updated_at").values_list("id", flat=True).first()
        )
        if sample is None:
            return []
        accounts.only(*token_field_names()).get(pk=sample)
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
