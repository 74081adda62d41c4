"""The posting quotas that apply to one account: its platform's ``QuotaRule``s with the account's own limit
(Instagram reports each account's), and the window arithmetic the publisher's ledger and the post form share.

A rule's window is either moving (the last ``window_seconds``) or a calendar day in a time zone (YouTube's
quota resets at midnight Pacific time). Times are aware; the caller passes "now" (the database's clock in
the publisher).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from zoneinfo import ZoneInfo

from .registry import UnknownPlatformError
from .registry import platform_spec
from .spec import QuotaRule

if TYPE_CHECKING:
    from social.models import SocialAccount


@dataclass(frozen=True)
class AccountQuota:
    """One rule as it applies to one account."""

    rule: QuotaRule
    limit: int
    window_seconds: int
    platform: str
    platform_name: str  # "X"
    account_id: int

    @property
    def per_app(self) -> bool:
        return self.rule.per_app

    @property
    def scope_key(self) -> str:
        """What the rule counts: one account's posts, or every post of the platform's app."""
        return quota_scope_key(platform=self.platform, account_id=self.account_id, per_app=self.per_app)

    def describe(self) -> str:
        """ "Instagram allows 50 posts per day per account" """
        rule = QuotaRule(
            limit=self.limit,
            window_seconds=self.window_seconds,
            per_app=self.per_app,
            daily_reset_zone=self.rule.daily_reset_zone,
        )
        return f"{self.platform_name} allows {rule.describe()}"

    def window_start(self, now: datetime) -> datetime:
        """The earliest post time that still counts at ``now``."""
        if self.rule.daily_reset_zone:
            zone = ZoneInfo(self.rule.daily_reset_zone)
            local = now.astimezone(zone)
            return datetime.combine(local.date(), time.min, tzinfo=zone)
        return now - timedelta(seconds=self.window_seconds)

    def frees_at(self, *, now: datetime, counted: Sequence[datetime], taking: int = 1) -> datetime:
        """When ``taking`` more posts fit, given the times of the posts counted in the window now
        (oldest first)."""
        if self.rule.daily_reset_zone:
            zone = ZoneInfo(self.rule.daily_reset_zone)
            local = now.astimezone(zone)
            return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=zone)
        over = len(counted) + taking - self.limit
        if over <= 0:
            return now
        # The window frees once the ``over``-th oldest post has left it.
        return counted[min(over, len(counted)) - 1] + timedelta(seconds=self.window_seconds)

    def busiest_window(self, *, at: datetime, times: Sequence[datetime]) -> int:
        """How many of ``times`` (which include ``at``) fall in the fullest window that contains ``at``:
        what the post form compares with the limit."""
        if self.rule.daily_reset_zone:
            start = self.window_start(at)
            end = start + timedelta(days=1)
            return sum(start <= moment < end for moment in times)
        span = timedelta(seconds=self.window_seconds)
        ordered = sorted(times)
        # The fullest such window starts at one of the times in (at - span, at].
        return max(
            (
                bisect_left(ordered, start + span) - index
                for index, start in enumerate(ordered)
                if at - span < start <= at
            ),
            default=0,
        )


def quota_scope_key(*, platform: str, account_id: int, per_app: bool) -> str:
    return f"app:{platform}" if per_app else f"account:{account_id}"


def account_quota_rules(account: SocialAccount) -> tuple[AccountQuota, ...]:
    """The quotas posts to ``account`` count against (none for a platform that is not enabled)."""
    try:
        spec = platform_spec(account.platform)
    except UnknownPlatformError:
        return ()
    return tuple(
        AccountQuota(
            rule=rule,
            limit=_reported(account, rule, "quota_total") or rule.limit,
            window_seconds=_reported(account, rule, "quota_duration") or rule.window_seconds,
            platform=account.platform,
            platform_name=spec.name,
            account_id=account.pk,
        )
        for rule in spec.limits.quotas
    )


def _reported(account: SocialAccount, rule: QuotaRule, name: str) -> int | None:
    """A positive whole number the platform reported for this account (``extra[rule.limit_setting]``)."""
    if not rule.limit_setting:
        return None
    reported: Any = (account.extra or {}).get(rule.limit_setting)
    value = reported.get(name) if isinstance(reported, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value
