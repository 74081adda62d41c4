"""Warnings, when a post is scheduled, that a platform's posting quota will make some posts wait.

Not an error: the post can be saved, and the publisher defers what does not fit until the window frees
(calendar_app/publisher/quotas.py). The author is told which platform, which account (or the whole app) and
which day, so they can spread the posts out instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import F
from django.db.models.functions import Coalesce

from social.models import SocialAccount
from social.platforms import account_quota_rules
from social.platforms.quotas import AccountQuota

from ..models import AccountStatus
from ..models import PostStatus
from ..models import ScheduledPostAccount

# Posts that will go out, or went out, and so count against a quota.
COUNTED_POST_STATUSES = (
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHING,
    PostStatus.PUBLISHED,
    PostStatus.PARTIALLY_PUBLISHED,
)
COUNTED_ACCOUNT_STATUSES = (AccountStatus.PENDING, AccountStatus.PUBLISHING, AccountStatus.PUBLISHED)


def post_quota_warnings(
    *,
    accounts: Iterable[SocialAccount],
    scheduled_at: datetime,
    timezone_name: str,
    post_id: int | None = None,
) -> list[str]:
    """One warning per quota that the posts around ``scheduled_at`` (this one included) exceed."""
    warnings: list[str] = []
    checked: set[tuple[str, int, str]] = set()
    for account in accounts:
        for quota in account_quota_rules(account):
            key = (quota.scope_key, quota.window_seconds, quota.rule.daily_reset_zone)
            if key in checked:  # an app's quota, already checked for another of its accounts
                continue
            checked.add(key)
            times = [*_counted_times(quota, scheduled_at, post_id), scheduled_at]
            busiest = quota.busiest_window(at=scheduled_at, times=times)
            if busiest > quota.limit:
                warnings.append(_warning(quota, account, busiest, scheduled_at, timezone_name))
    return warnings


def _counted_times(quota: AccountQuota, at: datetime, post_id: int | None) -> list[datetime]:
    """When the other posts counted by ``quota`` around ``at`` go (or went) out."""
    if quota.rule.daily_reset_zone:
        start = quota.window_start(at)
        end = quota.frees_at(now=at, counted=[])
    else:
        span = timedelta(seconds=quota.window_seconds)
        start, end = at - span, at + span
    entries = ScheduledPostAccount.objects.filter(
        post__status__in=COUNTED_POST_STATUSES, status__in=COUNTED_ACCOUNT_STATUSES
    )
    if quota.per_app:
        entries = entries.filter(account__platform=quota.platform)
    else:
        entries = entries.filter(account_id=quota.account_id)
    if post_id is not None:
        entries = entries.exclude(post_id=post_id)
    return list(
        entries.annotate(
            goes_at=Coalesce(F("published_at"), F("post__next_attempt_at"), F("post__scheduled_at"))
        )
        .filter(goes_at__gte=start, goes_at__lt=end)
        .values_list("goes_at", flat=True)
    )


def _warning(quota: AccountQuota, account: SocialAccount, busiest: int, at: datetime, zone: str) -> str:
    whose = "this app's accounts" if quota.per_app else account.name
    if quota.rule.daily_reset_zone:
        day = at.astimezone(ZoneInfo(quota.rule.daily_reset_zone))
        when = f"on {day:%A %-d %B %Y} ({quota.rule.daily_reset_zone} time)"
    else:
        local = at.astimezone(ZoneInfo(zone))
        when = f"around {local:%A %-d %B %Y, %H:%M}"
    return (
        f"{quota.platform_name}: {whose} would have {busiest:,} posts {when}, and {quota.describe()}. The "
        "post is saved; those over the limit wait until the window frees (they are not failed)."
    )
