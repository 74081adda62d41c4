"""Warnings before a token that cannot be refreshed expires: 7 days and 1 day ahead, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Event
from notifications.models import EventType
from notifications.services import account_tokens_scan_expiring
from notifications.services import notifications_deliver

from ...planning.concurrency import run_together

pytestmark = pytest.mark.django_db


def warnings():
    return sorted(
        (event.account_id, event.data["warning"])
        for event in Event.objects.filter(type=EventType.ACCOUNT_TOKEN_EXPIRING)
    )


def test_scan__warns_a_week_then_a_day_ahead_once_each(make_account):
    now = timezone.now()
    linkedin = make_account(refresh_token="", token_expires_at=now + timedelta(days=6, hours=20))

    assert account_tokens_scan_expiring(now=now) == 1
    assert account_tokens_scan_expiring(now=now + timedelta(hours=1)) == 0  # once
    assert warnings() == [(linkedin.pk, "7d")]

    assert account_tokens_scan_expiring(now=now + timedelta(days=6)) == 1
    assert account_tokens_scan_expiring(now=now + timedelta(days=6, hours=2)) == 0
    assert warnings() == [(linkedin.pk, "1d"), (linkedin.pk, "7d")]


def test_scan__a_token_first_seen_a_day_before_gets_only_the_one_day_warning(make_account):
    now = timezone.now()
    account = make_account(refresh_token="", token_expires_at=now + timedelta(hours=20))
    account_tokens_scan_expiring(now=now)
    assert warnings() == [(account.pk, "1d")]


def test_scan__skips_what_needs_no_warning(make_account):
    now = timezone.now()
    make_account(token_expires_at=now + timedelta(days=2))  # has a refresh token: refreshed automatically
    make_account(refresh_token="", token_expires_at=None)  # does not expire
    make_account(refresh_token="", token_expires_at=now + timedelta(days=30))  # not yet
    make_account(refresh_token="", token_expires_at=now - timedelta(hours=1))  # already expired
    make_account(refresh_token="", token_expires_at=now + timedelta(days=2), status="NEEDS_RECONNECT")
    make_account(refresh_token="", token_expires_at=now + timedelta(days=2), status="DISABLED")
    assert account_tokens_scan_expiring(now=now) == 0
    assert warnings() == []


def test_scan__a_reconnected_account_is_warned_again_about_its_new_token(make_account):
    now = timezone.now()
    account = make_account(refresh_token="", token_expires_at=now + timedelta(days=5))
    account_tokens_scan_expiring(now=now)
    account.token_expires_at = now + timedelta(days=65)
    account.save()
    later = now + timedelta(days=59)
    assert account_tokens_scan_expiring(now=later) == 1
    assert warnings() == [(account.pk, "7d"), (account.pk, "7d")]


def test_scan__never_loads_a_token(make_account, django_assert_num_queries):
    make_account(refresh_token="", token_expires_at=timezone.now() + timedelta(days=3))
    # One read of the accounts (no decryption: the token columns are not selected), one INSERT
    # (in a savepoint here), one count of what was new.
    with django_assert_num_queries(5) as captured:
        account_tokens_scan_expiring()
    select = captured.captured_queries[0]["sql"]
    assert "access_token" not in select.split("FROM")[0]
    assert "refresh_token" not in select.split("FROM")[0]


def test_scan__the_owner_is_emailed_with_the_date_and_the_reconnect_link(smtp, make_account):
    make_account(
        platform="LINKEDIN",
        name="Acme",
        refresh_token="",
        token_expires_at=timezone.now() + timedelta(days=6),
    )
    account_tokens_scan_expiring()
    notifications_deliver(max_seconds=10)
    (message,) = smtp.to("author@example.com")
    assert "LinkedIn account Acme must be reconnected by" in " ".join(message["Subject"].split())
    assert "https://scheduler.example.com/social/connect/linkedin/" in message.get_content()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_scan__two_runs_scanning_at_once_record_each_warning_once(make_account):
    now = timezone.now()
    accounts = [make_account(refresh_token="", token_expires_at=now + timedelta(days=3)) for _ in range(20)]
    counts = run_together(lambda: account_tokens_scan_expiring(now=now), times=4)

    assert warnings() == sorted((account.pk, "7d") for account in accounts)
    assert sum(counts) == 20
