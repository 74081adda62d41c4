"""Bluesky (AT Protocol): posts as ``app.bsky.feed.post`` records in the account's repository, accounts
connected with their handle and an app password (a form, not OAuth)."""

from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import OptionField
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import QuotaRule
from social.platforms.spec import Setting

# The post record's text: at most 300 grapheme clusters and 3,000 UTF-8 bytes (app.bsky.feed.post).
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3_000
RATE_LIMITS = "https://docs.bsky.app/docs/advanced-guides/rate-limits"
# Languages of the text, as BCP-47 tags ("en, pt-BR"): the record's ``langs``, at most three.
LANGUAGES = OptionField("langs", "Bluesky languages (e.g. en, pt-BR)")
# Each image blob at most 2,000,000 bytes, at most 4 per post (app.bsky.embed.images, since April 2026;
# formerly 1,000,000: docs/platforms.md, Bluesky). Our client posts images only, not videos.
IMAGE_MAX_BYTES = 2_000_000
MEDIA_RULES = MediaRules(
    image=KindRules(frozenset({"image/jpeg", "image/png", "image/webp"}), max_bytes=IMAGE_MAX_BYTES),
    max_items=4,
)

SPEC = PlatformSpec(
    platform="BLUESKY",
    name="Bluesky",
    badge=Badge("BS", "#1185fe"),
    provider="social.platforms.bluesky.session.BlueskyProvider",
    connect_view="social.platforms.bluesky.connect.connect_view",
    options=(LANGUAGES,),
    settings=(
        # Where accounts sign in unless the person names their own hosting provider; bsky.social serves
        # every account Bluesky hosts.
        Setting("PDS_URL", "https://bsky.social"),
    ),
    limits=PlatformLimits(
        text_length=MAX_GRAPHEMES,
        media=MEDIA_RULES,
        # Repository writes cost points per account, 5,000 an hour and 35,000 a day; creating a record
        # costs 3.
        quotas=(
            QuotaRule(5_000 // 3, window_seconds=3600, source=RATE_LIMITS),
            QuotaRule(35_000 // 3, window_seconds=24 * 3600, source=RATE_LIMITS),
        ),
    ),
)
