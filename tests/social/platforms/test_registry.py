"""The registry: every platform has exactly one spec, and what the rest of the product reads comes from it."""

from __future__ import annotations

import sys

import pytest
from django.conf import settings

from social.models import Platform
from social.models import SocialAccount
from social.platforms import PublishPayload
from social.platforms import UnknownOAuthProviderError
from social.platforms import UnknownPlatformError
from social.platforms import client_for
from social.platforms import get_provider
from social.platforms import platform_spec
from social.platforms import platform_specs
from social.platforms import validation_problems
from social.platforms.bluesky.client import BlueskyClient
from social.platforms.bluesky.session import BlueskyProvider
from social.platforms.facebook.client import FacebookClient
from social.platforms.facebook.oauth import FacebookProvider
from social.platforms.instagram.client import InstagramClient
from social.platforms.instagram.oauth import InstagramProvider
from social.platforms.linkedin.client import LinkedInClient
from social.platforms.linkedin.oauth import LinkedInProvider
from social.platforms.mastodon.client import MastodonClient
from social.platforms.mastodon.oauth import MastodonProvider
from social.platforms.sandbox.client import SandboxClient
from social.platforms.sandbox.oauth import SandboxProvider
from social.platforms.threads.client import ThreadsClient
from social.platforms.threads.oauth import ThreadsProvider
from social.platforms.twitter.client import TwitterClient
from social.platforms.twitter.oauth import TwitterProvider
from social.platforms.youtube.client import YouTubeClient
from social.platforms.youtube.oauth import YouTubeProvider

from .optional_platform import OPTIONAL
from .optional_platform import optional_platform_listed


def test_registry__every_platform_choice_has_a_spec_and_every_spec_a_choice():
    assert [spec.platform for spec in platform_specs()] == Platform.values


def test_registry__each_spec_names_its_platforms_client_and_provider():
    assert {spec.platform: (spec.client_class, spec.provider_class) for spec in platform_specs()} == {
        "TWITTER": (TwitterClient, TwitterProvider),
        "FACEBOOK": (FacebookClient, FacebookProvider),
        "INSTAGRAM": (InstagramClient, InstagramProvider),
        "LINKEDIN": (LinkedInClient, LinkedInProvider),
        "YOUTUBE": (YouTubeClient, YouTubeProvider),
        "MASTODON": (MastodonClient, MastodonProvider),
        "BLUESKY": (BlueskyClient, BlueskyProvider),
        "THREADS": (ThreadsClient, ThreadsProvider),
        # On in the test settings, as in development (SANDBOX_PLATFORM).
        "SANDBOX": (SandboxClient, SandboxProvider),
    }
    for spec in platform_specs():
        assert spec.client_class.platform == spec.platform
        assert spec.provider_class.platform == spec.platform


def test_registry__names_in_messages_come_from_the_specs():
    account = SocialAccount(platform=Platform.TWITTER, external_id="1")
    assert [(spec.platform, spec.name) for spec in platform_specs()] == [
        ("TWITTER", "X"),
        ("FACEBOOK", "Facebook"),
        ("INSTAGRAM", "Instagram"),
        ("LINKEDIN", "LinkedIn"),
        ("YOUTUBE", "YouTube"),
        ("MASTODON", "Mastodon"),
        ("BLUESKY", "Bluesky"),
        ("THREADS", "Threads"),
        ("SANDBOX", "Sandbox"),
    ]
    assert client_for(account).display_name == "X"
    assert get_provider("FACEBOOK").display_name == "Facebook"
    assert get_provider("FACEBOOK").account_noun == "Page"


# Mastodon and the Sandbox call the address kept on each account (its server; this site's own address).
@pytest.mark.parametrize(
    "platform", [value for value in Platform.values if value not in ("MASTODON", "SANDBOX")]
)
def test_each_client_reads_an_existing_api_url_setting(platform):
    spec = platform_spec(platform)
    client_class = spec.client_class
    # Bluesky's API is the account's PDS: BLUESKY_PDS_URL is where accounts sign in by default.
    suffix = "PDS_URL" if platform == "BLUESKY" else "API_URL"
    assert client_class.api_url_setting == f"{platform}_{suffix}"
    assert suffix in [setting.suffix for setting in spec.settings]
    assert getattr(settings, client_class.api_url_setting).startswith("https://")


def test_a_mastodon_client_reads_its_accounts_own_server():
    account = SocialAccount(
        platform=Platform.MASTODON,
        external_id="1@fosstodon.org",
        extra={"server_url": "https://fosstodon.org/"},
    )
    assert client_for(account).api_url == "https://fosstodon.org"
    assert not hasattr(settings, "MASTODON_API_URL")


@pytest.mark.parametrize("spec", platform_specs(), ids=lambda spec: spec.platform)
def test_each_spec__its_text_limit_is_the_one_its_client_enforces(spec):
    limit = spec.limits.text_length
    client = client_for(SocialAccount(platform=spec.platform, external_id="1"))

    def problems(text: str) -> list[str]:
        return client.validate(PublishPayload(text=text))

    assert not any(f"{limit:,}" in problem for problem in problems("a" * limit))
    assert any(f"{limit:,}" in problem or f"{limit}" in problem for problem in problems("a" * (limit + 1)))


@pytest.mark.parametrize(
    ("platform", "key"),
    [("LINKEDIN", "visibility"), ("YOUTUBE", "privacy_status"), ("MASTODON", "visibility")],
    ids=["linkedin", "youtube", "mastodon"],
)
def test_each_spec__a_choice_the_form_offers_is_one_its_client_accepts(platform, key):
    [option] = [option for option in platform_spec(platform).options if option.key == key]
    client = client_for(SocialAccount(platform=platform, external_id="1"))

    def refused(value: str) -> list[str]:
        payload = PublishPayload(text="hello", options={key: value, "title": "A title"})
        return [problem for problem in client.validate(payload) if key in problem]

    assert option.choices, "a choice field"
    for value in option.values():
        assert refused(value) == [], value
    assert refused("NOT_A_CHOICE") != []


def test_each_spec__option_fields_have_unique_form_names():
    names = [spec.option_field_name(option) for spec in platform_specs() for option in spec.options]
    assert len(names) == len(set(names))
    assert "linkedin_visibility" in names


def test_an_unknown_platform_raises_a_named_error():
    with pytest.raises(UnknownPlatformError, match="MYSPACE"):
        platform_spec("MYSPACE")
    with pytest.raises(UnknownOAuthProviderError, match="MYSPACE"):
        get_provider("MYSPACE")


def test_client_for_builds_the_platform_client_for_the_account():
    account = SocialAccount(platform=Platform.LINKEDIN, external_id="1", access_token="t")

    client = client_for(account)

    assert isinstance(client, LinkedInClient)
    assert client.account is account


def test_validation_problems_name_the_platform():
    metadata = {"platforms": {"TWITTER": {"content": "a" * 281}}, "media": []}
    x = SocialAccount(platform=Platform.TWITTER, external_id="1")
    instagram = SocialAccount(platform=Platform.INSTAGRAM, external_id="2")

    assert validation_problems(
        x, PublishPayload.for_platform(content="short", metadata=metadata, platform="TWITTER")
    ) == [
        "X: 281 characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 "
        "(25,000 if the account has X Premium and long posts turned on)"
    ]
    assert validation_problems(
        instagram, PublishPayload.for_platform(content="short", metadata=metadata, platform="INSTAGRAM")
    ) == ["Instagram: a post needs one image or video; Instagram has no text-only posts"]


def test_youtube_options_come_from_the_metadata():
    metadata = {
        "platforms": {
            "YOUTUBE": {
                "title": "t" * 101,
                "privacy_status": "public",
                "media": [{"url": "https://cdn.example.com/a.mp4", "type": "video"}],
            }
        }
    }
    account = SocialAccount(platform=Platform.YOUTUBE, external_id="UC1")

    assert validation_problems(
        account, PublishPayload.for_platform(content="desc", metadata=metadata, platform="YOUTUBE")
    ) == ["YouTube: title of 101 characters, the limit is 100"]


# --- a platform turned on by a setting ------------------------------------------------------------------


def test_enabled_by__while_its_setting_is_off_the_package_is_never_imported(settings, monkeypatch):
    monkeypatch.delitem(sys.modules, OPTIONAL.package, raising=False)
    settings.OPTIONAL_TEST_PLATFORM = False
    with optional_platform_listed():
        assert OPTIONAL.package not in sys.modules
        assert [spec.platform for spec in platform_specs()] == Platform.values
        with pytest.raises(UnknownPlatformError):
            platform_spec("OPTIONAL_TEST")
        assert OPTIONAL.package not in sys.modules


def test_enabled_by__turning_its_setting_on_adds_the_platform(settings):
    settings.OPTIONAL_TEST_PLATFORM = False
    with optional_platform_listed():
        assert len(platform_specs()) == len(Platform.values)
        settings.OPTIONAL_TEST_PLATFORM = True  # setting_changed: the registry reads its lines again
        assert platform_specs()[-1].platform == "OPTIONAL_TEST"
        assert platform_spec("OPTIONAL_TEST").name == "Optional"
    assert len(platform_specs()) == len(Platform.values)
