"""Connecting a Mastodon account end to end through the test client: the server form, this site's app
registered once per server, the authorize redirect with PKCE, the callback, the token, the account."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
from django.db import connection
from responses import matchers

from social.models import MastodonApp
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms.mastodon import server
from social.platforms.mastodon.registration import mastodon_app_for_server
from tests.social.connecting import identity
from tests.social.fakes import form_body
from tests.social.fakes import query
from tests.social.fakes import s256
from tests.social.races import at_once

SERVER = "https://mastodon.social"
REDIRECT_URI = "http://testserver/social/callback/mastodon/"
SCOPES = "read:accounts read:statuses write:statuses write:media"
APP = {
    "id": "563419",
    "name": "Social Scheduler",
    "scopes": SCOPES.split(),
    "redirect_uris": [REDIRECT_URI],
    "client_id": "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
    "client_secret": "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw",
    "client_secret_expires_at": 0,
}
ACCESS_TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
CODE = "qDFUEaYrRK5c-HNmTCJbAzazwLRInJ7VHFat0wcMgCU"
INSTANCE = {"configuration": {"statuses": {"max_characters": 500, "characters_reserved_per_url": 23}}}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    table = {
        "mastodon.social": ["151.101.1.91"],
        "fosstodon.org": ["151.101.2.1"],
        "intranet.example": ["10.0.0.5"],
    }

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr(server, "resolve_addresses", resolve)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def expect_registration(mocked, server_url: str = SERVER) -> None:
    mocked.add(
        "POST",
        f"{server_url}/api/v1/apps",
        json=APP,
        match=[
            matchers.urlencoded_params_matcher(
                {"client_name": "Social Scheduler", "redirect_uris": REDIRECT_URI, "scopes": SCOPES}
            )
        ],
    )


def expect_sign_in(mocked, *, account_id: str = "109", username: str = "acme") -> None:
    mocked.add(
        "POST",
        f"{SERVER}/oauth/token",
        json={
            "access_token": ACCESS_TOKEN,
            "token_type": "Bearer",
            "scope": SCOPES,
            "created_at": 1573979017,
        },
    )
    mocked.add(
        "GET",
        f"{SERVER}/api/v1/accounts/verify_credentials",
        json={"id": account_id, "username": username, "acct": username, "display_name": "Acme"},
        match=[matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"})],
    )
    mocked.add("GET", f"{SERVER}/api/v2/instance", json=INSTANCE)


def choose_server(client, typed: str):
    return client.post("/social/connect/mastodon/", {"server": typed})


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_connect__asks_for_the_server_first(staff_client, mocked):
    response = staff_client.get("/social/connect/mastodon/")

    assert response.status_code == 200
    assert "Your Mastodon server" in response.content.decode()
    assert "social:oauth:MASTODON" not in staff_client.session
    assert len(mocked.calls) == 0


def test_connect__registers_the_app_then_redirects_to_the_servers_sign_in_with_pkce(staff_client, mocked):
    expect_registration(mocked)

    response = choose_server(staff_client, "Mastodon.Social")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{SERVER}/oauth/authorize"
    (pending,) = staff_client.session["social:oauth:MASTODON"].values()
    assert query(response["Location"]) == {
        "response_type": "code",
        "client_id": APP["client_id"],
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPES,
        "state": pending["state"],
        "code_challenge": s256(pending["code_verifier"]),
        "code_challenge_method": "S256",
        "force_login": "true",
    }
    app = MastodonApp.objects.get()
    assert (app.server_url, app.client_id, app.client_secret, app.scopes) == (
        SERVER,
        APP["client_id"],
        APP["client_secret"],
        SCOPES,
    )
    assert APP["client_secret"] not in raw_column("social_mastodonapp", "client_secret", app.pk)
    assert pending["context"] == {"server_url": SERVER, "app_id": str(app.pk)}


def test_connect__the_callback_stores_the_account_with_its_server_and_encrypted_token(
    staff_client, staff_user, mocked
):
    expect_registration(mocked)
    params = query(choose_server(staff_client, "mastodon.social")["Location"])
    verifier = staff_client.session["social:oauth:MASTODON"][params["state"]]["code_verifier"]
    expect_sign_in(mocked)

    response = staff_client.get("/social/callback/mastodon/", {"state": params["state"], "code": CODE})

    assert response.status_code == 302 and response["Location"] == "/admin/social/socialaccount/"
    assert form_body(mocked.calls[1].request) == {
        "grant_type": "authorization_code",
        "code": CODE,
        "redirect_uri": REDIRECT_URI,
        "client_id": APP["client_id"],
        "client_secret": APP["client_secret"],
        "code_verifier": verifier,
    }
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.MASTODON, "109@mastodon.social", "@acme@mastodon.social")
    assert account.owner == staff_user
    assert (account.access_token, account.refresh_token, account.token_expires_at) == (ACCESS_TOKEN, "", None)
    assert account.extra["server_url"] == SERVER and account.extra["username"] == "acme"
    assert account.extra["instance"]["max_characters"] == 500 and account.extra["instance"]["fetched_at"]
    assert ACCESS_TOKEN not in raw_column("social_socialaccount", "access_token", account.pk)


def test_connect__a_second_account_on_the_same_server_reuses_the_registration(staff_client, mocked):
    expect_registration(mocked)
    first = query(choose_server(staff_client, "mastodon.social")["Location"])
    expect_sign_in(mocked, account_id="109", username="acme")
    staff_client.get("/social/callback/mastodon/", {"state": first["state"], "code": CODE})

    second = query(choose_server(staff_client, "https://mastodon.social/")["Location"])
    expect_sign_in(mocked, account_id="110", username="acme_shop")
    staff_client.get("/social/callback/mastodon/", {"state": second["state"], "code": CODE})

    assert [call.request.url for call in mocked.calls].count(f"{SERVER}/api/v1/apps") == 1
    assert second["client_id"] == APP["client_id"] and MastodonApp.objects.count() == 1
    assert sorted(SocialAccount.objects.values_list("external_id", flat=True)) == [
        "109@mastodon.social",
        "110@mastodon.social",
    ]


def test_connect__reconnecting_keeps_the_account_row(staff_client, staff_user, mocked):
    old = SocialAccount.objects.create(
        platform=Platform.MASTODON,
        external_id="109@mastodon.social",
        name="@acme@mastodon.social",
        owner=staff_user,
        access_token="revoked-token",
        status=SocialAccountStatus.NEEDS_RECONNECT,
        extra={"server_url": SERVER, "username": "acme"},
    )
    expect_registration(mocked)
    params = query(choose_server(staff_client, "@acme@mastodon.social")["Location"])
    expect_sign_in(mocked)

    staff_client.get("/social/callback/mastodon/", {"state": params["state"], "code": CODE})

    account = SocialAccount.objects.get()
    assert account.pk == old.pk
    assert (account.access_token, account.status) == (ACCESS_TOKEN, SocialAccountStatus.ACTIVE)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("not a server!", "Mastodon: &#x27;not a server!&#x27; is not a server name"),
        ("http://mastodon.social", "Mastodon: Mastodon servers are reached over https:// only."),
        ("intranet.example", "Mastodon: intranet.example is a private or local address (10.0.0.5)"),
        ("nowhere.example", "Mastodon: No server named nowhere.example could be found"),
    ],
)
def test_connect__a_bad_server_is_a_form_error_naming_mastodon(staff_client, mocked, typed, words):
    response = choose_server(staff_client, typed)

    assert response.status_code == 400
    assert words in response.content.decode()
    assert MastodonApp.objects.count() == 0 and len(mocked.calls) == 0
    assert "social:oauth:MASTODON" not in staff_client.session


def test_connect__a_server_that_will_not_register_the_app_is_a_form_error(staff_client, mocked):
    mocked.add("POST", "https://fosstodon.org/api/v1/apps", status=404, body="<html>Not Found</html>")

    response = choose_server(staff_client, "fosstodon.org")

    assert response.status_code == 400
    assert (
        "Mastodon: fosstodon.org did not register this site as an app (HTTP 404). Is it a Mastodon server?"
        in response.content.decode()
    )
    assert MastodonApp.objects.count() == 0


def test_callback__a_registration_that_is_gone_is_a_clear_failure(staff_client, mocked):
    expect_registration(mocked)
    params = query(choose_server(staff_client, "mastodon.social")["Location"])
    MastodonApp.objects.all().delete()

    response = staff_client.get("/social/callback/mastodon/", {"state": params["state"], "code": CODE})

    assert response.status_code == 502
    assert "registration on the Mastodon server of this sign-in is gone" in response.content.decode()
    assert SocialAccount.objects.count() == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_registration__two_people_connecting_at_once_register_the_app_once(mocked):
    registrations = []

    def register(request):
        registrations.append(request)
        time.sleep(0.3)  # the second connect arrives while the first is registering
        return 200, {}, __import__("json").dumps(APP)

    mocked.add_callback("POST", f"{SERVER}/api/v1/apps", callback=register)

    apps = at_once(lambda: mastodon_app_for_server(server_url=SERVER, redirect_uri=REDIRECT_URI))

    assert all(isinstance(app, MastodonApp) for app in apps), apps
    assert len(registrations) == 1
    assert len(apps) == 2 and apps[0].pk == apps[1].pk and MastodonApp.objects.count() == 1
    assert {app.client_id for app in apps} == {APP["client_id"]}
