"""Each Instagram account's content publishing limit, read from Instagram and kept on the account.

``GET /{ig-user}/content_publishing_limit?fields=quota_usage,config`` answers
``{"data": [{"quota_usage": 2, "config": {"quota_total": 50, "quota_duration": 86400}}]}``. The figures go
into ``extra["publishing_limit"]`` with the time they were read; the publisher's quota for the account
(``QuotaRule.limit_setting``) reads ``quota_total`` and ``quota_duration`` from there, 50 per 24 hours when
never read. Read where a person saves a post (the spec's ``account_refresh``), at most once a day per
account; a failed read keeps what was kept.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.utils import timezone

from social.crypto import TokenDecryptionError
from social.models import SocialAccount
from social.platforms.base.client import PublishError
from social.services import social_account_extra_set

from . import PUBLISHING_LIMIT
from .client import InstagramClient

logger = logging.getLogger(__name__)

READ_AGAIN_AFTER = timedelta(hours=24)


def instagram_account_refresh_publishing_limit(account: SocialAccount) -> dict[str, Any] | None:
    """Read the account's publishing limit again when what is kept is older than a day; returns what is
    kept now (None when it was never read)."""
    kept = (account.extra or {}).get(PUBLISHING_LIMIT)
    if isinstance(kept, dict) and not _stale(kept.get("read_at")):
        return kept
    try:
        # The post form loads accounts without their tokens; this read needs the Page token.
        with_token = SocialAccount.objects.get(pk=account.pk)
        figures = InstagramClient(with_token).publishing_limit()
    except (PublishError, TokenDecryptionError, SocialAccount.DoesNotExist) as exc:
        logger.warning("Keeping the Instagram publishing limit of %r: reading it failed: %s", account, exc)
        return kept if isinstance(kept, dict) else None
    figures["read_at"] = timezone.now().isoformat()
    social_account_extra_set(account=account, key=PUBLISHING_LIMIT, value=figures)
    return figures


def _stale(read_at: Any) -> bool:
    try:
        when = datetime.fromisoformat(read_at)
    except (TypeError, ValueError):
        return True
    return timezone.now() - when > READ_AGAIN_AFTER
