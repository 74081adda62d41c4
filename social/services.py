"""Writes to social accounts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from notifications.services.events import account_needs_reconnect_event
from notifications.services.events import events_record

from .crypto import get_key_ring
from .models import SocialAccount
from .models import SocialAccountStatus
from .platforms import ConnectableAccount
from .platforms import TokenRefreshError
from .platforms import TokenRevokedError
from .platforms import UnknownOAuthProviderError
from .platforms import get_provider
from .platforms import platform_specs
from .platforms import token_refresh_margin

logger = logging.getLogger(__name__)

# How close to its expiry a token is refreshed before a publish (``refresh_within``): longer than a
# slow upload, much shorter than X's two-hour tokens.
PROACTIVE_REFRESH_WITHIN = timedelta(minutes=5)

CONNECT_FIELDS = ["name", "access_token", "refresh_token", "token_expires_at", "status", "extra"]


def social_account_connect(
    *, platform: str, connection: ConnectableAccount, owner: AbstractBaseUser
) -> SocialAccount:
    """Store a newly connected account, or reconnect the one with the same (platform, external_id).

    A reconnect keeps the row (so its publishing history and owner) and replaces its tokens with the new
    grant's; the row is locked like a token refresh, so a refresh running meanwhile cannot overwrite them.
    """
    return social_accounts_connect(platform=platform, connections=[connection], owner=owner)[0]


def social_accounts_connect(
    *, platform: str, connections: Sequence[ConnectableAccount], owner: AbstractBaseUser
) -> list[SocialAccount]:
    """``social_account_connect`` for several accounts of one platform (the Pages a person picked), all or none."""
    if any(not connection.tokens.access_token for connection in connections):
        raise ValueError("A connected account needs an access token; nothing was stored.")
    accounts = []
    with transaction.atomic():
        for connection in connections:
            values = {
                "name": connection.name[: SocialAccount._meta.get_field("name").max_length],
                "access_token": connection.tokens.access_token,
                # A new grant replaces the old one entirely: no refresh token issued means none to use.
                "refresh_token": connection.tokens.refresh_token or "",
                "token_expires_at": connection.tokens.expires_at,
                "status": SocialAccountStatus.ACTIVE,
            }
            account, created = SocialAccount.objects.select_for_update().get_or_create(
                platform=platform,
                external_id=connection.external_id,
                defaults=values | {"owner": owner, "extra": dict(connection.extra)},
            )
            if not created:
                for name, value in values.items():
                    setattr(account, name, value)
                account.extra = {**account.extra, **connection.extra}
                account.save(update_fields=[*CONNECT_FIELDS, "updated_at"])
            logger.info("%s %r", "Connected" if created else "Reconnected", account)
            accounts.append(account)
    return accounts


def social_account_refresh_token(
    *,
    account_id: int,
    rejected_access_token: str | None = None,
    refresh_within: timedelta | None = None,
) -> SocialAccount:
    """Refresh an account's access token under a row lock, and return the account as it now is.

    The lock is held across the call to the token endpoint so two runs never spend the same rotating
    refresh token: the second waits, then sees the first one's result and does not refresh again.
    - ``rejected_access_token``: the token a platform refused; refresh unless another run replaced it.
    - ``refresh_within``: refresh only if the token expires within this time (proactive refresh).
    Raises TokenRevokedError (an ACTIVE account is then NEEDS_RECONNECT, tokens kept) or TokenRefreshError
    (a passing failure; the account stays ACTIVE). A DISABLED account keeps that status either way.
    """
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update().get(pk=account_id)
        if rejected_access_token is not None and account.access_token != rejected_access_token:
            return account
        if refresh_within is not None and (
            account.token_expires_at is None or account.token_expires_at > timezone.now() + refresh_within
        ):
            return account
        provider = get_provider(account.platform)
        if not provider.can_refresh(account):
            if rejected_access_token is None:
                # A proactive refresh of a token that cannot be refreshed: use it while it works.
                return account
            error = TokenRevokedError(f"{account}: the token cannot be refreshed; reconnect the account.")
        else:
            try:
                tokens = provider.refresh_account(account)
            except TokenRevokedError as exc:
                error = exc
            else:
                if not tokens.access_token:
                    # Never save an empty token; the old one stays and a later refresh may succeed.
                    raise TokenRefreshError(f"{account}: the token endpoint returned no access token.")
                account.access_token = tokens.access_token
                # Rotating platforms (X) return a new refresh token; others keep the old one valid.
                if tokens.refresh_token:
                    account.refresh_token = tokens.refresh_token
                account.token_expires_at = tokens.expires_at
                if account.status == SocialAccountStatus.NEEDS_RECONNECT:
                    # Working again; a DISABLED account stays disabled (a person's decision).
                    account.status = SocialAccountStatus.ACTIVE
                account.save(
                    update_fields=[
                        "access_token",
                        "refresh_token",
                        "token_expires_at",
                        "status",
                        "updated_at",
                    ]
                )
                logger.info("Refreshed the access token of %r", account)
                return account
        _needs_reconnect(account, reason=str(error))
    raise error


def _needs_reconnect(account: SocialAccount, *, reason: str) -> bool:
    """Mark a locked ACTIVE account NEEDS_RECONNECT, with its ``account.needs_reconnect`` event; a DISABLED
    one keeps that status (a person's decision). Runs inside the caller's transaction."""
    logger.warning("%r needs reconnecting: %s", account, reason)
    if account.status != SocialAccountStatus.ACTIVE:
        return False
    account.status = SocialAccountStatus.NEEDS_RECONNECT
    account.save(update_fields=["status", "updated_at"])
    # In the same transaction: the owner is told exactly when the status changes, never otherwise.
    events_record(events=[account_needs_reconnect_event(account=account, reason=reason)])
    return True


@dataclass(frozen=True)
class ExpiringRefreshResult:
    expiring: int  # active accounts whose token expires within their platform's margin
    refreshed: int
    needs_reconnect: int  # refused for good: the account was marked NEEDS_RECONNECT
    failed: int  # failed for now (network, 5xx, rate limit): tried again next time


def social_accounts_refresh_expiring(*, now: datetime | None = None) -> ExpiringRefreshResult:
    """Refresh every active token that expires within its platform's margin, whether or not a post is due
    (Threads' 60-day tokens lapse for good if an account posts nothing in their last two weeks). Each goes
    through ``social_account_refresh_token``, under the account's lock, so it never races a publisher run;
    a token that cannot be refreshed is left alone."""
    now = now or timezone.now()
    margins = {spec.platform: token_refresh_margin(spec.platform) for spec in platform_specs()}
    if not margins:
        return ExpiringRefreshResult(0, 0, 0, 0)
    candidates = (
        SocialAccount.objects.without_tokens()
        .filter(
            status=SocialAccountStatus.ACTIVE,
            platform__in=list(margins),
            token_expires_at__isnull=False,
            token_expires_at__lte=now + max(margins.values()),
        )
        .values_list("pk", "platform", "token_expires_at")
    )
    expiring = refreshed = needs_reconnect = failed = 0
    for account_id, platform, expires_at in candidates:
        if expires_at > now + margins[platform]:
            continue
        expiring += 1
        try:
            account = social_account_refresh_token(account_id=account_id, refresh_within=margins[platform])
        except TokenRevokedError:
            needs_reconnect += 1
        except (TokenRefreshError, UnknownOAuthProviderError) as exc:
            logger.warning("Refreshing the expiring token of account %s failed for now: %s", account_id, exc)
            failed += 1
        else:
            refreshed += account.token_expires_at != expires_at
    return ExpiringRefreshResult(expiring, refreshed, needs_reconnect, failed)


@dataclass(frozen=True)
class ReencryptResult:
    total: int
    reencrypted: int
    key_id: str


def social_account_mark_needs_reconnect(*, account_id: int, rejected_access_token: str) -> bool:
    """A platform refused a token that was just refreshed: only a person reconnecting can fix it.

    Changes nothing (and returns False) when the account is not ACTIVE or its token was replaced meanwhile,
    by a reconnect or another run's refresh.
    """
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update().get(pk=account_id)
        if account.access_token != rejected_access_token:
            return False
        return _needs_reconnect(account, reason="the platform refused its freshly refreshed token")


def social_account_extra_set(*, account: SocialAccount, key: str, value: Any) -> None:
    """Set one entry of the account's ``extra`` (a fact read from its platform), merged into the row's
    current ``extra`` under the row's lock, so a concurrent reconnect or refresh loses nothing; ``account``
    is updated too."""
    with transaction.atomic():
        extra = (
            SocialAccount.objects.select_for_update()
            .filter(pk=account.pk)
            .values_list("extra", flat=True)
            .first()
        )
        if extra is not None:
            SocialAccount.objects.filter(pk=account.pk).update(extra={**extra, key: value})
    account.extra = {**(account.extra or {}), key: value}


def social_accounts_reencrypt_tokens(*, batch_size: int = 500) -> ReencryptResult:
    """Re-encrypt every token not yet under the first ENCRYPTION_KEY; safe to run again or concurrently."""
    key_ring = get_key_ring()
    raw = SocialAccount.objects.annotate(
        raw_access=Cast("access_token", output_field=TextField()),
        raw_refresh=Cast("refresh_token", output_field=TextField()),
    )
    stale_ids = [
        pk
        for pk, access, refresh in raw.values_list("pk", "raw_access", "raw_refresh").iterator()
        if any(value and not key_ring.is_current(value) for value in (access, refresh))
    ]
    for start in range(0, len(stale_ids), batch_size):
        with transaction.atomic():
            # Locked like a token refresh, so a refresh running meanwhile is never overwritten.
            for account in SocialAccount.objects.select_for_update().filter(
                pk__in=stale_ids[start : start + batch_size]
            ):
                account.save(update_fields=["access_token", "refresh_token"])
    return ReencryptResult(
        total=SocialAccount.objects.count(), reencrypted=len(stale_ids), key_id=key_ring.primary_key_id
    )
