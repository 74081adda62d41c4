"""Refreshing every token that expires soon, whether posts are due or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from responses import matchers

from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.services import social_accounts_refresh_expiring

from .fakes import make_account
from .refreshing import NEW_ACCESS
from .refreshing import OLD_ACCESS

pytestmark = pytest.mark.django_db


# --- refreshing every expiring token, posts due or not ----------------------------------------------------

THREADS_REFRESH_URL = "https://graph.threads.net/refresh_access_token"


def threads_answer(token: str):
    return {"json": {"access_token": token, "token_type": "bearer", "expires_in": 5_183_944}}


def test_refresh_expiring__each_token_within_its_platforms_margin(user, oauth_apps, mocked):
    now = timezone.now()
    soon = make_account(
        user,
        platform=Platform.THREADS,
        external_id="1",
        refresh_token="",
        token_expires_at=now + timedelta(days=9),
    )
    make_account(  # weeks left
        user,
        platform=Platform.THREADS,
        external_id="2",
        refresh_token="",
        token_expires_at=now + timedelta(days=30),
    )
    make_account(user, external_id="3", token_expires_at=now + timedelta(hours=1))  # X: not within 5 minutes
    make_account(  # LinkedIn: nothing to refresh with, used while it works
        user,
        platform=Platform.LINKEDIN,
        external_id="4",
        refresh_token="",
        token_expires_at=now + timedelta(minutes=1),
    )
    make_account(  # a person's decision stays
        user,
        platform=Platform.THREADS,
        external_id="5",
        refresh_token="",
        token_expires_at=now + timedelta(days=9),
        status=SocialAccountStatus.DISABLED,
    )
    mocked.get(THREADS_REFRESH_URL, **threads_answer(NEW_ACCESS))

    result = social_accounts_refresh_expiring()

    assert (result.expiring, result.refreshed, result.needs_reconnect, result.failed) == (2, 1, 0, 0)
    assert len(mocked.calls) == 1 and OLD_ACCESS in mocked.calls[0].request.url
    soon.refresh_from_db()
    assert soon.access_token == NEW_ACCESS and soon.token_expires_at > now + timedelta(days=59)
    assert {
        account.external_id for account in SocialAccount.objects.all() if account.access_token == OLD_ACCESS
    } == {
        "2",
        "3",
        "4",
        "5",
    }


def test_refresh_expiring__refused_needs_reconnect_and_a_passing_failure_waits(user, oauth_apps, mocked):
    now = timezone.now()
    for external_id in ("1", "2"):
        make_account(
            user,
            platform=Platform.THREADS,
            external_id=external_id,
            access_token=f"token-{external_id}",
            refresh_token="",
            token_expires_at=now + timedelta(days=3),
        )
    mocked.get(
        THREADS_REFRESH_URL,
        status=400,
        json={"error": {"message": "Session has expired", "type": "OAuthException", "code": 190}},
        match=[matchers.query_param_matcher({"grant_type": "th_refresh_token", "access_token": "token-1"})],
    )
    mocked.get(THREADS_REFRESH_URL, status=503, body="")

    result = social_accounts_refresh_expiring()

    assert (result.expiring, result.refreshed, result.needs_reconnect, result.failed) == (2, 0, 1, 1)
    statuses = dict(SocialAccount.objects.values_list("external_id", "status"))
    assert statuses == {"1": SocialAccountStatus.NEEDS_RECONNECT, "2": SocialAccountStatus.ACTIVE}
