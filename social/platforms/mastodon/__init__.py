"""Mastodon, on any server: the app registers itself on each server at the first connect there and is kept;
accounts connect by OAuth with PKCE at their server; statuses go out with an ``Idempotency-Key``; the
character limit, URL weight and media limits are each server's own, read from ``/api/v2/instance``."""

from social.platforms.media_rules import MIB
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import OptionField
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import Setting

# Mastodon's own default; each server's limit (cached on the account) is the one enforced.
DEFAULT_MAX_CHARACTERS = 500
# Mastodon's own media defaults (Rails megabytes, so MiB); each server's, cached on the account, replace
# them for that account's posts (limits.mastodon_account_media_rules).
DEFAULT_MAX_MEDIA_ATTACHMENTS = 4
DEFAULT_IMAGE_SIZE_LIMIT = 16 * MIB
DEFAULT_VIDEO_SIZE_LIMIT = 99 * MIB
# Up to four images or GIFs, or one video, per status; the types Mastodon's defaults take.
MEDIA_RULES = MediaRules(
    image=KindRules(
        frozenset({"image/jpeg", "image/png", "image/webp", "image/heif", "image/heic", "image/avif"}),
        max_bytes=DEFAULT_IMAGE_SIZE_LIMIT,
    ),
    gif=KindRules(frozenset({"image/gif"}), max_bytes=DEFAULT_IMAGE_SIZE_LIMIT),
    video=KindRules(
        frozenset({"video/mp4", "video/webm", "video/quicktime"}), max_bytes=DEFAULT_VIDEO_SIZE_LIMIT
    ),
    max_items=DEFAULT_MAX_MEDIA_ATTACHMENTS,
    max_videos=1,
    notes=("each server sets its own limits",),
)
# The status's ``visibility``; unset, the account's own default on its server applies.
VISIBILITY = OptionField(
    "visibility",
    "Mastodon visibility",
    choices=(
        ("public", "Public"),
        ("unlisted", "Quiet public (not in public timelines)"),
        ("private", "Followers only"),
        ("direct", "Mentioned people only"),
    ),
)

SPEC = PlatformSpec(
    platform="MASTODON",
    name="Mastodon",
    badge=Badge("M", "#6364ff"),
    options=(
        VISIBILITY,
        OptionField("spoiler_text", "Mastodon content warning"),
        OptionField("language", "Mastodon language (ISO 639-1, e.g. en)"),
    ),
    settings=(
        # The app's name as each server shows it to the person signing in.
        Setting("CLIENT_NAME", "Social Scheduler"),
        # true: servers on http:// or at private and loopback addresses may be connected (local testing).
        Setting("ALLOW_LOCAL_SERVERS", "false"),
    ),
    limits=PlatformLimits(text_length=DEFAULT_MAX_CHARACTERS, media=MEDIA_RULES),
    account_media_rules="social.platforms.mastodon.limits.mastodon_account_media_rules",
    connect_view="social.platforms.mastodon.views.connect_server",
    account_refresh="social.platforms.mastodon.services.mastodon_account_refresh_limits",
)
