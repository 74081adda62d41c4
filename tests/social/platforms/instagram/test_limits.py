"""Each Instagram account's content publishing limit, read where a post is saved and kept on the account."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from social.models import Platform
from social.models import SocialAccount
from social.platforms import account_facts_refresh
from social.platforms import account_quota_rules

from ..helpers import with_headers

IG_USER = "17841405822304914"
LIMIT_URL = f"https://graph.facebook.com/v25.0/{IG_USER}/content_publishing_limit"


def answer(mocked, total: int = 100, duration: int = 86400, usage: int = 7) -> None:
    mocked.get(
        LIMIT_URL,
        match=[with_headers()],
        json={"data": [{"quota_usage": usage, "config": {"quota_total": total, "quota_duration": duration}}]},
    )


def test_refresh__reads_the_limit_and_keeps_it_on_the_account(make_account, mocked):
    account = SocialAccount.objects.without_tokens().get(pk=make_account(Platform.INSTAGRAM, IG_USER).pk)
    assert account_quota_rules(account)[0].limit == 50  # never read: the documented default
    answer(mocked, total=100)

    account_facts_refresh(account)

    kept = SocialAccount.objects.get(pk=account.pk).extra["publishing_limit"]
    assert kept["quota_total"] == 100 and kept["quota_usage"] == 7 and kept["read_at"]
    assert account_quota_rules(account)[0].limit == 100
    assert account_quota_rules(SocialAccount.objects.get(pk=account.pk))[0].window_seconds == 86400


def test_refresh__a_fresh_reading_is_not_read_again(make_account, mocked):
    account = make_account(
        Platform.INSTAGRAM,
        IG_USER,
        publishing_limit={"quota_total": 25, "quota_duration": 86400, "read_at": timezone.now().isoformat()},
    )

    account_facts_refresh(account)  # no request registered: any call fails the test

    assert account_quota_rules(account)[0].limit == 25


def test_refresh__a_failed_read_keeps_what_was_kept(make_account, mocked):
    stale = (timezone.now() - timedelta(days=2)).isoformat()
    account = make_account(
        Platform.INSTAGRAM, IG_USER, publishing_limit={"quota_total": 25, "read_at": stale}
    )
    mocked.get(LIMIT_URL, status=500, body="down")

    account_facts_refresh(account)

    assert SocialAccount.objects.get(pk=account.pk).extra["publishing_limit"]["quota_total"] == 25
    assert account_quota_rules(account)[0].limit == 25
