"""The ``<P>_*`` settings come from the platforms' specs: the same names and defaults as always."""

from __future__ import annotations

import environ
import pytest

from social.platforms.conf import platform_settings

from .optional_platform import optional_platform_listed

DEFAULTS = {
    "TWITTER_API_URL": "https://api.x.com",
    "TWITTER_AUTHORIZE_URL": "https://x.com/i/oauth2/authorize",
    "TWITTER_TOKEN_URL": "https://api.x.com/2/oauth2/token",
    "TWITTER_CLIENT_ID": "",
    "TWITTER_CLIENT_SECRET": "",
    "FACEBOOK_API_VERSION": "v25.0",
    "FACEBOOK_API_URL": "https://graph.facebook.com",
    "FACEBOOK_AUTHORIZE_URL": "https://www.facebook.com/v25.0/dialog/oauth",
    "FACEBOOK_TOKEN_URL": "https://graph.facebook.com/v25.0/oauth/access_token",
    "FACEBOOK_CLIENT_ID": "",
    "FACEBOOK_CLIENT_SECRET": "",
    "INSTAGRAM_API_URL": "https://graph.facebook.com",
    "INSTAGRAM_AUTHORIZE_URL": "https://www.facebook.com/v25.0/dialog/oauth",
    "INSTAGRAM_TOKEN_URL": "https://graph.facebook.com/v25.0/oauth/access_token",
    "INSTAGRAM_CLIENT_ID": "",
    "INSTAGRAM_CLIENT_SECRET": "",
    "LINKEDIN_API_VERSION": "202607",
    "LINKEDIN_API_URL": "https://api.linkedin.com",
    "LINKEDIN_AUTHORIZE_URL": "https://www.linkedin.com/oauth/v2/authorization",
    "LINKEDIN_TOKEN_URL": "https://www.linkedin.com/oauth/v2/accessToken",
    "LINKEDIN_CLIENT_ID": "",
    "LINKEDIN_CLIENT_SECRET": "",
    "YOUTUBE_API_URL": "https://www.googleapis.com",
    "YOUTUBE_UPLOAD_URL": "https://www.googleapis.com/upload",
    "YOUTUBE_AUTHORIZE_URL": "https://accounts.google.com/o/oauth2/v2/auth",
    "YOUTUBE_TOKEN_URL": "https://oauth2.googleapis.com/token",
    "YOUTUBE_CLIENT_ID": "",
    "YOUTUBE_CLIENT_SECRET": "",
    "MASTODON_CLIENT_NAME": "Social Scheduler",
    "MASTODON_ALLOW_LOCAL_SERVERS": "false",
    "BLUESKY_PDS_URL": "https://bsky.social",
    "THREADS_API_URL": "https://graph.threads.net",
    "THREADS_AUTHORIZE_URL": "https://threads.net/oauth/authorize",
    "THREADS_TOKEN_URL": "https://graph.threads.net/oauth/access_token",
    "THREADS_CLIENT_ID": "",
    "THREADS_CLIENT_SECRET": "",
}


def env_of(**variables: str) -> environ.Env:
    env = environ.Env()
    env.ENVIRON = variables  # this environment only, not the process's
    return env


def test_platform_settings__with_nothing_set_every_default():
    assert platform_settings(env_of(), {}) == DEFAULTS


def test_platform_settings__the_environment_wins_and_defaults_follow_what_they_name():
    values = platform_settings(
        env_of(
            FACEBOOK_API_VERSION="v26.0", FACEBOOK_CLIENT_ID="meta-app", TWITTER_API_URL="http://127.0.0.1:9"
        ),
        {},
    )

    assert values["TWITTER_API_URL"] == "http://127.0.0.1:9"
    assert values["FACEBOOK_AUTHORIZE_URL"] == "https://www.facebook.com/v26.0/dialog/oauth"
    # One Meta app serves both: Instagram takes Facebook's credentials and endpoints unless set.
    assert values["INSTAGRAM_CLIENT_ID"] == "meta-app"
    assert values["INSTAGRAM_TOKEN_URL"] == "https://graph.facebook.com/v26.0/oauth/access_token"


def test_platform_settings__instagram_can_have_its_own_app():
    values = platform_settings(env_of(FACEBOOK_CLIENT_ID="meta-app", INSTAGRAM_CLIENT_ID="ig-app"), {})
    assert (values["FACEBOOK_CLIENT_ID"], values["INSTAGRAM_CLIENT_ID"]) == ("meta-app", "ig-app")


@pytest.mark.parametrize("enabled", [False, True])
def test_platform_settings__a_platform_turned_off_declares_none(enabled):
    with optional_platform_listed():
        values = platform_settings(env_of(), {"OPTIONAL_TEST_PLATFORM": enabled})

    optional = {name: value for name, value in values.items() if name.startswith("OPTIONAL_TEST_")}
    if enabled:
        assert optional == {
            "OPTIONAL_TEST_API_URL": "https://optional.example",
            "OPTIONAL_TEST_MIRROR_URL": "https://optional.example/m",
        }
    else:
        assert optional == {}
