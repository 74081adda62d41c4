"""Personal API tokens: made (shown once), checked, revoked.

A token reads ``sched_<key_id>_<secret>``: ``key_id`` (public, 12 characters) finds its row, and the
SHA-256 of the whole token must equal the stored hash, compared in constant time. The secret part has 256
random bits, so a plain hash is enough: nothing can be guessed or brute-forced from it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from .models import ApiToken
from .models import Scope

PREFIX = "sched_"
KEY_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud or copied by hand
KEY_ID_LENGTH = 12
# last_used_at is written at most this often per token: a busy integration costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    plaintext: str  # shown once, then gone: only its hash is stored


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def scopes_clean(scopes: Iterable[str]) -> list[str]:
    """The scopes in their canonical order; ValidationError naming any unknown one."""
    wanted = {scope.strip().lower() for scope in scopes if scope.strip()}
    unknown = sorted(wanted - set(Scope.values))
    if unknown:
        raise ValidationError(
            f"Unknown scope {', '.join(map(repr, unknown))}: use {', '.join(Scope.values)}.", code="scopes"
        )
    if not wanted:
        raise ValidationError(f"Give the token at least one scope: {', '.join(Scope.values)}.", code="scopes")
    return [scope for scope in Scope.values if scope in wanted]


def api_token_create(
    *, user, name: str, scopes: Iterable[str], expires_at: datetime | None = None
) -> CreatedToken:
    """A new token for ``user``; the plaintext is in the result and nowhere else."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry must be in the future.", code="expires_at")
    key_id = "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(KEY_ID_LENGTH))
    plaintext = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        key_id=key_id,
        token_hash=token_hash(plaintext),
        scopes=scopes_clean(scopes),
        expires_at=expires_at,
    )
    return CreatedToken(token=token, plaintext=plaintext)


def api_token_revoke(*, token_id: int) -> bool:
    """Revoke a token at once; returns whether it was still active."""
    return bool(
        ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def api_token_authenticate(plaintext: str) -> ApiToken | None:
    """The active token ``plaintext`` is, with its (active) user; None for anything else.

    One query. An unknown, malformed, revoked or expired token and an inactive user all look the same.
    """
    if not plaintext.startswith(PREFIX):
        return None
    key_id, _, secret = plaintext[len(PREFIX) :].partition("_")
    if len(key_id) != KEY_ID_LENGTH or not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_id=key_id, revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, token_hash(plaintext)):
        return None
    return token


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that ``token`` was used: at most one write a minute, a conditional UPDATE."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now
