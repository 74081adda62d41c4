"""Facebook Pages: posts through the Graph API with a Page token, Pages picked after Facebook Login."""

from social.platforms.media_rules import MB
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import Setting
from social.platforms.spec import oauth_app_settings

MAX_TEXT_LENGTH = 63_206
# One photo per Page post (our client posts it through /{page}/photos), at most 4 MB as Facebook refuses
# larger ones (docs/platforms.md, Facebook Pages). Facebook fetches it from a public URL.
MEDIA_RULES = MediaRules(
    image=KindRules(frozenset({"image/jpeg", "image/png", "image/bmp", "image/tiff"}), max_bytes=4 * MB),
    max_items=1,
)

SPEC = PlatformSpec(
    platform="FACEBOOK",
    name="Facebook",
    badge=Badge("FB", "#1877f2"),
    account_noun="Page",
    settings=(
        # Instagram publishes through the same Graph API version.
        Setting("API_VERSION", "v25.0"),
        Setting("API_URL", "https://graph.facebook.com"),
        *oauth_app_settings(
            "https://www.facebook.com/{FACEBOOK_API_VERSION}/dialog/oauth",
            "https://graph.facebook.com/{FACEBOOK_API_VERSION}/oauth/access_token",
        ),
    ),
    limits=PlatformLimits(text_length=MAX_TEXT_LENGTH, media=MEDIA_RULES),
    fetches_media_by_url=True,
)
