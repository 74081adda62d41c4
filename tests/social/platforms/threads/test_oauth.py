"""Threads tokens at the wire: the code exchange, the long-lived token, the profile, and the refresh of the
long-lived token through the shared refresh service (row lock, NEEDS_RECONNECT when refused)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from notifications.models import Event
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import OAuthConnectError
from social.platforms import TokenRefreshError
from social.platforms import TokenRevokedError
from social.platforms import get_provider
from social.platforms import token_refresh_margin
from social.services import social_account_refresh_token
from tests.social.fakes import client_secret
from tests.social.fakes import raw_tokens
from tests.social.fakes import redirect_uri
from tests.social.races import refresh_at_once

from .wire import CODE
from .wire import LIFETIME
from .wire import LONG_LIVED
from .wire import REFRESHED
from .wire import SHORT_LIVED
from .wire import USER
from .wire import expect_code_exchange
from .wire import expect_long_lived
from .wire import expect_profile
from .wire import expect_refresh
from .wire import meta_error

pytestmark = pytest.mark.django_db


def threads_account(owner, *, expires_in: timedelta = timedelta(days=10), **fields) -> SocialAccount:
    values = {
        "platform": Platform.THREADS,
        "external_id": USER,
        "name": "@acme.cafe",
        "owner": owner,
        "access_token": LONG_LIVED,
        "token_expires_at": timezone.now() + expires_in,
    }
    return SocialAccount.objects.create(**(values | fields))


# --- connecting -----------------------------------------------------------------------------------------


def test_connect__the_code_becomes_a_long_lived_token_and_the_profile_names_the_account(oauth_apps, mocked):
    expect_code_exchange(mocked)
    expect_long_lived(mocked)
    expect_profile(mocked)
    before = timezone.now()

    [account] = get_provider("THREADS").connect(code=CODE, redirect_uri=redirect_uri("THREADS"))

    assert (account.external_id, account.name, dict(account.extra)) == (
        USER,
        "@acme.cafe",
        {"username": "acme.cafe"},
    )
    assert account.tokens.access_token == LONG_LIVED and account.tokens.refresh_token is None
    assert before + timedelta(seconds=LIFETIME) <= account.tokens.expires_at
    assert account.tokens.expires_at <= timezone.now() + timedelta(seconds=LIFETIME)


@pytest.mark.parametrize(
    "answer",
    [
        meta_error(190, message="Invalid OAuth access token - Cannot parse access token"),
        {"status": 500, "body": "<html>"},
        {"body": requests.ConnectTimeout("timed out")},
    ],
    ids=["refused", "500", "timeout"],
)
def test_connect__a_long_lived_token_refused_is_a_clear_error_without_secrets(oauth_apps, mocked, answer):
    expect_code_exchange(mocked)
    expect_long_lived(mocked, **answer)

    with pytest.raises(OAuthConnectError) as caught:
        get_provider("THREADS").connect(code=CODE, redirect_uri=redirect_uri("THREADS"))

    message = str(caught.value)
    assert message.startswith("Threads did not exchange the sign-in for a long-lived token")
    assert SHORT_LIVED not in message and client_secret("THREADS") not in message and CODE not in message


def test_connect__a_refused_code_is_a_clear_error(oauth_apps, mocked):
    expect_code_exchange(
        mocked,
        status=400,
        json={
            "error": {"message": "Invalid verification code format.", "type": "OAuthException", "code": 100}
        },
    )

    with pytest.raises(OAuthConnectError, match="Threads did not accept the authorization"):
        get_provider("THREADS").connect(code=CODE, redirect_uri=redirect_uri("THREADS"))


# --- refreshing the long-lived token --------------------------------------------------------------------


def test_refresh__a_rejected_token_is_refreshed_and_stored_encrypted(user, oauth_apps, mocked):
    account = threads_account(user)
    expect_refresh(mocked)

    refreshed = social_account_refresh_token(account_id=account.pk, rejected_access_token=LONG_LIVED)

    assert refreshed.access_token == REFRESHED and refreshed.refresh_token == ""
    stored = SocialAccount.objects.get()
    assert stored.access_token == REFRESHED and stored.status == SocialAccountStatus.ACTIVE
    assert stored.token_expires_at > timezone.now() + timedelta(days=59)
    assert all(REFRESHED not in raw and LONG_LIVED not in raw for raw in raw_tokens(account.pk))


def test_refresh__ahead_of_expiry_within_the_threads_margin(user, oauth_apps, mocked):
    margin = token_refresh_margin(Platform.THREADS)
    assert margin == timedelta(days=14)
    later = threads_account(user, expires_in=timedelta(days=20))
    social_account_refresh_token(account_id=later.pk, refresh_within=margin)
    assert len(mocked.calls) == 0

    soon = threads_account(user, expires_in=timedelta(days=13), external_id="7126419332")
    expect_refresh(mocked)
    social_account_refresh_token(account_id=soon.pk, refresh_within=margin)

    assert SocialAccount.objects.get(pk=soon.pk).access_token == REFRESHED
    assert SocialAccount.objects.get(pk=later.pk).access_token == LONG_LIVED


def test_refresh__a_token_less_than_a_day_old_is_never_sent_to_be_refreshed(user, oauth_apps, mocked):
    """Meta refreshes a token once it is a day old: one refused sooner was revoked, not expired."""
    account = threads_account(user, expires_in=timedelta(days=59, hours=12))

    social_account_refresh_token(account_id=account.pk, refresh_within=timedelta(days=60))
    assert SocialAccount.objects.get().status == SocialAccountStatus.ACTIVE

    with pytest.raises(TokenRevokedError, match="cannot be refreshed"):
        social_account_refresh_token(account_id=account.pk, rejected_access_token=LONG_LIVED)
    assert SocialAccount.objects.get().status == SocialAccountStatus.NEEDS_RECONNECT
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    "answer",
    [
        meta_error(190, message="Error validating access token: Session has expired", error_subcode=463),
        meta_error(10, message="Application does not have permission for this action"),
    ],
    ids=["expired", "permission"],
)
def test_refresh__refused_by_threads_needs_reconnect(user, oauth_apps, mocked, answer):
    account = threads_account(user)
    expect_refresh(mocked, **answer)

    with pytest.raises(TokenRevokedError) as caught:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=LONG_LIVED)

    assert LONG_LIVED not in str(caught.value)
    stored = SocialAccount.objects.get()
    assert (stored.status, stored.access_token) == (SocialAccountStatus.NEEDS_RECONNECT, LONG_LIVED)
    (event,) = Event.objects.filter(type="account.needs_reconnect")
    assert LONG_LIVED not in json.dumps(event.data)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 503, "body": ""},
        {"status": 429, "json": {}},
        meta_error(2, message="Service temporarily unavailable", is_transient=True),
        meta_error(4, message="(#4) Application request limit reached"),
        {"status": 404, "body": "<html>Not Found</html>"},
        {"status": 200, "body": "<html>captive portal</html>"},
        {"body": requests.ReadTimeout("timed out")},
    ],
    ids=["503", "429", "transient", "rate-limit", "404-html", "html", "timeout"],
)
def test_refresh__a_passing_failure_keeps_the_account_active(user, oauth_apps, mocked, answer):
    account = threads_account(user)
    expect_refresh(mocked, **answer)

    with pytest.raises(TokenRefreshError) as caught:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=LONG_LIVED)

    assert not isinstance(caught.value, TokenRevokedError)
    stored = SocialAccount.objects.get()
    assert (stored.status, stored.access_token) == (SocialAccountStatus.ACTIVE, LONG_LIVED)
    assert stored.token_expires_at == account.token_expires_at


def test_refresh__an_answer_without_an_expiry_lasts_sixty_days(user, oauth_apps, mocked):
    account = threads_account(user)
    expect_refresh(mocked, json={"access_token": REFRESHED, "token_type": "bearer"})

    social_account_refresh_token(account_id=account.pk, rejected_access_token=LONG_LIVED)

    expires_at = SocialAccount.objects.get().token_expires_at
    assert timezone.now() + timedelta(days=59) < expires_at <= timezone.now() + timedelta(days=60)


@pytest.mark.django_db(transaction=True)
def test_refresh_race__two_runs_refresh_the_token_once(user, oauth_apps, mocked):
    account = threads_account(user)
    expect_refresh(mocked)

    results = refresh_at_once(account_id=account.pk, rejected_access_token=LONG_LIVED)

    assert [result.access_token for result in results] == [REFRESHED, REFRESHED], results
    assert len(mocked.calls) == 1
