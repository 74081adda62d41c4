"""Refreshing a token: what the token endpoint is sent, what is stored, and when it is not called."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import TokenRevokedError
from social.services import PROACTIVE_REFRESH_WITHIN
from social.services import social_account_refresh_token

from .fakes import YT_TOKEN_URL
from .fakes import basic_auth
from .fakes import client_id
from .fakes import client_secret
from .fakes import form_body
from .fakes import make_account
from .fakes import raw_tokens
from .refreshing import NEW_ACCESS
from .refreshing import NEW_REFRESH
from .refreshing import OLD_ACCESS
from .refreshing import OLD_REFRESH
from .refreshing import X_ROTATED
from .refreshing import X_TOKEN_URL
from .refreshing import x_account

pytestmark = pytest.mark.django_db


# --- refresh: what the token endpoint is sent and what is stored -------------------------------------------


def test_refresh__x_rotates_the_refresh_token_with_basic_auth(user, oauth_apps, mocked):
    account = x_account(user)
    mocked.post(
        X_TOKEN_URL,
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": NEW_ACCESS,
            "refresh_token": NEW_REFRESH,
        },
    )

    returned = social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    request = mocked.calls[0].request
    assert form_body(request) == {"grant_type": "refresh_token", "refresh_token": OLD_REFRESH}
    assert request.headers["Authorization"] == basic_auth("TWITTER")
    assert request.req_kwargs["timeout"] == (3.5, 12.0)
    fresh = SocialAccount.objects.get()
    assert (fresh.access_token, fresh.refresh_token) == (NEW_ACCESS, NEW_REFRESH)
    assert (
        timezone.now() + timedelta(minutes=119)
        < fresh.token_expires_at
        <= timezone.now() + timedelta(hours=2)
    )
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert returned.access_token == NEW_ACCESS
    assert all(raw.startswith("enc:v1:") for raw in raw_tokens(account.pk))


def test_refresh__youtube_keeps_the_refresh_token_google_does_not_resend(user, oauth_apps, mocked):
    account = make_account(user, platform=Platform.YOUTUBE, external_id="UC1")
    mocked.post(YT_TOKEN_URL, json={"access_token": NEW_ACCESS, "expires_in": 3599, "token_type": "Bearer"})

    social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert form_body(mocked.calls[0].request) == {
        "grant_type": "refresh_token",
        "refresh_token": OLD_REFRESH,
        "client_id": client_id("YOUTUBE"),
        "client_secret": client_secret("YOUTUBE"),
    }
    assert "Authorization" not in mocked.calls[0].request.headers
    fresh = SocialAccount.objects.get()
    assert (fresh.access_token, fresh.refresh_token) == (NEW_ACCESS, OLD_REFRESH)


def test_refresh__linkedin_partner_app_refreshes_with_credentials_in_the_body(user, oauth_apps, mocked):
    account = make_account(user, platform=Platform.LINKEDIN, external_id="782bbtaQ")
    mocked.post(
        "https://www.linkedin.com/oauth/v2/accessToken",
        json={"access_token": NEW_ACCESS, "expires_in": 5184000, "refresh_token": NEW_REFRESH},
    )

    social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert form_body(mocked.calls[0].request)["client_secret"] == client_secret("LINKEDIN")
    assert SocialAccount.objects.get().refresh_token == NEW_REFRESH


def test_refresh__needs_reconnect_account_that_refreshes_is_active_again(user, oauth_apps, mocked):
    account = x_account(user, status=SocialAccountStatus.NEEDS_RECONNECT)
    mocked.post(X_TOKEN_URL, json=X_ROTATED)

    social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert SocialAccount.objects.get().status == SocialAccountStatus.ACTIVE


def test_refresh__disabled_account_stays_disabled(user, oauth_apps, mocked):
    account = x_account(user, status=SocialAccountStatus.DISABLED)
    mocked.post(X_TOKEN_URL, json=X_ROTATED)
    social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)
    assert SocialAccount.objects.get().status == SocialAccountStatus.DISABLED

    mocked.post(X_TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(TokenRevokedError):
        social_account_refresh_token(account_id=account.pk, rejected_access_token=NEW_ACCESS)
    assert SocialAccount.objects.get().status == SocialAccountStatus.DISABLED


# --- refresh: when it does not call the platform -------------------------------------------------------


def test_refresh__token_already_replaced_by_another_run_is_not_refreshed_again(user, oauth_apps, mocked):
    account = x_account(user, access_token=NEW_ACCESS)

    returned = social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert len(mocked.calls) == 0
    assert returned.access_token == NEW_ACCESS


def test_refresh__proactive_only_when_the_token_expires_soon(user, oauth_apps, mocked):
    later = make_account(user, token_expires_at=timezone.now() + timedelta(hours=1))
    social_account_refresh_token(account_id=later.pk, refresh_within=PROACTIVE_REFRESH_WITHIN)
    assert len(mocked.calls) == 0

    soon = make_account(user, external_id="99", token_expires_at=timezone.now() + timedelta(minutes=4))
    mocked.post(X_TOKEN_URL, json=X_ROTATED)
    social_account_refresh_token(account_id=soon.pk, refresh_within=PROACTIVE_REFRESH_WITHIN)

    assert len(mocked.calls) == 1
    assert SocialAccount.objects.get(pk=soon.pk).access_token == NEW_ACCESS
    assert SocialAccount.objects.get(pk=later.pk).access_token == OLD_ACCESS


def test_refresh__linkedin_without_a_refresh_token(user, oauth_apps, mocked):
    account = make_account(
        user,
        platform=Platform.LINKEDIN,
        refresh_token="",
        token_expires_at=timezone.now() + timedelta(minutes=1),
    )

    # Proactively: nothing to refresh with, so the token is used while it works.
    social_account_refresh_token(account_id=account.pk, refresh_within=PROACTIVE_REFRESH_WITHIN)
    assert SocialAccount.objects.get().status == SocialAccountStatus.ACTIVE

    # Rejected by LinkedIn: only reconnecting helps.
    with pytest.raises(TokenRevokedError, match="cannot be refreshed"):
        social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)
    fresh = SocialAccount.objects.get()
    assert (fresh.status, fresh.access_token) == (SocialAccountStatus.NEEDS_RECONNECT, OLD_ACCESS)
    assert len(mocked.calls) == 0


def test_refresh__facebook_page_token_rejected_needs_reconnect(user, oauth_apps, mocked):
    account = make_account(user, platform=Platform.FACEBOOK, external_id="1001", refresh_token="")

    with pytest.raises(TokenRevokedError):
        social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert SocialAccount.objects.get().status == SocialAccountStatus.NEEDS_RECONNECT
    assert len(mocked.calls) == 0


def test_refresh__publisher_hot_path_costs_a_fixed_few_queries(
    user, oauth_apps, mocked, django_assert_max_num_queries
):
    fresh_enough = make_account(user, token_expires_at=timezone.now() + timedelta(hours=1))
    expiring = make_account(user, external_id="99", token_expires_at=timezone.now() + timedelta(minutes=1))
    mocked.post(X_TOKEN_URL, json=X_ROTATED)

    # Savepoint, locked read, release: nothing else when there is nothing to do.
    with django_assert_max_num_queries(3):
        social_account_refresh_token(account_id=fresh_enough.pk, refresh_within=PROACTIVE_REFRESH_WITHIN)
    # ... and one update when there is.
    with django_assert_max_num_queries(4):
        social_account_refresh_token(account_id=expiring.pk, refresh_within=PROACTIVE_REFRESH_WITHIN)
    assert SocialAccount.objects.get(pk=expiring.pk).access_token == NEW_ACCESS
