"""A refresh refused: a revoked grant against a passing failure, and two runs racing to refresh."""

from __future__ import annotations

import json

import pytest
import requests

from notifications.models import Event
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import TokenRevokedError
from social.services import social_account_refresh_token

from .fakes import YT_TOKEN_URL
from .fakes import form_body
from .fakes import make_account
from .fakes import raw_tokens
from .races import SpentOnce
from .races import refresh_at_once
from .refreshing import NEW_ACCESS
from .refreshing import NEW_REFRESH
from .refreshing import OLD_ACCESS
from .refreshing import OLD_REFRESH
from .refreshing import X_TOKEN_URL
from .refreshing import refresh_fails_for_now
from .refreshing import x_account

pytestmark = pytest.mark.django_db


# --- refresh: revoked grant vs passing failure -------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "token_url", "status", "body"),
    [
        ("TWITTER", X_TOKEN_URL, 400, {"error": "invalid_grant", "error_description": "Token was revoked"}),
        # What X answers to a refresh token that was already spent.
        (
            "TWITTER",
            X_TOKEN_URL,
            400,
            {"error": "invalid_request", "error_description": "Value passed for the token was invalid."},
        ),
        (
            "YOUTUBE",
            YT_TOKEN_URL,
            400,
            {"error": "invalid_grant", "error_description": "Token has been revoked."},
        ),
    ],
    ids=["x-invalid_grant", "x-spent-token", "google-invalid_grant"],
)
def test_refresh__revoked_grant_needs_reconnect_and_keeps_the_tokens(
    user, oauth_apps, mocked, platform, token_url, status, body
):
    account = make_account(user, platform=platform)
    mocked.post(token_url, status=status, json=body)

    with pytest.raises(TokenRevokedError) as excinfo:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    fresh = SocialAccount.objects.get()
    assert fresh.status == SocialAccountStatus.NEEDS_RECONNECT
    assert (fresh.access_token, fresh.refresh_token) == (OLD_ACCESS, OLD_REFRESH)
    assert all(raw.startswith("enc:v1:") for raw in raw_tokens(account.pk))  # never an empty token saved
    assert OLD_REFRESH not in str(excinfo.value)
    (event,) = Event.objects.filter(type="account.needs_reconnect")
    assert OLD_REFRESH not in json.dumps(event.data) and OLD_ACCESS not in json.dumps(event.data)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 503, "json": {"error": "temporarily_unavailable"}},
        {"status": 503, "body": "<html>Service Unavailable</html>"},
        {"status": 500, "json": {"error": "invalid_grant"}},  # a 5xx is never taken as a revocation
        {"status": 429, "json": {"title": "Too Many Requests"}},
        {"status": 200, "body": "<html>captive portal</html>"},
        {"status": 200, "json": {"access_token": "", "refresh_token": "r"}},
        {"status": 200, "json": {"access_token": "a", "expires_in": "soon"}},
        {"status": 401, "json": {"error": "invalid_client"}},
        {"body": requests.ConnectionError("refused")},
        {"body": requests.ConnectTimeout("timed out")},
        {"body": requests.ReadTimeout("timed out")},
    ],
    ids=[
        "503",
        "503-html",
        "500-invalid_grant",
        "429",
        "html",
        "empty-token",
        "bad-expiry",
        "401",
        "network",
        "connect-timeout",
        "read-timeout",
    ],
)
def test_refresh__passing_failure_keeps_the_account_active_and_unchanged(user, oauth_apps, mocked, answer):
    account = x_account(user)
    mocked.post(X_TOKEN_URL, **answer)

    fresh = refresh_fails_for_now(account, access_token=OLD_ACCESS, refresh_token=OLD_REFRESH)

    assert fresh.token_expires_at == account.token_expires_at


# --- the refresh race ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_refresh_race__two_runs_spend_a_rotating_refresh_token_once(user, oauth_apps, mocked):
    """Two publisher runs, each with its own connection, find the same token rejected at the same moment.

    The platform accepts each refresh token once (X rotates them), so a second spend would revoke the account.
    """
    account = x_account(user)
    token_endpoint = SpentOnce(
        lambda request: form_body(request)["refresh_token"],
        refused={"error": "invalid_grant", "error_description": "Token already used"},
        accepted={
            "access_token": NEW_ACCESS,
            "refresh_token": NEW_REFRESH,
            "expires_in": 7200,
            "token_type": "bearer",
        },
    )
    mocked.add_callback("POST", X_TOKEN_URL, callback=token_endpoint)

    results = refresh_at_once(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert token_endpoint.spent == [OLD_REFRESH]
    assert all(isinstance(result, SocialAccount) for result in results), results
    assert {result.access_token for result in results} == {NEW_ACCESS}
    fresh = SocialAccount.objects.get()
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert (fresh.access_token, fresh.refresh_token) == (NEW_ACCESS, NEW_REFRESH)
