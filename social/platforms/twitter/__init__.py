"""X (Twitter): posts through the X API v2, accounts connected by OAuth 2.0 with PKCE."""

from social.platforms.media_rules import MB
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import QuotaRule
from social.platforms.spec import Setting
from social.platforms.spec import oauth_app_settings

# Characters as X weighs them (links 23, emoji and wide characters 2).
MAX_WEIGHTED_LENGTH = 280
RATE_LIMITS = "https://docs.x.com/x-api/fundamentals/rate-limits"
# Up to four images, or one GIF, or one video per post (media best practices); images 5 MB, GIFs 15 MB;
# video as X's v2 chunked upload takes it: 512 MB, 0.5 to 140 s (docs/platforms.md, X, Media).
MEDIA_RULES = MediaRules(
    image=KindRules(frozenset({"image/jpeg", "image/png", "image/webp"}), max_bytes=5 * MB),
    gif=KindRules(frozenset({"image/gif"}), max_bytes=15 * MB),
    video=KindRules(
        frozenset({"video/mp4", "video/quicktime"}), max_bytes=512 * MB, min_duration=0.5, max_duration=140
    ),
    max_items=4,
    max_videos=1,
    max_gifs=1,
    mixed_kinds=False,
)

SPEC = PlatformSpec(
    platform="TWITTER",
    name="X",
    badge=Badge("X", "#111"),
    class_prefix="Twitter",
    settings=(
        Setting("API_URL", "https://api.x.com"),
        *oauth_app_settings(
            "https://x.com/i/oauth2/authorize",
            "https://api.x.com/2/oauth2/token",
        ),
    ),
    limits=PlatformLimits(
        text_length=MAX_WEIGHTED_LENGTH,
        media=MEDIA_RULES,
        quotas=(
            # POST /2/tweets: 100 per 15 minutes per user, 10,000 per 24 hours per app.
            QuotaRule(100, window_seconds=15 * 60, source=RATE_LIMITS),
            QuotaRule(10_000, window_seconds=24 * 3600, per_app=True, source=RATE_LIMITS),
        ),
    ),
)
