"""How posts and their accounts look in the admin: status badges, platform badges, retry state."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.html import format_html_join

from social.platforms import UnknownPlatformError
from social.platforms import platform_spec

from ..models import PostStatus
from ..models import ScheduledPost
from ..timezones import format_in_zone
from ..timezones import zone_or_utc


def status_badge(status: str, label: str) -> str:
    return format_html('<span class="status-badge status-{}">{}</span>', status.lower(), label)


def platform_badges(post: ScheduledPost) -> str:
    """One small badge per account (``post.post_accounts`` prefetched), titled with its name and status;
    its label and color are the platform's spec's."""
    return format_html_join(
        " ",
        '<span style="background: {}" class="platform-badge platform-{} account-{}" title="{}: {} ({})">{}</span>',
        (
            (
                color,
                post_account.account.platform.lower(),
                post_account.status.lower(),
                post_account.account.get_platform_display(),
                post_account.account.name,
                post_account.get_status_display().lower(),
                label,
            )
            for post_account in post.post_accounts.all()
            for label, color in [platform_badge(post_account.account.platform)]
        ),
    )


def platform_badge(platform: str) -> tuple[str, str]:
    """The label and color of an account's badge, from its platform's spec (a platform turned off: grey)."""
    try:
        spec = platform_spec(platform)
    except UnknownPlatformError:
        return platform, "#666"
    return spec.badge.label, spec.badge.color


def retry_state(post: ScheduledPost) -> str:
    """``retry 1 of 3 at 14:05`` (the author's zone) while a retry waits; what the retries came to after;
    ``checked again at 14:05`` while a platform processes it (the post is handed on to a later run)."""
    if post.status == PostStatus.SCHEDULED and post.next_attempt_at is not None:
        at = _when(post, post.next_attempt_at)
        if post.retry_count:
            return f"retry {post.retry_count} of {post.max_retries} at {at}"
        return f"due again at {at}"
    if post.status == PostStatus.PUBLISHING and post.lease_token is None and post.lease_expires_at:
        return f"still processing, checked again at {_when(post, post.lease_expires_at)}"
    if post.status in (PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED) and post.retry_count:
        return f"ended after {post.retry_count} of {post.max_retries} retries"
    return ""


def _when(post: ScheduledPost, moment) -> str:
    """A time in the author's zone, with its date unless it is today there."""
    local = moment.astimezone(zone_or_utc(post.timezone))
    same_day = local.date() == timezone.now().astimezone(zone_or_utc(post.timezone)).date()
    return format_in_zone(moment, post.timezone, with_date=not same_day)
