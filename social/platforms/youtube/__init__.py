"""YouTube: a resumable ``videos.insert`` streamed from the video's URL; the channel connected by Google
OAuth with offline access."""

from social.platforms.media_rules import GB
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import OptionField
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import QuotaRule
from social.platforms.spec import Setting
from social.platforms.spec import oauth_app_settings

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
# YouTube's daily quotas reset at midnight Pacific time.
QUOTA_ZONE = "America/Los_Angeles"
# The video's ``status.privacyStatus``; the first is the default.
PRIVACY_STATUS = OptionField(
    "privacy_status",
    "YouTube privacy",
    choices=(("public", "Public"), ("unlisted", "Unlisted"), ("private", "Private")),
)
# Upload ahead, public later: the upload starts at the post's time and YouTube makes the video public at
# this time (``status.publishAt``), so a large video is live at its time, not an upload later.
PUBLISH_AT = OptionField(
    "publish_at", "YouTube public at (ISO time with its offset, e.g. 2026-03-03T18:00+01:00)"
)

SPEC = PlatformSpec(
    platform="YOUTUBE",
    name="YouTube",
    badge=Badge("YT", "#e00"),
    account_noun="channel",
    options=(
        OptionField("title", "YouTube title"),
        OptionField("content", "YouTube description", multiline=True),
        PRIVACY_STATUS,
        PUBLISH_AT,
    ),
    settings=(
        Setting("API_URL", "https://www.googleapis.com"),
        Setting("UPLOAD_URL", "https://www.googleapis.com/upload"),
        *oauth_app_settings(
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
        ),
    ),
    limits=PlatformLimits(
        text_length=MAX_DESCRIPTION_LENGTH,
        media=MEDIA_RULES,
        # videos.insert has its own bucket: 100 calls per day per API project, reset at midnight Pacific.
        quotas=(
            QuotaRule(
                100,
                per_app=True,
                daily_reset_zone=QUOTA_ZONE,
                source="https://developers.google.com/youtube/v3/determine_quota_cost",
            ),
        ),
    ),
)
