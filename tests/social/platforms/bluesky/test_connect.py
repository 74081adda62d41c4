"""Connecting a Bluesky account end to end through the test client: the form, createSession, the account
stored; refusals as form errors; the app password never kept, shown or logged."""

from __future__ import annotations

import json
import logging

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from responses import matchers

from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus

from ..helpers import json_error
from .sessions import APP_PASSWORD
from .sessions import DID
from .sessions import HANDLE
from .sessions import jwt
from .sessions import session_body

pytestmark = pytest.mark.django_db

URL = "/social/connect/bluesky/"
CREATE_SESSION = "https://bsky.social/xrpc/com.atproto.server.createSession"
ACCESS, REFRESH = jwt(marker="connect-a"), jwt(scope="com.atproto.refresh", marker="connect-r")


@pytest.fixture
def staff_client(staff_user):
    # Django's test client made here: ``client`` in this folder is the Bluesky platform client.
    browser = Client()
    browser.force_login(staff_user)
    return browser


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def form(**changes: str) -> dict[str, str]:
    return {"handle": f"@{HANDLE}", "app_password": APP_PASSWORD, "pds_url": "https://bsky.social"} | changes


def stored_text() -> str:
    """Every account column and every session as stored, for searching."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SocialAccount._meta.db_table}")  # noqa: S608
        rows = [repr(row) for row in cursor.fetchall()]
    sessions = [session.session_data + json.dumps(session.get_decoded()) for session in Session.objects.all()]
    return "\n".join(rows + sessions)


def test_connect__the_form_asks_for_handle_app_password_and_hosting_provider(staff_client):
    page = staff_client.get(URL)

    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="handle"' in body and 'type="password" name="app_password"' in body
    assert 'name="pds_url" value="https://bsky.social"' in body
    assert "App passwords" in body and "Connect a Bluesky account" in body


def test_connect__signs_in_and_stores_the_account_never_the_password(staff_client, staff_user, mocked, logs):
    mocked.post(
        CREATE_SESSION,
        match=[
            matchers.json_params_matcher({"identifier": HANDLE, "password": APP_PASSWORD}, strict_match=True)
        ],
        json=session_body(access=ACCESS, refresh=REFRESH),
    )

    response = staff_client.post(URL, form())

    assert response.status_code == 302 and response["Location"] == "/admin/social/socialaccount/"
    account = SocialAccount.objects.get()
    assert (account.platform, account.external_id, account.name, account.owner) == (
        Platform.BLUESKY,
        DID,
        f"@{HANDLE}",
        staff_user,
    )
    assert (account.access_token, account.refresh_token) == (ACCESS, REFRESH)
    assert account.extra == {"pds_url": "https://bsky.social", "handle": HANDLE}
    assert account.token_expires_at is not None
    account_list = staff_client.get(response["Location"]).content.decode()
    assert f"Connected Bluesky: @{HANDLE}" in account_list
    stored = stored_text()
    assert APP_PASSWORD not in stored and ACCESS not in stored and REFRESH not in stored
    assert "enc:v1:" in stored
    assert APP_PASSWORD not in logs.text and ACCESS not in logs.text and APP_PASSWORD not in account_list


def test_connect__a_wrong_password_is_a_form_error_naming_bluesky(staff_client, mocked, logs):
    mocked.post(
        CREATE_SESSION,
        **json_error(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
    )

    response = staff_client.post(URL, form())

    body = response.content.decode()
    assert response.status_code == 200
    assert "Bluesky did not accept this handle and app password" in body
    assert f'value="@{HANDLE}"' in body  # the handle stays as typed; the password field comes back empty
    assert APP_PASSWORD not in body and APP_PASSWORD not in logs.text and APP_PASSWORD not in stored_text()
    assert SocialAccount.objects.count() == 0


def test_connect__a_2fa_code_request_is_explained(staff_client, mocked):
    mocked.post(
        CREATE_SESSION,
        **json_error(
            401,
            {
                "error": "AuthFactorTokenRequired",
                "message": "A sign in code has been sent to your email address",
            },
        ),
    )

    body = staff_client.post(URL, form(app_password="my-main-password")).content.decode()

    assert "sign-in code it has just sent by email" in body and "Create an app password" in body
    assert SocialAccount.objects.count() == 0


def test_connect__reconnect_keeps_the_row_its_history_and_owner(staff_client, user, mocked):
    account = SocialAccount.objects.create(
        platform=Platform.BLUESKY,
        external_id=DID,
        name="@old.handle",
        owner=user,
        access_token="revoked-access",
        refresh_token="revoked-refresh",
        status=SocialAccountStatus.NEEDS_RECONNECT,
        extra={"pds_url": "https://bsky.social", "handle": "old.handle"},
    )
    post = ScheduledPost.objects.create(content="Earlier", scheduled_at="2026-01-01T10:00Z", created_by=user)
    ScheduledPostAccount.objects.create(post=post, account=account)
    mocked.post(CREATE_SESSION, json=session_body(access=ACCESS, refresh=REFRESH))

    staff_client.post(URL, form())

    fresh = SocialAccount.objects.get()
    assert fresh.pk == account.pk and fresh.owner == user
    assert (fresh.status, fresh.access_token, fresh.refresh_token) == (
        SocialAccountStatus.ACTIVE,
        ACCESS,
        REFRESH,
    )
    assert (fresh.name, fresh.extra["handle"]) == (f"@{HANDLE}", HANDLE)
    assert ScheduledPostAccount.objects.filter(account=fresh).count() == 1


def test_connect__a_self_hosted_pds(staff_client, mocked):
    mocked.post(
        "https://pds.example.org/xrpc/com.atproto.server.createSession",
        json=session_body(access=ACCESS, refresh=REFRESH),
    )

    staff_client.post(URL, form(pds_url="https://pds.example.org/"))

    assert SocialAccount.objects.get().extra["pds_url"] == "https://pds.example.org"


@pytest.mark.parametrize(
    ("pds_url", "words"),
    [
        ("http://pds.example.org", "https:// address"),
        ("https://user:pw@pds.example.org", "https:// address"),
        ("https://pds.example.org/xrpc", "without a path"),
        ("not a url", "Enter a valid URL"),
    ],
)
def test_connect__a_hosting_provider_that_is_not_an_https_address_is_refused_before_any_call(
    staff_client, pds_url, words
):
    body = staff_client.post(URL, form(pds_url=pds_url)).content.decode()

    assert words in body
    assert SocialAccount.objects.count() == 0


def test_connect__an_empty_form_names_what_is_missing(staff_client):
    body = staff_client.post(URL, {"handle": "", "app_password": ""}).content.decode()

    assert body.count("This field is required.") == 2


def test_connect__only_staff(user):
    browser = Client()
    browser.force_login(user)

    response = browser.post(URL, form())

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
