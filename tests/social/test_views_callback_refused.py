"""The callback refused: a wrong or missing state or code, a failed exchange or identity read change nothing."""

from __future__ import annotations

import pytest
import requests

from social.models import Platform
from social.models import SocialAccount

from .connecting import finish
from .connecting import page_text
from .connecting import start
from .fakes import CODE
from .fakes import X_ACCESS
from .fakes import expect_linkedin_connect
from .fakes import make_account

pytestmark = pytest.mark.django_db


# --- the callback: what fails changes nothing -----------------------------------------------------------


def test_callback__error_from_the_platform_shows_it_and_changes_nothing(staff_client, staff_user, mocked):
    existing = make_account(staff_user)
    params = start(staff_client, "twitter")

    response = staff_client.get(
        "/social/callback/twitter/",
        {"state": params["state"], "error": "access_denied", "error_description": "The user denied access"},
    )

    assert response.status_code == 400
    assert "did not grant access (access_denied: The user denied access)" in page_text(response)
    assert "Nothing was changed." in page_text(response)
    assert len(mocked.calls) == 0
    assert SocialAccount.objects.get().access_token == existing.access_token
    assert "social:oauth:TWITTER" not in staff_client.session


def test_callback__error_without_the_right_state_shows_no_free_text(staff_client, mocked):
    start(staff_client, "twitter")

    response = staff_client.get(
        "/social/callback/twitter/",
        {"state": "forged", "error": "access_denied", "error_description": "Call 555-0100 to restore access"},
    )

    assert response.status_code == 400
    body = page_text(response)
    assert "did not grant access (access_denied)" in body
    assert "555-0100" not in body


def test_callback__without_state_is_refused(staff_client, mocked):
    start(staff_client, "linkedin")

    response = staff_client.get("/social/callback/linkedin/", {"code": CODE})

    assert response.status_code == 400
    assert "was not started from this browser session" in page_text(response)
    assert len(mocked.calls) == 0
    assert SocialAccount.objects.count() == 0


def test_callback__without_a_started_connect_is_refused(staff_client, mocked):
    response = staff_client.get("/social/callback/linkedin/", {"state": "made-up", "code": CODE})

    assert response.status_code == 400
    assert len(mocked.calls) == 0


def test_callback__wrong_state_is_refused_before_any_exchange(staff_client, mocked):
    params = start(staff_client, "linkedin")

    response = staff_client.get("/social/callback/linkedin/", {"state": params["state"] + "x", "code": CODE})

    assert response.status_code == 400
    assert "state does not match" in page_text(response)
    assert len(mocked.calls) == 0
    assert SocialAccount.objects.count() == 0


def test_callback__a_wrong_state_does_not_cancel_the_connect_in_progress(staff_client, mocked):
    """A stray or forged callback must not use up the person's pending authorization: the real callback
    that follows still connects (before, the wrong one popped it and the real one answered 400)."""
    params = start(staff_client, "linkedin")
    assert (
        staff_client.get("/social/callback/linkedin/", {"state": "forged", "code": CODE}).status_code == 400
    )
    assert (
        staff_client.get("/social/callback/linkedin/", {"state": "x", "error": "access_denied"}).status_code
        == 400
    )
    expect_linkedin_connect(mocked)

    assert finish(staff_client, "linkedin", params).status_code == 302
    assert SocialAccount.objects.count() == 1


def test_callback__two_tabs_connecting_each_finish_with_their_own_state(staff_client, mocked):
    first = start(staff_client, "linkedin")
    second = start(staff_client, "linkedin")
    expect_linkedin_connect(mocked)

    assert finish(staff_client, "linkedin", first).status_code == 302
    assert "social:oauth:LINKEDIN" in staff_client.session, "the second tab's authorization is still there"
    assert finish(staff_client, "linkedin", first).status_code == 400, "a state is good for one callback"
    expect_linkedin_connect(mocked)
    assert finish(staff_client, "linkedin", second).status_code == 302
    assert "social:oauth:LINKEDIN" not in staff_client.session


def test_callback__state_of_another_platform_is_refused(staff_client, mocked):
    params = start(staff_client, "youtube")

    response = staff_client.get("/social/callback/linkedin/", {"state": params["state"], "code": CODE})

    assert response.status_code == 400
    assert len(mocked.calls) == 0


def test_callback__replaying_a_used_state_is_refused(staff_client, mocked):
    params = start(staff_client, "linkedin")
    expect_linkedin_connect(mocked)
    assert finish(staff_client, "linkedin", params).status_code == 302
    stored = SocialAccount.objects.get()

    replay = finish(staff_client, "linkedin", params, code="another-code")

    assert replay.status_code == 400
    assert len(mocked.calls) == 2  # the first exchange and identity read only
    assert SocialAccount.objects.get().access_token == stored.access_token


def test_callback__stale_state_is_refused(staff_client, mocked):
    params = start(staff_client, "linkedin")
    session = staff_client.session
    session["social:oauth:LINKEDIN"][params["state"]]["started_at"] -= 16 * 60
    session.save()

    assert finish(staff_client, "linkedin", params).status_code == 400
    assert len(mocked.calls) == 0


def test_callback__missing_code_is_refused(staff_client, mocked):
    params = start(staff_client, "linkedin")

    response = staff_client.get("/social/callback/linkedin/", {"state": params["state"]})

    assert response.status_code == 400
    assert "sent no authorization code" in page_text(response)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            {
                "status": 400,
                "json": {"error": "invalid_grant", "error_description": "Authorization code expired"},
            },
            "invalid_grant: Authorization code expired",
        ),
        ({"status": 401, "json": {"error": "invalid_client"}}, "invalid_client"),
        ({"status": 503, "json": {"error": "temporarily_unavailable"}}, "answered HTTP 503"),
        ({"status": 200, "body": "<html><body>Bad gateway</body></html>"}, "something that is not a token"),
        ({"status": 200, "json": {"token_type": "bearer"}}, "something that is not a token"),
        ({"body": requests.ConnectionError("connection refused")}, "could not connect"),
        ({"body": requests.ReadTimeout("read timed out")}, "timed out"),
    ],
    ids=["invalid_grant", "invalid_client", "503", "html", "no-access-token", "network", "timeout"],
)
def test_callback__failed_exchange_shows_why_and_changes_nothing(
    staff_client, staff_user, mocked, answer, message
):
    existing = make_account(staff_user, platform=Platform.LINKEDIN, external_id="782bbtaQ", name="Jane Doe")
    params = start(staff_client, "linkedin")
    mocked.post("https://www.linkedin.com/oauth/v2/accessToken", **answer)

    response = finish(staff_client, "linkedin", params)

    assert response.status_code == 502
    body = page_text(response)
    assert "LinkedIn did not accept the authorization" in body and message in body
    assert "Nothing was changed." in body
    assert 'href="/social/connect/linkedin/"' in body
    fresh = SocialAccount.objects.get()
    assert (fresh.access_token, fresh.refresh_token, fresh.updated_at) == (
        existing.access_token,
        existing.refresh_token,
        existing.updated_at,
    )


def test_callback__failed_identity_read_stores_nothing(staff_client, mocked):
    params = start(staff_client, "twitter")
    mocked.post("https://api.x.com/2/oauth2/token", json={"access_token": X_ACCESS, "token_type": "bearer"})
    mocked.get(
        "https://api.x.com/2/users/me",
        status=403,
        json={
            "title": "Forbidden",
            "detail": "Your client app is not configured with the appropriate oauth1 app",
        },
    )

    response = finish(staff_client, "twitter", params)

    assert response.status_code == 502
    assert "refused to show the X user (HTTP 403: Forbidden: Your client app is not" in page_text(response)
    assert SocialAccount.objects.count() == 0
