from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime

import pytest

from social.models import Platform
from social.models import SocialAccount

from .fakes import make_account

pytestmark = pytest.mark.django_db

ACCESS = "EAAB-page-access-token-PLAINTEXT"
REFRESH = "refresh-token-PLAINTEXT"


def test_admin__never_shows_a_token(client, staff_user):
    account = make_account(
        staff_user,
        platform=Platform.FACEBOOK,
        external_id="1234",
        name="My Page",
        access_token=ACCESS,
        refresh_token=REFRESH,
    )
    client.force_login(staff_user)
    for url in (
        "/admin/social/socialaccount/",
        f"/admin/social/socialaccount/{account.pk}/change/",
        "/admin/social/socialaccount/?q=My",
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "My Page" in body
        assert ACCESS not in body and REFRESH not in body and "enc:v1:" not in body


def test_admin__connect_buttons_for_every_platform_and_a_reconnect_link_per_account(client, staff_user):
    make_account(
        staff_user,
        platform=Platform.LINKEDIN,
        external_id="urn:li:person:1",
        name="Ada",
        status="NEEDS_RECONNECT",
    )
    client.force_login(staff_user)
    body = client.get("/admin/social/socialaccount/").content.decode()
    for path, label in [
        ("/social/connect/twitter/", "Connect X account"),
        ("/social/connect/facebook/", "Connect Facebook Page"),
        ("/social/connect/instagram/", "Connect Instagram account"),
        ("/social/connect/linkedin/", "Connect LinkedIn account"),
        ("/social/connect/youtube/", "Connect YouTube channel"),
        ("/social/connect/mastodon/", "Connect Mastodon account"),
    ]:
        assert f'<a class="connect-account" href="{path}">{label}</a>' in body
    assert '<span class="account-status account-status-needs_reconnect">Needs reconnect</span>' in body
    assert '<a class="button reconnect-needed" href="/social/connect/linkedin/">Reconnect</a>' in body


def test_admin__token_expiry_in_the_viewers_time_zone(client, staff_user):
    make_account(staff_user, name="@acme", token_expires_at=datetime(2030, 1, 15, 13, 0, tzinfo=UTC))
    client.force_login(staff_user)
    client.cookies["viewer_tz"] = "Asia/Tokyo"
    assert "2030-01-15 22:00 JST" in client.get("/admin/social/socialaccount/").content.decode()
    client.cookies["viewer_tz"] = "America/New_York"
    assert "2030-01-15 08:00 EST" in client.get("/admin/social/socialaccount/").content.decode()


def test_admin__a_mastodon_account_shows_its_server_and_others_no_server_line(client, staff_user):
    mastodon = SocialAccount.objects.create(
        platform=Platform.MASTODON,
        external_id="109@fosstodon.org",
        name="@acme@fosstodon.org",
        owner=staff_user,
        extra={"server_url": "https://fosstodon.org", "username": "acme"},
    )
    x = SocialAccount.objects.create(
        platform=Platform.TWITTER, external_id="42", name="@acme", owner=staff_user
    )
    client.force_login(staff_user)

    shown = client.get(f"/admin/social/socialaccount/{mastodon.pk}/change/").content.decode()
    other = client.get(f"/admin/social/socialaccount/{x.pk}/change/").content.decode()

    assert "Server:" in shown and "https://fosstodon.org" in shown
    assert "Server:" not in other


# --- X Premium long posts -----------------------------------------------------------------------------


def change_form(account: SocialAccount, **fields: str) -> dict[str, str]:
    return {"name": account.name, "status": account.status, "owner": str(account.owner_id), **fields}


def long_posts_checkbox(body: str) -> str | None:
    found = re.search(r'<input type="checkbox" name="long_posts"[^>]*>', body)
    return found.group() if found else None


def test_admin__an_x_account_has_a_long_posts_checkbox_that_keeps_its_other_settings(client, staff_user):
    account = make_account(staff_user, external_id="42", name="@acme", extra={"username": "acme"})
    url = f"/admin/social/socialaccount/{account.pk}/change/"
    client.force_login(staff_user)
    body = client.get(url).content.decode()
    assert "checked" not in long_posts_checkbox(body)
    assert '<label class="vCheckboxLabel" for="id_long_posts">Long posts (X Premium)</label>' in body

    response = client.post(url, change_form(account, long_posts="on"))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.extra == {"username": "acme", "long_posts": True}
    assert account.long_posts
    assert "checked" in long_posts_checkbox(client.get(url).content.decode())

    client.post(url, change_form(account))
    account.refresh_from_db()
    assert account.extra == {"username": "acme"}
    assert not account.long_posts


def test_admin__other_platforms_have_no_long_posts(client, staff_user):
    account = SocialAccount.objects.create(
        platform=Platform.LINKEDIN, external_id="urn:li:person:1", name="Ada", owner=staff_user
    )
    url = f"/admin/social/socialaccount/{account.pk}/change/"
    client.force_login(staff_user)
    assert long_posts_checkbox(client.get(url).content.decode()) is None

    client.post(url, change_form(account, long_posts="on"))
    account.refresh_from_db()
    assert account.extra == {}
    assert not account.long_posts
