from __future__ import annotations

from datetime import UTC, datetime

import pytest

from social.models import Platform, SocialAccount

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
