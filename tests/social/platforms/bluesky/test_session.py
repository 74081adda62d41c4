"""Bluesky sessions: signing in with an app password, and refreshing under the account's row lock."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import TokenRevokedError
from social.platforms import get_provider
from social.platforms.bluesky.session import BlueskySignInError
from social.platforms.bluesky.session import jwt_claims
from social.platforms.bluesky.session import jwt_expiry
from social.services import social_account_refresh_token

from ...races import SpentOnce
from ...races import refresh_at_once
from ...refreshing import refresh_fails_for_now
from ..helpers import json_error
from .sessions import APP_PASSWORD
from .sessions import DID
from .sessions import HANDLE
from .sessions import jwt
from .sessions import session_body

CREATE_SESSION = "https://bsky.social/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "https://bsky.social/xrpc/com.atproto.server.refreshSession"
DELETE_SESSION = "https://bsky.social/xrpc/com.atproto.server.deleteSession"

pytestmark = pytest.mark.django_db
EXPIRES = 1_900_000_000

# The rate-limited answer's reset, filled in when the test runs.
TEN_MINUTES_FROM_THE_TEST = "<in ten minutes>"


@pytest.fixture
def provider():
    return get_provider(Platform.BLUESKY)


def sign_in(provider, pds_url: str = "https://bsky.social"):
    return provider.sign_in(identifier=HANDLE, app_password=APP_PASSWORD, pds_url=pds_url)


# --- signing in -----------------------------------------------------------------------------------------


def test_sign_in__creates_a_session_and_keeps_its_tokens_not_the_password(provider, mocked):
    access, refresh = jwt(exp=EXPIRES), jwt(scope="com.atproto.refresh", marker="r")
    mocked.post(
        CREATE_SESSION,
        match=[
            matchers.json_params_matcher({"identifier": HANDLE, "password": APP_PASSWORD}, strict_match=True)
        ],
        json=session_body(access=access, refresh=refresh),
    )

    account = sign_in(provider)

    assert (account.external_id, account.name) == (DID, f"@{HANDLE}")
    assert (account.tokens.access_token, account.tokens.refresh_token) == (access, refresh)
    assert account.tokens.expires_at == datetime.fromtimestamp(EXPIRES, UTC)
    assert dict(account.extra) == {"pds_url": "https://bsky.social", "handle": HANDLE}
    assert APP_PASSWORD not in repr(account)


def test_sign_in__at_a_self_hosted_pds(provider, mocked):
    mocked.post(
        "https://pds.example.org/xrpc/com.atproto.server.createSession",
        json=session_body(access=jwt(), refresh=jwt(marker="r")),
    )

    assert sign_in(provider, "https://pds.example.org").extra["pds_url"] == "https://pds.example.org"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            json_error(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
            "Bluesky did not accept this handle and app password",
        ),
        (
            json_error(
                401,
                {
                    "error": "AuthFactorTokenRequired",
                    "message": "A sign in code has been sent to your email address",
                },
            ),
            "sign-in code it has just sent by email",
        ),
        (
            json_error(401, {"error": "AccountTakedown", "message": "Account has been taken down"}),
            "taken down",
        ),
        (
            json_error(
                429,
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                **{"RateLimit-Reset": TEN_MINUTES_FROM_THE_TEST},
            ),
            "after too many attempts; try again in ",
        ),
        (json_error(502, {"error": "UpstreamFailure"}), "could not sign in right now (HTTP 502)"),
        (
            json_error(400, {"error": "InvalidRequest", "message": "Input/identifier must be a string"}),
            "Input/identifier must be a string",
        ),
        (
            {"body": requests.ConnectionError("refused")},
            "Could not reach Bluesky at bsky.social (ConnectionError)",
        ),
        ({"json": {"did": DID}}, "without a session"),
        (
            {"json": session_body(access=jwt(), refresh=jwt(marker="r"), active=False, status="deactivated")},
            "this account is deactivated",
        ),
    ],
    ids=[
        "wrong-password",
        "2fa-code",
        "takedown",
        "rate-limited",
        "502",
        "400",
        "unreachable",
        "no-tokens",
        "deactivated",
    ],
)
def test_sign_in__each_refusal_is_explained_naming_bluesky(provider, mocked, answer, words):
    headers = answer.get("headers", {})
    if headers.get("RateLimit-Reset") == TEN_MINUTES_FROM_THE_TEST:
        # From when the test runs, not from when it was collected (a whole suite earlier).
        answer = {**answer, "headers": {**headers, "RateLimit-Reset": str(int(time.time()) + 600)}}
    mocked.post(CREATE_SESSION, **answer)
    if answer.get("json", {}).get("active") is False:
        mocked.post(DELETE_SESSION)

    with pytest.raises(BlueskySignInError) as refused:
        sign_in(provider)

    assert words in str(refused.value)
    assert "Bluesky" in str(refused.value)
    assert APP_PASSWORD not in str(refused.value)


def test_sign_in__a_refusal_that_echoes_the_password_is_redacted(provider, mocked):
    mocked.post(
        CREATE_SESSION,
        **json_error(400, {"error": "InvalidRequest", "message": f"bad password {APP_PASSWORD}"}),
    )

    with pytest.raises(BlueskySignInError) as refused:
        sign_in(provider)

    assert APP_PASSWORD not in str(refused.value) and "[redacted]" in str(refused.value)


def test_sign_in__the_main_password_is_refused_and_its_session_ended(provider, mocked):
    refresh = jwt(scope="com.atproto.refresh", marker="r")
    mocked.post(CREATE_SESSION, json=session_body(access=jwt(scope="com.atproto.access"), refresh=refresh))
    mocked.post(DELETE_SESSION, match=[matchers.header_matcher({"Authorization": f"Bearer {refresh}"})])

    with pytest.raises(BlueskySignInError, match="That is the account's main password"):
        sign_in(provider)


def test_jwt__claims_and_expiry_without_checking_the_signature():
    token = jwt(exp=EXPIRES)

    assert jwt_claims(token)["sub"] == DID
    assert jwt_expiry(token) == datetime.fromtimestamp(EXPIRES, UTC)
    assert jwt_claims("not-a-jwt") == {} and jwt_expiry("a.b.c") is None


# --- refreshing -----------------------------------------------------------------------------------------

OLD_ACCESS, OLD_REFRESH = jwt(marker="old-a"), jwt(scope="com.atproto.refresh", marker="old-r")
NEW_ACCESS, NEW_REFRESH = jwt(exp=EXPIRES, marker="new-a"), jwt(scope="com.atproto.refresh", marker="new-r")


@pytest.fixture
def account(user):
    return SocialAccount.objects.create(
        platform=Platform.BLUESKY,
        external_id=DID,
        name=f"@{HANDLE}",
        owner=user,
        access_token=OLD_ACCESS,
        refresh_token=OLD_REFRESH,
        extra={"pds_url": "https://bsky.social", "handle": HANDLE},
    )


def test_refresh__spends_the_refresh_jwt_at_the_accounts_pds_and_keeps_the_new_pair(account, mocked):
    mocked.post(
        REFRESH_SESSION,
        match=[matchers.header_matcher({"Authorization": f"Bearer {OLD_REFRESH}"})],
        json=session_body(access=NEW_ACCESS, refresh=NEW_REFRESH),
    )

    social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    fresh = SocialAccount.objects.get()
    assert (fresh.access_token, fresh.refresh_token) == (NEW_ACCESS, NEW_REFRESH)
    assert fresh.token_expires_at == datetime.fromtimestamp(EXPIRES, UTC)
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert mocked.calls[0].request.body is None


@pytest.mark.parametrize(
    "answer",
    [
        json_error(400, {"error": "ExpiredToken", "message": "Token has expired"}),
        json_error(400, {"error": "InvalidToken", "message": "Token has been revoked"}),
        json_error(401, {"error": "AuthenticationRequired", "message": "Token has been revoked"}),
        json_error(400, {"error": "AccountTakedown", "message": "Account has been taken down"}),
    ],
    ids=["expired", "invalid", "revoked-401", "takedown"],
)
def test_refresh__refused_for_good_needs_reconnect(account, mocked, answer):
    mocked.post(REFRESH_SESSION, **answer)

    with pytest.raises(TokenRevokedError) as refused:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    fresh = SocialAccount.objects.get()
    assert fresh.status == SocialAccountStatus.NEEDS_RECONNECT
    assert (fresh.access_token, fresh.refresh_token) == (OLD_ACCESS, OLD_REFRESH)
    assert "Bluesky token refresh failed" in str(refused.value) and OLD_REFRESH not in str(refused.value)


@pytest.mark.parametrize(
    "answer",
    [
        json_error(503, {"error": "InternalServerError", "message": "Internal Server Error"}),
        json_error(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}),
        json_error(400, {"error": "InvalidRequest", "message": "something else"}),
        {"json": {"did": DID, "handle": HANDLE}},
        {"body": requests.ConnectTimeout("slow")},
    ],
    ids=["503", "429", "other-400", "no-tokens", "timeout"],
)
def test_refresh__a_passing_failure_keeps_the_account_active(account, mocked, answer):
    mocked.post(REFRESH_SESSION, **answer)

    refresh_fails_for_now(account, access_token=OLD_ACCESS, refresh_token=OLD_REFRESH)


@pytest.mark.django_db(transaction=True)
def test_refresh__two_runs_at_once_spend_the_refresh_jwt_once(account, mocked):
    """Two publisher runs find the access token expired at the same moment. The PDS revokes a refresh JWT
    once it is spent, so a second spend would disconnect the account; the row lock makes the second run
    wait and take the first one's tokens."""
    refresh_session = SpentOnce(
        lambda request: request.headers["Authorization"].removeprefix("Bearer "),
        refused={"error": "ExpiredToken", "message": "Token has been revoked"},
        accepted=session_body(access=NEW_ACCESS, refresh=NEW_REFRESH),
    )
    mocked.add_callback("POST", REFRESH_SESSION, callback=refresh_session)

    results = refresh_at_once(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert refresh_session.spent == [OLD_REFRESH]
    assert [result.access_token for result in results] == [NEW_ACCESS, NEW_ACCESS], results
    fresh = SocialAccount.objects.get()
    assert (fresh.status, fresh.access_token, fresh.refresh_token) == (
        SocialAccountStatus.ACTIVE,
        NEW_ACCESS,
        NEW_REFRESH,
    )
