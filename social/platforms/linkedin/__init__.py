"""LinkedIn: posts through the Posts API, members connected by OpenID Connect with ``w_member_social``."""

from social.platforms.media_rules import MIB
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import OptionField
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import Setting
from social.platforms.spec import oauth_app_settings

MAX_COMMENTARY_LENGTH = 3_000
# One image per post (our client uploads it through the Images API): JPEG, PNG or GIF, fewer than
# 36,152,320 pixels (docs/platforms.md, LinkedIn); our client holds it whole for its one PUT, up to 20 MiB.
MEDIA_RULES = MediaRules(
    image=KindRules(
        frozenset({"image/jpeg", "image/png", "image/gif"}), max_bytes=20 * MIB, max_pixels=36_152_319
    ),
    max_items=1,
)
# Who sees a post (the Posts API's ``visibility``); the first is the default.
VISIBILITY = OptionField(
    "visibility",
    "LinkedIn visibility",
    choices=(
        ("PUBLIC", "Anyone"),
        ("CONNECTIONS", "Connections only"),
        ("LOGGED_IN", "Signed-in LinkedIn members"),
    ),
)

SPEC = PlatformSpec(
    platform="LINKEDIN",
    name="LinkedIn",
    badge=Badge("in", "#0a66c2"),
    options=(VISIBILITY,),
    settings=(
        Setting("API_VERSION", "202607"),
        Setting("API_URL", "https://api.linkedin.com"),
        *oauth_app_settings(
            "https://www.linkedin.com/oauth/v2/authorization",
            "https://www.linkedin.com/oauth/v2/accessToken",
        ),
    ),
    limits=PlatformLimits(text_length=MAX_COMMENTARY_LENGTH, media=MEDIA_RULES),
)
