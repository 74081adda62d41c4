"""Provider facts and failure handling that the connect pages and the refresh service rely on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from social.models import Platform
from social.platforms import OAuthConnectError
from social.platforms import TokenRevokedError
from social.platforms import TokenSet
from social.platforms import get_provider
from social.platforms import oauth_providers
from social.platforms.base.oauth import TokenEndpointError

from ...fakes import FB_GRAPH
from ...fakes import FB_SHORT
from ...fakes import client_secret


def test_registry__every_platform_has_a_provider():
    assert sorted(provider.platform for provider in oauth_providers()) == sorted(Platform.values)
    for platform in Platform.values:
        assert get_provider(platform).platform == platform


@pytest.mark.parametrize(
    ("platform", "uses_pkce", "supports_refresh", "picks_accounts"),
    [
        ("TWITTER", True, True, False),
        ("FACEBOOK", False, False, True),
        ("INSTAGRAM", False, False, True),
        ("LINKEDIN", False, True, False),
        ("YOUTUBE", False, True, False),
    ],
)
def test_provider__identity_in_class_attributes(platform, uses_pkce, supports_refresh, picks_accounts):
    provider_class = type(get_provider(platform))
    assert (provider_class.uses_pkce, provider_class.supports_refresh, provider_class.picks_accounts) == (
        uses_pkce,
        supports_refresh,
        picks_accounts,
    )


def test_missing_settings__names_only_what_is_unset(settings):
    settings.TWITTER_CLIENT_ID = "id"
    settings.TWITTER_CLIENT_SECRET = ""
    provider = get_provider("TWITTER")
    assert provider.missing_settings() == ["TWITTER_CLIENT_SECRET"]
    assert not provider.is_configured
    settings.TWITTER_CLIENT_SECRET = "secret"
    assert provider.is_configured


def test_authorization_url__pkce_without_a_verifier_is_a_programming_error(oauth_apps):
    with pytest.raises(ValueError, match="code_verifier"):
        get_provider("TWITTER").authorization_url(redirect_uri="https://h/cb/", state="s")


def test_token_set__expiry_from_expires_in():
    before = timezone.now()
    tokens = get_provider("YOUTUBE").token_set(
        {"access_token": "a", "expires_in": 3600, "refresh_token": "r"}
    )
    assert before + timedelta(seconds=3600) <= tokens.expires_at <= timezone.now() + timedelta(seconds=3600)
    assert tokens.refresh_token == "r"
    assert get_provider("YOUTUBE").token_set({"access_token": "a"}).expires_at is None
    with pytest.raises(TokenEndpointError):
        get_provider("YOUTUBE").token_set({"access_token": ""})


def test_token_set__repr_hides_the_tokens():
    tokens = get_provider("YOUTUBE").token_set(
        {"access_token": "secret-access", "refresh_token": "secret-refresh"}
    )
    assert "secret" not in repr(tokens)


def test_refresh__reads_the_token_url_at_call_time(oauth_apps, mocked):
    oauth_apps.TWITTER_TOKEN_URL = "https://staging-x.example.com/oauth2/token"
    mocked.post(oauth_apps.TWITTER_TOKEN_URL, json={"access_token": "new", "refresh_token": "r2"})

    tokens = get_provider("TWITTER").refresh("r1")

    assert (tokens.access_token, tokens.refresh_token) == ("new", "r2")


def test_refresh__no_refresh_token_in_the_answer_is_reported_as_none(oauth_apps, mocked):
    mocked.post("https://oauth2.googleapis.com/token", json={"access_token": "new", "expires_in": 3599})

    assert get_provider("YOUTUBE").refresh("r1").refresh_token is None


def test_refresh__provider_without_refresh_never_calls_out(oauth_apps, mocked):
    with pytest.raises(TokenRevokedError, match="reconnect"):
        get_provider("FACEBOOK").refresh("anything")
    assert len(mocked.calls) == 0


def test_identity_read__a_token_echoed_in_an_error_is_redacted(oauth_apps, mocked):
    mocked.get(
        "https://api.linkedin.com/v2/userinfo",
        status=401,
        json={"message": "Invalid access token secret-li-token", "status": 401},
    )

    with pytest.raises(OAuthConnectError) as excinfo:
        get_provider("LINKEDIN").connectable_accounts(TokenSet("secret-li-token"))

    assert str(excinfo.value) == (
        "LinkedIn refused to show the LinkedIn member (HTTP 401: Invalid access token [redacted])."
    )


def test_facebook__failed_long_lived_exchange_names_no_secret(oauth_apps, mocked):
    mocked.get(
        f"{FB_GRAPH}/oauth/access_token",
        status=400,
        json={"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}},
    )

    with pytest.raises(OAuthConnectError) as excinfo:
        get_provider("FACEBOOK").long_lived_user_token(TokenSet(FB_SHORT))

    message = str(excinfo.value)
    assert message == (
        "Facebook did not exchange the sign-in for a long-lived token: Error validating access token"
    )
    assert FB_SHORT not in message and client_secret("FACEBOOK") not in message


def test_instagram__uses_its_own_settings_and_facebooks_api_version(oauth_apps, mocked):
    oauth_apps.INSTAGRAM_API_URL = "https://graph.instagram-proxy.example.com"
    oauth_apps.FACEBOOK_API_VERSION = "v99.0"
    mocked.get(
        "https://graph.instagram-proxy.example.com/v99.0/me/accounts",
        json={
            "data": [
                {
                    "id": "1",
                    "name": "Page",
                    "access_token": "page-token",
                    "instagram_business_account": {"id": "178", "username": "shop"},
                }
            ]
        },
    )

    [account] = get_provider("INSTAGRAM").connectable_accounts(TokenSet("user-token"))

    assert (account.external_id, account.name, dict(account.extra)) == ("178", "shop", {"page_id": "1"})
    assert account.tokens.access_token == "page-token"
