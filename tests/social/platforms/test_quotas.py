"""Posting quotas as they apply to an account: the spec's rules, the account's own limit, window arithmetic."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from social.models import Platform
from social.platforms import QuotaRule
from social.platforms import account_quota_rules
from social.platforms.quotas import AccountQuota

NOW = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)


def quota(rule: QuotaRule, limit: int | None = None) -> AccountQuota:
    return AccountQuota(
        rule=rule,
        limit=limit or rule.limit,
        window_seconds=rule.window_seconds,
        platform="TWITTER",
        platform_name="X",
        account_id=7,
    )


def test_account_quota_rules__each_platforms_declared_quotas(make_account):
    x = {(q.limit, q.window_seconds, q.per_app) for q in account_quota_rules(make_account(Platform.TWITTER))}
    assert x == {(100, 900, False), (10_000, 86_400, True)}
    (youtube,) = account_quota_rules(make_account(Platform.YOUTUBE, "UC1"))
    assert (youtube.limit, youtube.per_app, youtube.rule.daily_reset_zone) == (
        100,
        True,
        "America/Los_Angeles",
    )
    assert account_quota_rules(make_account(Platform.FACEBOOK, "1002")) == ()


def test_account_quota_rules__instagram_uses_the_limit_read_for_the_account(make_account):
    (default,) = account_quota_rules(make_account(Platform.INSTAGRAM, "1"))
    (read,) = account_quota_rules(
        make_account(Platform.INSTAGRAM, "2", publishing_limit={"quota_total": 100, "quota_duration": 3600})
    )
    (nonsense,) = account_quota_rules(
        make_account(Platform.INSTAGRAM, "3", publishing_limit={"quota_total": 0})
    )
    assert (default.limit, default.window_seconds) == (50, 86_400)
    assert (read.limit, read.window_seconds) == (100, 3600)
    assert nonsense.limit == 50


def test_scope_key__per_account_or_per_app():
    assert quota(QuotaRule(100, window_seconds=900)).scope_key == "account:7"
    assert quota(QuotaRule(10_000, per_app=True)).scope_key == "app:TWITTER"


def test_describe__says_the_limit_in_words():
    assert (
        quota(QuotaRule(100, window_seconds=900)).describe()
        == "X allows 100 posts per 15 minutes per account"
    )
    assert (
        quota(QuotaRule(10_000, per_app=True)).describe() == "X allows 10,000 posts per day for the whole app"
    )
    daily = quota(QuotaRule(100, per_app=True, daily_reset_zone="America/Los_Angeles"))
    assert (
        daily.describe() == "X allows 100 posts per day (from midnight America/Los_Angeles) for the whole app"
    )


def test_frees_at__when_the_oldest_counted_post_leaves_a_moving_window():
    rule = quota(QuotaRule(3, window_seconds=3600))
    counted = [NOW - timedelta(minutes=50), NOW - timedelta(minutes=20), NOW - timedelta(minutes=5)]
    assert rule.frees_at(now=NOW, counted=counted) == NOW + timedelta(minutes=10)
    assert rule.frees_at(now=NOW, counted=counted[1:]) == NOW  # room for one more
    assert rule.frees_at(now=NOW, counted=counted, taking=2) == NOW + timedelta(minutes=40)


def test_frees_at__a_calendar_day_frees_at_midnight_there_across_dst():
    rule = quota(QuotaRule(100, per_app=True, daily_reset_zone="America/Los_Angeles"))
    # 2026-03-08 is the US spring-forward day: that Pacific day has 23 hours.
    before = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)  # 01:00 PST
    assert rule.window_start(before) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert rule.frees_at(now=before, counted=[]) == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # midnight PDT


@pytest.mark.parametrize(
    ("minutes", "busiest"),
    [((-50, -20, 0, 5, 30), 4), ((-61, 0, 61), 1), ((0,), 1)],
)
def test_busiest_window__the_fullest_hour_that_holds_the_post(minutes, busiest):
    rule = quota(QuotaRule(3, window_seconds=3600))
    times = [NOW + timedelta(minutes=m) for m in minutes]
    assert rule.busiest_window(at=NOW, times=times) == busiest


def test_quota_rule__refuses_a_limit_or_window_below_one():
    with pytest.raises(ValueError):
        QuotaRule(0)
    with pytest.raises(ValueError):
        QuotaRule(5, window_seconds=0)
