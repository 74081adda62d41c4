"""Connecting a Sandbox account: the network's consent page and token endpoint, and the whole OAuth code
flow through the scheduler's connect and callback views, the network served in this process."""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from calendar_app.models import PostStatus
from social.models import Platform
from social.models import SocialAccount
from social.platforms import TokenRevokedError
from social.platforms import get_provider
from social.platforms.sandbox.endpoints import CLIENT_ID
from social.platforms.sandbox.endpoints import client_secret
from social.platforms.sandbox.models import SandboxAccount
from social.platforms.sandbox.models import SandboxAuthorization
from social.platforms.sandbox.models import SandboxGrant
from social.platforms.sandbox.models import SandboxPost
from social.platforms.sandbox.network.tokens import authorization_issue
from social.platforms.sandbox.network.tokens import grant_issue
from social.platforms.sandbox.network.tokens import s256_challenge
from tests.calendar_app.factories import make_post
from tests.calendar_app.publisher.helpers import run
from tests.social.connecting import identity

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/social/callback/sandbox/"
VERIFIER = "v" * 64


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def consent_params(**changes) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "profile posts:write",
        "state": "st-1",
        "code_challenge": s256_challenge(VERIFIER),
        "code_challenge_method": "S256",
    } | changes


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


# --- the consent page -------------------------------------------------------------------------------------


def test_consent__asks_to_sign_in_first(client):
    response = client.get("/sandbox/oauth/authorize/", consent_params())

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/sandbox/oauth/authorize/")


def test_consent__offers_the_existing_accounts_and_a_new_one(staff, on_network):
    on_network("acme")

    page = staff.get("/sandbox/oauth/authorize/", consent_params()).content.decode()

    assert "Allow Social Scheduler to post as" in page
    assert "@acme · Acme" in page and "A new Sandbox account" in page
    assert 'class="sandbox-badge">Sandbox<' in page


def test_consent__a_new_account_is_made_and_a_code_sent_back_with_the_state(staff):
    response = staff.post(
        "/sandbox/oauth/authorize/",
        consent_params()
        | {"account": "__new__", "new_handle": "Acme_Co", "new_display_name": "Acme Co", "decision": "allow"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(CALLBACK + "?")
    assert query(response["Location"])["state"] == "st-1"
    assert query(response["Location"])["code"].startswith("sbx_code_")
    assert SandboxAccount.objects.get().handle == "acme_co"
    assert SandboxAuthorization.objects.get().code_digest != query(response["Location"])["code"]


def test_consent__an_existing_account_can_be_chosen(staff, on_network):
    on_network("acme")

    response = staff.post(
        "/sandbox/oauth/authorize/", consent_params() | {"account": "acme", "decision": "allow"}
    )

    assert "code" in query(response["Location"])
    assert SandboxAuthorization.objects.get().account.handle == "acme"


@pytest.mark.parametrize(
    ("handle", "problem"),
    [
        ("", "Choose a handle"),
        ("a", "2 to 30 lower-case letters"),
        ("api", "one of the Sandbox's own paths"),
        ("acme", "taken"),
    ],
)
def test_consent__a_handle_that_cannot_be_is_a_form_error(staff, on_network, handle, problem):
    on_network("acme")

    response = staff.post(
        "/sandbox/oauth/authorize/",
        consent_params() | {"account": "__new__", "new_handle": handle, "decision": "allow"},
    )

    assert response.status_code == 200
    assert problem in html.unescape(response.content.decode())
    assert not SandboxAuthorization.objects.exists()


def test_consent__deny_goes_back_with_access_denied(staff):
    response = staff.post("/sandbox/oauth/authorize/", consent_params() | {"decision": "deny"})

    assert query(response["Location"]) | {} == {
        "error": "access_denied",
        "error_description": "The person said no.",
        "state": "st-1",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "https://evil.example/social/callback/sandbox/"},
        {"redirect_uri": "http://testserver/admin/"},
    ],
)
def test_consent__an_untrusted_app_or_redirect_uri_is_an_error_page_never_a_redirect(staff, changes):
    response = staff.get("/sandbox/oauth/authorize/", consent_params(**changes))

    assert response.status_code == 400
    assert "Not authorized" in response.content.decode()


def test_consent__without_pkce_the_app_is_told_so(staff):
    response = staff.get("/sandbox/oauth/authorize/", consent_params(code_challenge=""))

    assert query(response["Location"])["error"] == "invalid_request"


# --- the token endpoint -----------------------------------------------------------------------------------


def exchange(client, code: str, **changes):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
        "client_id": CLIENT_ID,
        "client_secret": client_secret(),
    } | changes
    return client.post("/sandbox/oauth/token/", data)


@pytest.fixture
def code(on_network):
    return authorization_issue(
        account=on_network("acme"), redirect_uri=CALLBACK, code_challenge=s256_challenge(VERIFIER)
    )


def test_token__a_code_is_exchanged_once(client, code):
    first = exchange(client, code)
    second = exchange(client, code)

    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    assert set(first.json()) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert first.json()["expires_in"] == 7200
    assert (second.status_code, second.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"client_secret": "guess"}, 401, "invalid_client"),
        ({"client_id": "other"}, 401, "invalid_client"),
        ({"redirect_uri": "http://testserver/elsewhere/"}, 400, "invalid_grant"),
        ({"code_verifier": "w" * 64}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token__a_request_that_does_not_hold_up_is_refused(client, code, changes, status, error):
    response = exchange(client, code, **changes)

    assert (response.status_code, response.json()["error"]) == (status, error)
    assert not SandboxGrant.objects.exists()


def test_token__an_expired_code_is_refused(client, code):
    SandboxAuthorization.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert exchange(client, code).json()["error"] == "invalid_grant"


def test_token__a_refresh_rotates_and_spends_the_old_tokens(client, on_network):
    tokens = grant_issue(account=on_network("acme"))
    data = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": client_secret()}

    fresh = client.post("/sandbox/oauth/token/", data | {"refresh_token": tokens.refresh_token})
    again = client.post("/sandbox/oauth/token/", data | {"refresh_token": tokens.refresh_token})

    assert fresh.status_code == 200 and fresh.json()["refresh_token"] != tokens.refresh_token
    assert again.json()["error"] == "invalid_grant"
    assert (
        client.get("/sandbox/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}").status_code
        == 401
    )
    me = client.get("/sandbox/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {fresh.json()['access_token']}")
    assert me.json()["handle"] == "acme"


# --- the whole flow, through the scheduler's views -----------------------------------------------------


def test_connect__the_oauth_code_flow_from_the_admin_to_a_stored_account(staff, network, staff_user):
    start = staff.get("/social/connect/sandbox/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith("http://testserver/sandbox/oauth/authorize/?")
    params = query(authorize)
    assert (params["client_id"], params["redirect_uri"], params["code_challenge_method"]) == (
        CLIENT_ID,
        CALLBACK,
        "S256",
    )

    consent = staff.post(
        "/sandbox/oauth/authorize/",
        params
        | {"account": "__new__", "new_handle": "acme", "new_display_name": "Acme", "decision": "allow"},
    )
    back = staff.get(consent["Location"].removeprefix("http://testserver"))

    assert back.status_code == 302 and back["Location"] == "/admin/social/socialaccount/"
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.SANDBOX, "acme", "Acme (Sandbox)")
    assert account.owner == staff_user
    assert account.extra == {"server_url": "http://testserver", "handle": "acme"}
    assert account.access_token.startswith("sbx_at_") and account.refresh_token.startswith("sbx_rt_")
    assert account.token_expires_at > timezone.now() + timedelta(minutes=110)
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM social_socialaccount")
        stored = " ".join(cursor.fetchone())
    assert account.access_token not in stored and account.refresh_token not in stored
    [exchanged] = network.calls_to("POST", "/sandbox/oauth/token/")
    assert query("?" + exchanged.body)["code_verifier"]  # PKCE: the verifier goes with the code


def test_connect__a_callback_with_a_forged_state_connects_nothing(staff, network):
    params = query(staff.get("/social/connect/sandbox/")["Location"])
    consent = staff.post(
        "/sandbox/oauth/authorize/",
        params | {"account": "__new__", "new_handle": "acme", "decision": "allow"},
    )
    code = query(consent["Location"])["code"]

    response = staff.get("/social/callback/sandbox/", {"code": code, "state": "forged"})

    assert response.status_code == 400
    assert not SocialAccount.objects.exists()
    assert not network.calls_to("POST", "/sandbox/oauth/token/")


def test_refresh__spends_the_refresh_token_once(network, on_network, connected):
    account = connected(on_network("acme"))
    provider = get_provider(Platform.SANDBOX)

    tokens = provider.refresh_account(account)

    assert tokens.access_token != account.access_token and tokens.refresh_token != account.refresh_token
    with pytest.raises(TokenRevokedError, match="invalid_grant") as spent:
        provider.refresh_account(account)
    assert account.refresh_token not in str(spent.value)


def test_refresh__the_publisher_refreshes_an_expired_token_then_publishes(
    network, on_network, connected, user
):
    account = connected(on_network("acme"))
    SocialAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() - timedelta(minutes=1))
    SandboxGrant.objects.update(access_expires_at=timezone.now() - timedelta(minutes=1))
    post = make_post(user, accounts=[account], scheduled_at=timezone.now() - timedelta(seconds=5))

    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert SandboxPost.objects.count() == 1
    account.refresh_from_db()
    assert account.token_expires_at > timezone.now() + timedelta(minutes=110)
    assert len(network.calls_to("POST", "/sandbox/oauth/token/")) == 1


def test_consent__a_first_connect_is_one_click_a_free_handle_is_filled_in(staff, on_network):
    on_network("staff")

    page = staff.get("/sandbox/oauth/authorize/", consent_params()).content.decode()

    assert 'name="new_handle" value="staff2"' in page
    assert 'name="new_display_name" value="Staff"' in page
