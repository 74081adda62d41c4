"""X (Twitter): posts through the X API v2, accounts connected by OAuth 2.0 with PKCE."""

from social.platforms.spec import OptionField, PlatformLimits, PlatformSpec, Setting, oauth_app_settings

# Characters as X weighs them (links 23, emoji and wide characters 2).
MAX_WEIGHTED_LENGTH = 280

SPEC = PlatformSpec(
    platform="TWITTER",
    name="X",
    badge="X",
    color="#111",
    connect_label="Connect X account",
    client="social.platforms.twitter.client.TwitterClient",
    provider="social.platforms.twitter.oauth.TwitterProvider",
    options=(OptionField("content", "Text for X", multiline=True),),
    settings=(
        Setting("API_URL", "https://api.x.com"),
        *oauth_app_settings(
            "https://x.com/i/oauth2/authorize",
            "https://api.x.com/2/oauth2/token",
        ),
    ),
    limits=PlatformLimits(text_length=MAX_WEIGHTED_LENGTH),
)
