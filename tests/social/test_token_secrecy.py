"""Tokens, codes and client secrets never show up in logs, pages, error messages or database columns.

Each test runs a whole flow with every logger at DEBUG (requests-oauthlib logs token answers at DEBUG),
then searches everything a person or an operator could see for every secret the flow handled.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from social.models import Platform
from social.models import SocialAccount
from social.platforms import TokenRefreshError
from social.services import social_account_refresh_token
from tests.social.platforms.bluesky.sessions import APP_PASSWORD as BLUESKY_APP_PASSWORD
from tests.social.platforms.bluesky.sessions import HANDLE as BLUESKY_HANDLE
from tests.social.platforms.bluesky.sessions import jwt as bluesky_jwt
from tests.social.platforms.bluesky.sessions import session_body as bluesky_session
from tests.social.platforms.threads import wire as threads

from .fakes import CODE
from .fakes import FB_LONG
from .fakes import FB_SHORT
from .fakes import PAGE_TOKENS
from .fakes import PLATFORMS
from .fakes import X_ACCESS
from .fakes import X_REFRESH
from .fakes import client_secret
from .fakes import expect_facebook_connect
from .fakes import expect_x_connect
from .fakes import make_account
from .fakes import query

pytestmark = pytest.mark.django_db

SECRETS = [
    CODE,
    X_ACCESS,
    X_REFRESH,
    FB_SHORT,
    FB_LONG,
    *PAGE_TOKENS.values(),
    *(client_secret(platform) for platform in PLATFORMS),
    "old-access-token-PLAINTEXT",
    "old-refresh-token-PLAINTEXT",
]


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="social")
    return caplog


def visible_text(caplog, pages, errors=()) -> str:
    """Everything an operator or a person could read after the flow."""
    records = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    return "\n".join([caplog.text, *records, *pages, *(str(error) for error in errors)])


def database_text() -> str:
    """Every column of every account row, and every session's decoded data, as stored."""
    table = SocialAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        rows = [repr(row) for row in cursor.fetchall()]
    sessions = [session.session_data + json.dumps(session.get_decoded()) for session in Session.objects.all()]
    return "\n".join(rows + sessions)


def assert_no_secret(text: str, extra: tuple[str, ...] = ()) -> None:
    leaked = [secret for secret in (*SECRETS, *extra) if secret in text]
    assert leaked == []


def test_secrecy__x_connect_and_the_admin_pages(staff_client, debug_logs, mocked):
    connect = staff_client.get("/social/connect/twitter/")
    state = query(connect["Location"])["state"]
    verifier = staff_client.session["social:oauth:TWITTER"][state]["code_verifier"]
    expect_x_connect(mocked, code_verifier=verifier)
    callback = staff_client.get(
        "/social/callback/twitter/", {"state": query(connect["Location"])["state"], "code": CODE}
    )
    account = SocialAccount.objects.get()
    pages = [
        staff_client.get(callback["Location"]).content.decode(),  # the account list, with the success message
        staff_client.get(f"/admin/social/socialaccount/{account.pk}/change/").content.decode(),
    ]

    assert account.access_token == X_ACCESS  # the flow really handled the secrets searched for
    assert_no_secret(visible_text(debug_logs, pages), extra=(verifier,))
    assert_no_secret(database_text())
    assert "Developers" in pages[0]


def test_secrecy__facebook_pages_wait_for_the_pick_encrypted(staff_client, debug_logs, mocked):
    connect = staff_client.get("/social/connect/facebook/")
    expect_facebook_connect(mocked)
    staff_client.get(
        "/social/callback/facebook/", {"state": query(connect["Location"])["state"], "code": CODE}
    )

    picker = staff_client.get("/social/connect/facebook/pick/").content.decode()
    stashed = database_text()  # the session holds the Page tokens now
    picked = staff_client.post("/social/connect/facebook/pick/", {"accounts": ["1001", "1002"]})
    account_list = staff_client.get(picked["Location"]).content.decode()

    assert "enc:v1:" in stashed
    assert {account.access_token for account in SocialAccount.objects.all()} == set(PAGE_TOKENS.values())
    assert_no_secret(stashed)
    assert_no_secret(database_text())
    assert_no_secret(visible_text(debug_logs, [picker, account_list]))


@pytest.mark.parametrize(
    "answer",
    [
        # A token endpoint that echoes the code it refused.
        {"status": 400, "json": {"error": "invalid_grant", "error_description": f"Bad code {CODE}"}},
        {"status": 503, "body": f"<html>upstream failed for code={CODE}</html>"},
    ],
    ids=["echoed-code", "unavailable"],
)
def test_secrecy__failed_connect_pages(staff_client, debug_logs, mocked, answer):
    connect = staff_client.get("/social/connect/linkedin/")
    mocked.post("https://www.linkedin.com/oauth/v2/accessToken", **answer)

    failed = staff_client.get(
        "/social/callback/linkedin/", {"state": query(connect["Location"])["state"], "code": CODE}
    )

    assert failed.status_code == 502
    body = failed.content.decode()
    assert "LinkedIn did not accept the authorization" in body
    assert_no_secret(visible_text(debug_logs, [body]))
    assert_no_secret(database_text())


def test_secrecy__failed_identity_read_that_echoes_the_token(staff_client, debug_logs, mocked):
    connect = staff_client.get("/social/connect/twitter/")
    mocked.post(
        "https://api.x.com/2/oauth2/token", json={"access_token": X_ACCESS, "refresh_token": X_REFRESH}
    )
    mocked.get("https://api.x.com/2/users/me", status=401, json={"detail": f"Unknown token {X_ACCESS}"})

    failed = staff_client.get(
        "/social/callback/twitter/", {"state": query(connect["Location"])["state"], "code": CODE}
    )

    body = failed.content.decode()
    assert "[redacted]" in body
    assert_no_secret(visible_text(debug_logs, [body]))
    assert_no_secret(database_text())


@pytest.mark.parametrize(
    "answer",
    [
        {"json": {"access_token": "rotated-access-SECRET", "refresh_token": "rotated-refresh-SECRET"}},
        {
            "status": 400,
            "json": {"error": "invalid_grant", "error_description": "old-refresh-token-PLAINTEXT"},
        },
        {"status": 503, "body": "old-refresh-token-PLAINTEXT was not accepted"},
    ],
    ids=["rotated", "revoked", "unavailable"],
)
def test_secrecy__refresh(user, oauth_apps, debug_logs, mocked, answer):
    account = make_account(user, platform=Platform.TWITTER)
    mocked.post("https://api.x.com/2/oauth2/token", **answer)
    errors = []

    try:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=account.access_token)
    except TokenRefreshError as exc:
        errors.append(exc)
        errors.append(repr(exc))

    assert_no_secret(
        visible_text(debug_logs, [], errors), extra=("rotated-access-SECRET", "rotated-refresh-SECRET")
    )
    assert_no_secret(database_text(), extra=("rotated-access-SECRET", "rotated-refresh-SECRET"))


def test_secrecy__bluesky_app_password_and_session_tokens(staff_client, debug_logs, mocked):
    """The app password is used once and kept nowhere; the session's JWTs only encrypted, never shown."""
    create_session = "https://bsky.social/xrpc/com.atproto.server.createSession"
    access, refresh = (
        bluesky_jwt(marker="secret-a"),
        bluesky_jwt(scope="com.atproto.refresh", marker="secret-r"),
    )
    new_access, new_refresh = bluesky_jwt(marker="secret-a2"), bluesky_jwt(marker="secret-r2")
    form = {"handle": BLUESKY_HANDLE, "app_password": BLUESKY_APP_PASSWORD, "pds_url": "https://bsky.social"}
    # A server that echoes what it was sent in its refusal, then one that signs in.
    mocked.post(
        create_session,
        status=400,
        json={"error": "InvalidRequest", "message": f"Bad password {BLUESKY_APP_PASSWORD}"},
    )
    mocked.post(create_session, json=bluesky_session(access=access, refresh=refresh))
    mocked.post(
        "https://bsky.social/xrpc/com.atproto.server.refreshSession",
        json=bluesky_session(access=new_access, refresh=new_refresh),
    )

    refused = staff_client.post("/social/connect/bluesky/", form)
    connected = staff_client.post("/social/connect/bluesky/", form)
    account = SocialAccount.objects.get()
    pages = [
        refused.content.decode(),
        staff_client.get(connected["Location"]).content.decode(),
        staff_client.get(f"/admin/social/socialaccount/{account.pk}/change/").content.decode(),
    ]
    social_account_refresh_token(account_id=account.pk, rejected_access_token=access)

    assert "Bluesky refused the sign-in" in pages[0] and "[redacted]" in pages[0]
    assert SocialAccount.objects.get().access_token == new_access  # the flow really handled the secrets
    secrets = (BLUESKY_APP_PASSWORD, access, refresh, new_access, new_refresh)
    assert_no_secret(visible_text(debug_logs, pages), extra=secrets)
    assert_no_secret(database_text(), extra=secrets)


def test_secrecy__threads_tokens_in_query_strings_never_show(staff_client, debug_logs, mocked):
    """Threads takes its secret and tokens as query parameters: none shows up anywhere, even when Meta's
    answer repeats the token it refuses."""
    connect = staff_client.get("/social/connect/threads/")
    threads.expect_code_exchange(mocked)
    threads.expect_long_lived(mocked)
    threads.expect_profile(mocked)
    callback = staff_client.get(
        "/social/callback/threads/", {"state": query(connect["Location"])["state"], "code": threads.CODE}
    )
    account = SocialAccount.objects.get()
    pages = [
        staff_client.get(callback["Location"]).content.decode(),
        staff_client.get(f"/admin/social/socialaccount/{account.pk}/change/").content.decode(),
    ]
    # Weeks later (a token can be refreshed once it is a day old): Meta refuses it, naming it.
    SocialAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() + timedelta(days=10))
    threads.expect_refresh(
        mocked,
        status=400,
        json={
            "error": {"message": f"Invalid token {threads.LONG_LIVED}", "type": "OAuthException", "code": 190}
        },
    )
    errors = []
    try:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=threads.LONG_LIVED)
    except TokenRefreshError as exc:
        errors += [exc, repr(exc)]

    assert account.access_token == threads.LONG_LIVED and errors  # the flow really handled the secrets
    secrets = (threads.CODE, threads.SHORT_LIVED, threads.LONG_LIVED)
    assert_no_secret(visible_text(debug_logs, pages, errors), extra=secrets)
    assert_no_secret(database_text(), extra=secrets)
