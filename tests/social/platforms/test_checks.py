from __future__ import annotations

import pytest

from social.platforms.checks import check_oauth_credentials
from social.platforms.checks import check_oauth_urls
from social.platforms.checks import check_platform_specs
from social.platforms.checks import check_platform_urls
from tests.platform_overrides import spec_overridden

from .optional_platform import optional_platform_listed


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_checks__default_configuration_is_clean():
    assert check_platform_specs() == []
    assert check_oauth_credentials() == []
    assert check_oauth_urls() == []
    assert check_platform_urls() == []


def test_check_specs__an_enabled_platform_that_is_not_a_platform_choice(settings):
    settings.OPTIONAL_TEST_PLATFORM = True
    with optional_platform_listed():
        [message] = check_platform_specs()

    assert message.id == "social.E012"
    assert "OPTIONAL_TEST (Optional) is enabled but is not a Platform choice" in message.msg


def test_check_specs__a_client_that_cannot_be_imported():
    with spec_overridden("LINKEDIN", client="social.platforms.linkedin.client.NoSuchClient"):
        [message] = check_platform_specs()

    assert message.id == "social.E013"
    assert message.msg.startswith(
        "LinkedIn: social.platforms.linkedin.client.NoSuchClient cannot be imported"
    )


def test_check_credentials__a_client_id_without_its_secret(settings):
    settings.LINKEDIN_CLIENT_ID = "li-id"
    settings.LINKEDIN_CLIENT_SECRET = ""

    [message] = check_oauth_credentials()

    assert message.id == "social.W010"
    assert "LINKEDIN_CLIENT_SECRET is not set but LINKEDIN_CLIENT_ID is" in message.msg
    assert "li-id" not in message.msg


def test_check_credentials__both_set_is_clean(settings):
    settings.LINKEDIN_CLIENT_ID = "li-id"
    settings.LINKEDIN_CLIENT_SECRET = "li-secret"
    assert check_oauth_credentials() == []


def test_check_urls__plain_http_token_url(settings, monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    settings.YOUTUBE_TOKEN_URL = "http://oauth2.example.com/token"

    messages = check_oauth_urls()

    assert ids(messages) == ["social.E010"]
    assert "YOUTUBE_TOKEN_URL must be an https:// URL" in messages[0].msg
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    assert check_oauth_urls() == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://scheduler.example.com", []),
        ("http://localhost:8000/", []),
        ("scheduler.example.com", ["social.E011"]),
        ("ftp://scheduler.example.com", ["social.E011"]),
        ("https://scheduler.example.com/?next=1", ["social.E011"]),
    ],
)
def test_check_urls__oauth_redirect_base_url(settings, value, expected):
    settings.OAUTH_REDIRECT_BASE_URL = value
    assert ids(check_oauth_urls()) == expected


@pytest.mark.parametrize("value", ["bsky.social", "", "https://bsky.social?x=1", "ftp://bsky.social"])
def test_check_urls__a_platform_url_setting_that_is_not_an_absolute_url(settings, value):
    settings.BLUESKY_PDS_URL = value

    [message] = check_platform_urls()

    assert message.id == "social.E014"
    assert message.msg == "BLUESKY_PDS_URL must be an absolute http(s) URL without query or fragment."
    assert message.hint == "For example https://bsky.social."


def test_check_urls__a_local_fake_over_plain_http_is_fine(settings):
    settings.BLUESKY_PDS_URL = "http://127.0.0.1:2583"
    settings.TWITTER_API_URL = "http://127.0.0.1:9000/"

    assert check_platform_urls() == []
