"""Instagram business accounts: a media container, then ``media_publish``, through the Graph API; the
account is the one linked to a Page picked after Facebook Login."""

from social.platforms.media_rules import GB
from social.platforms.media_rules import MB
from social.platforms.media_rules import MINUTE
from social.platforms.media_rules import AspectRatio
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import OptionField
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import QuotaRule
from social.platforms.spec import Setting
from social.platforms.spec import oauth_app_settings

MAX_CAPTION_LENGTH = 2_200
# What GET /{ig-user}/content_publishing_limit last said of the account (``extra``): its ``config``
# (``quota_total``, ``quota_duration``) and ``quota_usage``, with when it was read.
PUBLISHING_LIMIT = "publishing_limit"
# One image (JPEG only, at most 8 MB, aspect 4:5 to 1.91:1) or one Reel (MP4/MOV, at most 1 GB, 3 s to
# 15 min, third-party figures) per post (docs/platforms.md, Instagram). Meta fetches it from a public URL.
MEDIA_RULES = MediaRules(
    image=KindRules(
        frozenset({"image/jpeg"}),
        max_bytes=8 * MB,
        min_aspect=AspectRatio(4, 5),
        max_aspect=AspectRatio(1.91, 1),
    ),
    video=KindRules(
        frozenset({"video/mp4", "video/quicktime"}),
        max_bytes=1 * GB,
        min_duration=3,
        max_duration=15 * MINUTE,
    ),
    max_items=1,
    notes=("Reels limits are third-party figures",),
)

SPEC = PlatformSpec(
    platform="INSTAGRAM",
    name="Instagram",
    badge=Badge("IG", "#c13584"),
    connect_label="Connect Instagram account",
    account_noun="business account",
    options=(OptionField("content", "Caption for Instagram", multiline=True),),
    settings=(
        # The Graph API host (with Facebook's API version) and Facebook Login; one Meta app usually
        # serves both Facebook Pages and Instagram, so its credentials are Facebook's unless set.
        Setting("API_URL", "https://graph.facebook.com"),
        *oauth_app_settings(
            "{FACEBOOK_AUTHORIZE_URL}",
            "{FACEBOOK_TOKEN_URL}",
            "{FACEBOOK_CLIENT_ID}",
            "{FACEBOOK_CLIENT_SECRET}",
        ),
    ),
    limits=PlatformLimits(
        text_length=MAX_CAPTION_LENGTH,
        media=MEDIA_RULES,
        # 50 published posts per moving 24 hours per account, enforced on media_publish; the account's own
        # figure, when read, replaces 50.
        quotas=(
            QuotaRule(
                50,
                window_seconds=24 * 3600,
                limit_setting=PUBLISHING_LIMIT,
                source="https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit",
            ),
        ),
    ),
    account_refresh="social.platforms.instagram.limits.instagram_account_refresh_publishing_limit",
    fetches_media_by_url=True,
)
