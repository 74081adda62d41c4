"""Instagram business accounts: a media container, then ``media_publish``, through the Graph API; the
account is the one linked to a Page picked after Facebook Login."""

from social.platforms.media_rules import GB, MB, MINUTE, AspectRatio, KindRules, MediaRules
from social.platforms.spec import OptionField, PlatformLimits, PlatformSpec, Setting, oauth_app_settings

MAX_CAPTION_LENGTH = 2_200
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
    badge="IG",
    color="#c13584",
    connect_label="Connect Instagram account",
    client="social.platforms.instagram.client.InstagramClient",
    provider="social.platforms.instagram.oauth.InstagramProvider",
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
    limits=PlatformLimits(text_length=MAX_CAPTION_LENGTH, media=MEDIA_RULES),
    fetches_media_by_url=True,
)
