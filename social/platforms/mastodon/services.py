"""Writes about Mastodon accounts: keeping each server's limits fresh on its accounts."""

from __future__ import annotations

import logging

from django.conf import settings

from social.models import SocialAccount
from social.services import social_account_extra_set

from .limits import EXTRA_KEY
from .limits import InstanceReadError
from .limits import ServerLimits
from .limits import server_limits_fetch

logger = logging.getLogger(__name__)


def mastodon_account_refresh_limits(account: SocialAccount) -> ServerLimits:
    """Read the server's limits again when the ones cached on ``account`` are stale, and save them (on the
    row and on ``account``). A failed read keeps what was cached. Returns the limits now in force."""
    cached = ServerLimits.of_account(account.extra)
    server_url = (account.extra or {}).get("server_url")
    if not cached.is_stale() or not isinstance(server_url, str) or not server_url:
        return cached
    try:
        fresh = server_limits_fetch(
            server_url.rstrip("/"),
            timeout=(settings.PLATFORM_CONNECT_TIMEOUT, settings.PLATFORM_READ_TIMEOUT),
        )
    except InstanceReadError as exc:
        logger.warning("Keeping the cached limits of %r: reading them again failed: %s", account, exc)
        return cached
    social_account_extra_set(account=account, key=EXTRA_KEY, value=fresh.as_extra())
    return fresh
