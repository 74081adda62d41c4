from __future__ import annotations

import pytest
from django.conf import settings

from social.clients import (
    PLATFORM_MODULES,
    PublishPayload,
    UnknownPlatformError,
    client_for,
    get_client_class,
    platform_choices,
    validation_problems,
)
from social.clients.facebook import FacebookClient
from social.clients.instagram import InstagramClient
from social.clients.linkedin import LinkedInClient
from social.clients.twitter import TwitterClient
from social.clients.youtube import YouTubeClient
from social.models import Platform, SocialAccount


def test_every_platform_has_its_client():
    assert PLATFORM_MODULES == ("twitter", "facebook", "instagram", "linkedin", "youtube")
    assert {platform: get_client_class(platform) for platform in Platform.values} == {
        "TWITTER": TwitterClient,
        "FACEBOOK": FacebookClient,
        "INSTAGRAM": InstagramClient,
        "LINKEDIN": LinkedInClient,
        "YOUTUBE": YouTubeClient,
    }
    assert platform_choices() == [
        ("FACEBOOK", "Facebook"),
        ("INSTAGRAM", "Instagram"),
        ("LINKEDIN", "LinkedIn"),
        ("TWITTER", "X"),
        ("YOUTUBE", "YouTube"),
    ]


@pytest.mark.parametrize("platform", Platform.values)
def test_each_client_reads_an_existing_api_url_setting(platform):
    client_class = get_client_class(platform)
    assert client_class.api_url_setting == f"{platform}_API_URL"
    assert getattr(settings, client_class.api_url_setting).startswith("https://")


def test_an_unknown_platform_raises_a_named_error():
    with pytest.raises(UnknownPlatformError, match="MASTODON"):
        get_client_class("MASTODON")


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
