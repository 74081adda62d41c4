"""Connecting a Threads account end to end through the test client: the connect button's redirect to the
authorization window, the callback, the code exchange, the long-lived token, the profile, the account stored
with its token encrypted; and a reconnect that keeps the row."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from tests.social.fakes import client_id
from tests.social.fakes import client_secret
from tests.social.fakes import query
from tests.social.fakes import raw_tokens
from tests.social.fakes import redirect_uri

from .wire import CODE
from .wire import LIFETIME
from .wire import LONG_LIVED
from .wire import SHORT_LIVED
from .wire import USER
from .wire import expect_code_exchange
from .wire import expect_long_lived
from .wire import expect_profile

pytestmark = pytest.mark.django_db


def authorize(staff_client) -> dict[str, str]:
    response = staff_client.get("/social/connect/threads/")
    assert response.status_code == 302, response.content.decode()[:500]
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://threads.net/oauth/authorize"
    return query(response["Location"])


def test_connect__authorize_callback_exchange_long_lived_identity_stored_encrypted(
    staff_client, staff_user, mocked
):
    params = authorize(staff_client)
    assert params == {
        "response_type": "code",
        "client_id": client_id("THREADS"),
        "redirect_uri": redirect_uri("THREADS"),
        "scope": "threads_basic,threads_content_publish",
        "state": params["state"],
    }
    expect_code_exchange(mocked)
    expect_long_lived(mocked)
    expect_profile(mocked)

    response = staff_client.get("/social/callback/threads/", {"state": params["state"], "code": CODE})

    assert response.status_code == 302 and response["Location"] == "/admin/social/socialaccount/"
    account = SocialAccount.objects.get()
    assert (account.platform, account.external_id, account.name) == (Platform.THREADS, USER, "@acme.cafe")
    assert (account.owner, account.status, account.extra) == (staff_user, "ACTIVE", {"username": "acme.cafe"})
    assert account.access_token == LONG_LIVED and account.refresh_token == ""
    assert timezone.now() + timedelta(seconds=LIFETIME - 60) < account.token_expires_at
    raw_access, _ = raw_tokens(account.pk)
    assert raw_access.startswith("enc:v1:") and LONG_LIVED not in raw_access
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Connected Threads: @acme.cafe."
    ]
    # Nothing of the grant is left in the session.
    assert "social:oauth:THREADS" not in staff_client.session


def test_connect__a_reconnect_keeps_the_row_and_replaces_the_token(staff_client, staff_user, mocked):
    old = SocialAccount.objects.create(
        platform=Platform.THREADS,
        external_id=USER,
        name="@old.name",
        owner=staff_user,
        access_token="THAAold-PLAINTEXT",
        token_expires_at=timezone.now() - timedelta(days=1),
        status=SocialAccountStatus.NEEDS_RECONNECT,
    )
    params = authorize(staff_client)
    expect_code_exchange(mocked)
    expect_long_lived(mocked)
    expect_profile(mocked)

    staff_client.get("/social/callback/threads/", {"state": params["state"], "code": CODE})

    account = SocialAccount.objects.get()
    assert account.pk == old.pk and account.status == SocialAccountStatus.ACTIVE
    assert (account.name, account.access_token) == ("@acme.cafe", LONG_LIVED)


def test_connect__a_failed_exchange_shows_why_without_secrets(staff_client, mocked):
    params = authorize(staff_client)
    expect_code_exchange(mocked)
    expect_long_lived(
        mocked,
        status=400,
        json={"error": {"message": "Error validating application.", "type": "OAuthException", "code": 101}},
    )

    response = staff_client.get("/social/callback/threads/", {"state": params["state"], "code": CODE})

    page = response.content.decode()
    assert response.status_code == 502
    assert (
        "Threads did not exchange the sign-in for a long-lived token: Error validating application." in page
    )
    assert SHORT_LIVED not in page and client_secret("THREADS") not in page
    assert not SocialAccount.objects.exists()


def test_connect__the_button_is_in_the_admin(staff_client):
    page = staff_client.get("/admin/social/socialaccount/").content.decode()

    assert '<a class="connect-account" href="/social/connect/threads/">Connect Threads account</a>' in page
