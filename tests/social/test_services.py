"""Storing connected accounts, and the token lifecycle: refresh, rotation, revocation, the refresh race."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
import requests
from django.db import transaction
from django.utils import timezone
from responses import matchers

from notifications.models import Event
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import ConnectableAccount
from social.platforms import TokenRefreshError
from social.platforms import TokenRevokedError
from social.platforms import TokenSet
from social.services import PROACTIVE_REFRESH_WITHIN
from social.services import social_account_connect
from social.services import social_account_mark_needs_reconnect
from social.services import social_account_refresh_token
from social.services import social_accounts_connect
from social.services import social_accounts_refresh_expiring

from .fakes import YT_TOKEN_URL
from .fakes import basic_auth
from .fakes import client_id
from .fakes import client_secret
from .fakes import form_body
from .fakes import make_account
from .fakes import raw_tokens
from .races import refresh_at_once

pytestmark = pytest.mark.django_db

X_TOKEN_URL = "https://api.x.com/2/oauth2/token"
OLD_ACCESS = "old-access-token-PLAINTEXT"
OLD_REFRESH = "old-refresh-token-PLAINTEXT"
NEW_ACCESS = "new-access-token-PLAINTEXT"
NEW_REFRESH = "new-refresh-token-PLAINTEXT"
# X's answer to a refresh: a new access token and a new (rotated) refresh token.
X_ROTATED = {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": 7200}


def x_account(owner, **fields) -> SocialAccount:
    return make_account(owner, token_expires_at=timezone.now() + timedelta(minutes=2), **fields)


# --- connecting --------------------------------------------------------------------------------------------


def test_social_account_connect__new_account_belongs_to_the_person_connecting(user):
    account = social_account_connect(
        platform=Platform.YOUTUBE,
        connection=ConnectableAccount(
            external_id="UC1", name="Channel", tokens=TokenSet("access-1", "refresh-1", None), extra={"a": 1}
        ),
        owner=user,
    )

    fresh = SocialAccount.objects.get(pk=account.pk)
    assert (fresh.platform, fresh.external_id, fresh.name, fresh.owner) == (
        Platform.YOUTUBE,
        "UC1",
        "Channel",
        user,
    )
    assert (fresh.access_token, fresh.refresh_token, fresh.extra) == ("access-1", "refresh-1", {"a": 1})
    assert fresh.status == SocialAccountStatus.ACTIVE


def test_social_account_connect__reconnect_replaces_the_grant_and_keeps_the_rest(user, staff_user):
    account = make_account(
        user, status=SocialAccountStatus.NEEDS_RECONNECT, extra={"username": "old", "kept": True}
    )
    expires = timezone.now() + timedelta(hours=2)

    social_account_connect(
        platform=Platform.TWITTER,
        connection=ConnectableAccount(
            external_id=account.external_id,
            name="New name",
            tokens=TokenSet("access-2", None, expires),
            extra={"username": "new"},
        ),
        owner=staff_user,
    )

    fresh = SocialAccount.objects.get()
    assert fresh.pk == account.pk and fresh.owner == user
    assert (fresh.access_token, fresh.refresh_token, fresh.token_expires_at) == ("access-2", "", expires)
    assert fresh.extra == {"username": "new", "kept": True}
    assert (fresh.name, fresh.status) == ("New name", SocialAccountStatus.ACTIVE)


def test_social_account_connect__a_reconnect_keeps_x_premium_long_posts(user):
    account = make_account(user, status=SocialAccountStatus.NEEDS_RECONNECT, extra={"long_posts": True})

    social_account_connect(
        platform=Platform.TWITTER,
        connection=ConnectableAccount(
            external_id=account.external_id, name="X", tokens=TokenSet("access-2"), extra={"username": "x"}
        ),
        owner=user,
    )

    assert SocialAccount.objects.get().long_posts


def test_social_accounts_connect__an_empty_access_token_stores_nothing(user):
    good = ConnectableAccount(external_id="1001", name="Bakery", tokens=TokenSet("page-token"))
    empty = ConnectableAccount(external_id="1002", name="Cafe", tokens=TokenSet(""))

    with pytest.raises(ValueError, match="needs an access token"):
        social_accounts_connect(platform=Platform.FACEBOOK, connections=[good, empty], owner=user)

    assert SocialAccount.objects.count() == 0


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


# --- a refreshed token refused again ---------------------------------------------------------------------


def test_mark_needs_reconnect__the_refused_token_is_still_the_accounts(user):
    account = x_account(user, access_token=NEW_ACCESS)

    assert social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=NEW_ACCESS)
    assert SocialAccount.objects.get().status == SocialAccountStatus.NEEDS_RECONNECT


@pytest.mark.parametrize(
    ("access_token", "status"),
    [(NEW_ACCESS, SocialAccountStatus.ACTIVE), (OLD_ACCESS, SocialAccountStatus.DISABLED)],
    ids=["token-replaced-meanwhile", "disabled"],
)
def test_mark_needs_reconnect__changes_nothing_otherwise(user, access_token, status):
    account = x_account(user, access_token=access_token, status=status)

    assert not social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=OLD_ACCESS)
    assert SocialAccount.objects.get().status == status
    assert not Event.objects.exists()  # no change, nobody told


def test_mark_needs_reconnect__tells_the_owner_in_the_same_transaction(user):
    account = x_account(user, access_token=NEW_ACCESS)

    social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=NEW_ACCESS)

    (event,) = Event.objects.all()
    assert (event.type, event.account_id) == ("account.needs_reconnect", account.pk)
    assert event.data["status"] == "NEEDS_RECONNECT"
    assert NEW_ACCESS not in json.dumps(event.data) and OLD_REFRESH not in json.dumps(event.data)


def test_mark_needs_reconnect__rolled_back_with_its_caller_tells_nobody(user):
    account = x_account(user, access_token=NEW_ACCESS)

    with pytest.raises(RuntimeError), transaction.atomic():
        social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=NEW_ACCESS)
        raise RuntimeError("the caller's transaction fails afterwards")

    assert SocialAccount.objects.get().status == SocialAccountStatus.ACTIVE
    assert not Event.objects.exists()


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

    with pytest.raises(TokenRefreshError) as excinfo:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert not isinstance(excinfo.value, TokenRevokedError)
    fresh = SocialAccount.objects.get()
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert (fresh.access_token, fresh.refresh_token) == (OLD_ACCESS, OLD_REFRESH)
    assert fresh.token_expires_at == account.token_expires_at


# --- the refresh race ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_refresh_race__two_runs_spend_a_rotating_refresh_token_once(user, oauth_apps, mocked):
    """Two publisher runs, each with its own connection, find the same token rejected at the same moment.

    The platform accepts each refresh token once (X rotates them), so a second spend would revoke the account.
    """
    account = x_account(user)
    spent: list[str] = []
    lock = threading.Lock()

    def token_endpoint(request):
        refresh_token = form_body(request)["refresh_token"]
        with lock:
            reused = refresh_token in spent
            spent.append(refresh_token)
        if reused:
            return 400, {}, json.dumps({"error": "invalid_grant", "error_description": "Token already used"})
        time.sleep(0.3)  # the other run reaches the account meanwhile
        body = {
            "access_token": NEW_ACCESS,
            "refresh_token": NEW_REFRESH,
            "expires_in": 7200,
            "token_type": "bearer",
        }
        return 200, {}, json.dumps(body)

    mocked.add_callback("POST", X_TOKEN_URL, callback=token_endpoint)

    results = refresh_at_once(account_id=account.pk, rejected_access_token=OLD_ACCESS)

    assert spent == [OLD_REFRESH]
    assert all(isinstance(result, SocialAccount) for result in results), results
    assert {result.access_token for result in results} == {NEW_ACCESS}
    fresh = SocialAccount.objects.get()
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert (fresh.access_token, fresh.refresh_token) == (NEW_ACCESS, NEW_REFRESH)


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
