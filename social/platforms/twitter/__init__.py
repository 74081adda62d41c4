"""X (Twitter): posts through the X API v2, accounts connected by OAuth 2.0 with PKCE."""

from social.platforms.spec import (
    OptionField,
    PlatformLimits,
    PlatformSpec,
    QuotaRule,
    Setting,
    oauth_app_settings,
)

# Characters as X weighs them (links 23, emoji and wide characters 2).
MAX_WEIGHTED_LENGTH = 280
RATE_LIMITS = "https://docs.x.com/x-api/fundamentals/rate-limits"

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
    limits=PlatformLimits(
        text_length=MAX_WEIGHTED_LENGTH,
        quotas=(
            # POST /2/tweets: 100 per 15 minutes per user, 10,000 per 24 hours per app.
            QuotaRule(100, window_seconds=15 * 60, source=RATE_LIMITS),
            QuotaRule(10_000, window_seconds=24 * 3600, per_app=True, source=RATE_LIMITS),
        ),
    ),
)
