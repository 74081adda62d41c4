"""Warning people before a token that cannot be refreshed expires (LinkedIn and Meta grant ~60 days)."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from social.models import SocialAccount
from social.models import SocialAccountStatus

from ..models import Event
from .events import account_token_expiring_event
from .events import events_record

# Each warning once per token: a week ahead, then a day ahead.
WARNINGS = (("1d", timedelta(days=1)), ("7d", timedelta(days=7)))


def account_tokens_scan_expiring(*, now: datetime | None = None) -> int:
    """Record ``account.token_expiring`` for active accounts whose token has an expiry, no refresh
    token, and expires within 7 days (then within 1 day). Returns how many warnings are new.

    Idempotent, also when runs scan at once: each warning has a dedup key naming the account, the
    threshold and the expiry, so a reconnected account (a new expiry) is warned again.
    """
    now = now or timezone.now()
    accounts = (
        SocialAccount.objects.filter(
            status=SocialAccountStatus.ACTIVE,
            refresh_token="",
            token_expires_at__gt=now,
            token_expires_at__lte=now + WARNINGS[-1][1],
        )
        # Never load (or decrypt) a token for this.
        .only("pk", "platform", "name", "status", "token_expires_at")
    )
    drafts = []
    for account in accounts:
        warning = next(name for name, ahead in WARNINGS if account.token_expires_at <= now + ahead)
        key = f"account.token_expiring:{account.pk}:{warning}:{int(account.token_expires_at.timestamp())}"
        drafts.append(
            account_token_expiring_event(
                account=account, expires_at=account.token_expires_at, warning=warning, dedup_key=key
            )
        )
    if not drafts:
        return 0
    with transaction.atomic():
        events_record(events=drafts)
    # The ones another scan had already recorded kept their own ids.
    return Event.objects.filter(pk__in=[draft.id for draft in drafts]).count()
