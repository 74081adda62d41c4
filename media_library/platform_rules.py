"""Each platform's media rules, as its spec declares them (``PlatformLimits.media`` in
``social/platforms/<name>/``; the values and their sources are in docs/platforms.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from social.platforms import UnknownPlatformError
from social.platforms import platform_spec
from social.platforms import platform_specs
from social.platforms.media_rules import MediaRules

if TYPE_CHECKING:
    from social.models import SocialAccount


def media_rules_for(platform: str, *, account: SocialAccount | None = None) -> MediaRules | None:
    """The media rules of a platform (a ``social.models.Platform`` value), or None for one without any or
    not enabled. With ``account``, that account's own where they differ per account (a Mastodon server's
    limits, as cached on the account: no call is made)."""
    try:
        spec = platform_spec(platform)
    except UnknownPlatformError:
        return None
    rules = spec.limits.media
    if rules is not None and account is not None and spec.account_media_rules:
        rules = import_string(spec.account_media_rules)(account, rules)
    return rules


def platforms_with_media_rules() -> list[str]:
    """Every enabled platform that declares media rules, in the registry's order."""
    return [spec.platform for spec in platform_specs() if spec.limits.media is not None]


def platforms_fetching_media_by_url() -> list[str]:
    """Enabled platforms that fetch media from a public URL themselves (Instagram, Threads, Facebook)."""
    return [spec.platform for spec in platform_specs() if spec.fetches_media_by_url]


def platform_label(platform: str) -> str:
    """How people call the platform ("X"): its spec's name."""
    try:
        return platform_spec(platform).name
    except UnknownPlatformError:
        return platform.title()
