"""YouTube: a resumable ``videos.insert`` streamed from the video's URL; the channel connected by Google
OAuth with offline access."""

from social.platforms.media_rules import GB, KindRules, MediaRules
from social.platforms.spec import OptionField, PlatformLimits, PlatformSpec, Setting, oauth_app_settings

# The post's text is the video's description.
MAX_DESCRIPTION_LENGTH = 5_000
MAX_TITLE_LENGTH = 100
# One video per upload, in a container YouTube lists, files at most 256 GB [3p] (docs/platforms.md,
# YouTube); streamed from the library in 8 MiB chunks.
MEDIA_RULES = MediaRules(
    video=KindRules(
        frozenset(
            {
                "video/mp4",
                "video/quicktime",
                "video/webm",
                "video/x-matroska",
                "video/x-msvideo",
                "video/mp2t",
            }
        ),
        max_bytes=256 * GB,
    ),
    max_items=1,
)
# The video's ``status.privacyStatus``; the first is the default.
PRIVACY_STATUS = OptionField(
    "privacy_status",
    "YouTube privacy",
    choices=(("public", "Public"), ("unlisted", "Unlisted"), ("private", "Private")),
)

SPEC = PlatformSpec(
    platform="YOUTUBE",
    name="YouTube",
    badge="YT",
    color="#e00",
    connect_label="Connect YouTube channel",
    client="social.platforms.youtube.client.YouTubeClient",
    provider="social.platforms.youtube.oauth.YouTubeProvider",
    account_noun="channel",
    options=(
        OptionField("title", "YouTube title"),
        OptionField("content", "YouTube description", multiline=True),
        PRIVACY_STATUS,
    ),
    settings=(
        Setting("API_URL", "https://www.googleapis.com"),
        Setting("UPLOAD_URL", "https://www.googleapis.com/upload"),
        *oauth_app_settings(
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
        ),
    ),
    limits=PlatformLimits(text_length=MAX_DESCRIPTION_LENGTH, media=MEDIA_RULES),
)
