"""Threads (Meta's Threads API): a container (text, an image, a video or a carousel of them), published with
``threads_publish`` once Meta has processed it; accounts connect by OAuth and keep a 60-day token that is
refreshed before it runs out."""

from datetime import timedelta

from social.platforms.media_rules import GB
from social.platforms.media_rules import MB
from social.platforms.media_rules import MINUTE
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import QuotaRule
from social.platforms.spec import Setting
from social.platforms.spec import oauth_app_settings

# Text as Threads counts it (emoji count as their UTF-8 bytes: text.threads_text_length).
MAX_TEXT_LENGTH = 500
# Posts published through the API per account in any 24 hours; a carousel counts as one.
POSTS_PER_24H = 250
# Text alone, an image, a video, or a carousel of 2 to 20 of them; Meta fetches each from a public URL
# (docs/platforms.md, Threads: sizes and durations are third-party figures).
MEDIA_RULES = MediaRules(
    image=KindRules(frozenset({"image/jpeg", "image/png"}), max_bytes=8 * MB),
    video=KindRules(frozenset({"video/mp4", "video/quicktime"}), max_bytes=1 * GB, max_duration=5 * MINUTE),
    max_items=20,
    notes=("Threads' media limits are third-party figures",),
)
# A long-lived token lasts 60 days and can be refreshed once it is a day old. Refreshed at the first publish
# in its last 14 days (and by `refresh_expiring_tokens`), so an account posting every few days never lapses;
# the week-ahead "token expiring" warning only comes when refreshing has not worked by then.
TOKEN_REFRESH_MARGIN = timedelta(days=14)

SPEC = PlatformSpec(
    platform="THREADS",
    name="Threads",
    badge=Badge("TH", "#101010"),
    settings=(
        # The Threads Graph API host; its only version, v1.0, is part of each path.
        Setting("API_URL", "https://graph.threads.net"),
        *oauth_app_settings(
            "https://threads.net/oauth/authorize", "https://graph.threads.net/oauth/access_token"
        ),
    ),
    limits=PlatformLimits(
        text_length=MAX_TEXT_LENGTH,
        media=MEDIA_RULES,
        quotas=(
            QuotaRule(
                POSTS_PER_24H,
                window_seconds=24 * 3600,
                source="https://developers.facebook.com/docs/threads/overview/",
            ),
        ),
    ),
    fetches_media_by_url=True,
    token_refresh_margin=TOKEN_REFRESH_MARGIN,
)
