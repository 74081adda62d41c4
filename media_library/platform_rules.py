"""Each platform's media limits, as ``MediaRules`` values.

MOVING: each value here moves into its platform's ``PlatformSpec`` (``social/platforms/<name>/``) when the
library is wired into the platforms; this module then goes away and ``media_rules_for`` reads the spec.
Sources are noted per value; "3p" marks a figure seen only in third-party sources, "?" one unconfirmed.

Sizes are decimal (1 MB = 1,000,000 bytes): where a platform says "5 MB" without bytes, the smaller
reading is the one that never lets through a file the platform refuses.
"""

from __future__ import annotations

from .recipes import AspectRatio
from .rules import KindRules, MediaRules

MB = 1_000_000
GB = 1000 * MB
MINUTE = 60.0

MP4_MOV = frozenset({"video/mp4", "video/quicktime"})

PLATFORM_LABELS = {
    "TWITTER": "X",
    "FACEBOOK": "Facebook",
    "INSTAGRAM": "Instagram",
    "LINKEDIN": "LinkedIn",
    "YOUTUBE": "YouTube",
    "MASTODON": "Mastodon",
    "BLUESKY": "Bluesky",
    "THREADS": "Threads",
}

MEDIA_RULES: dict[str, MediaRules] = {
    # X developer docs (media best practices, chunked upload): ≤ 4 images, or 1 GIF, or 1 video per post;
    # images 5 MB, GIFs 15 MB; video as X's v2 upload takes it today: 512 MB, 0.5 to 140 s.
    "TWITTER": MediaRules(
        image=KindRules(frozenset({"image/jpeg", "image/png", "image/webp"}), max_bytes=5 * MB),
        gif=KindRules(frozenset({"image/gif"}), max_bytes=15 * MB),
        video=KindRules(MP4_MOV, max_bytes=512 * MB, min_duration=0.5, max_duration=140),
        max_items=4,
        max_videos=1,
        max_gifs=1,
        mixed_kinds=False,
    ),
    # Graph API photos: ≤ 4 MB (as Postiz reports Facebook's refusal). Video: 10 GB, 240 min (Facebook's
    # video specs; ?). Several photos go as one post; a video goes alone.
    "FACEBOOK": MediaRules(
        image=KindRules(
            frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}), max_bytes=4 * MB
        ),
        video=KindRules(MP4_MOV, max_bytes=10 * GB, max_duration=240 * MINUTE),
        max_videos=1,
        mixed_kinds=False,
        notes=("video limits unconfirmed",),
    ),
    # Instagram content publishing: JPEG only, ≤ 8 MB, aspect 4:5 to 1.91:1; Reels ≤ 1 GB, 3 s to 15 min
    # (3p); a carousel holds ≤ 10 items. Meta fetches each file from a public URL.
    "INSTAGRAM": MediaRules(
        image=KindRules(
            frozenset({"image/jpeg"}),
            max_bytes=8 * MB,
            min_aspect=AspectRatio(4, 5),
            max_aspect=AspectRatio(1.91, 1),
        ),
        video=KindRules(MP4_MOV, max_bytes=1 * GB, min_duration=3, max_duration=15 * MINUTE),
        max_items=10,
        notes=("Reels limits are third-party figures",),
    ),
    # LinkedIn Images API: JPEG, PNG, GIF, fewer than 36,152,320 pixels; video MP4 ≤ 500 MB, 3 s to 30 min
    # (3p); a multi-image post holds ≤ 20 images; a video goes alone.
    "LINKEDIN": MediaRules(
        image=KindRules(frozenset({"image/jpeg", "image/png", "image/gif"}), max_pixels=36_152_319),
        video=KindRules(
            frozenset({"video/mp4"}), max_bytes=500 * MB, min_duration=3, max_duration=30 * MINUTE
        ),
        max_items=20,
        max_videos=1,
        mixed_kinds=False,
    ),
    # YouTube Data API videos.insert: one video, files ≤ 256 GB (3p), the containers YouTube lists.
    "YOUTUBE": MediaRules(
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
    ),
    # Mastodon's defaults (each server publishes its own in /api/v2/instance: image_size_limit 16 MB,
    # video_size_limit about 99 MB, max_media_attachments 4): up to 4 images, or one video.
    "MASTODON": MediaRules(
        image=KindRules(
            frozenset({"image/jpeg", "image/png", "image/webp", "image/heif", "image/avif"}),
            max_bytes=16 * MB,
        ),
        gif=KindRules(frozenset({"image/gif"}), max_bytes=16 * MB),
        video=KindRules(frozenset({"video/mp4", "video/webm", "video/quicktime"}), max_bytes=99 * MB),
        max_items=4,
        max_videos=1,
        mixed_kinds=False,
        notes=("a server may set other limits",),
    ),
    # Bluesky uploadBlob: images ≤ 1,000,000 bytes each (the limit most clients and PDSs still enforce),
    # ≤ 4 per post; one MP4 video ≤ 300 MB through the video service.
    "BLUESKY": MediaRules(
        image=KindRules(frozenset({"image/jpeg", "image/png", "image/webp"}), max_bytes=1_000_000),
        video=KindRules(frozenset({"video/mp4"}), max_bytes=300 * MB),
        max_items=4,
        max_videos=1,
        mixed_kinds=False,
    ),
    # Threads posts API: images JPEG/PNG ≤ 8 MB; video MP4/MOV ≤ 1 GB, ≤ 5 min (3p); a carousel holds ≤ 20
    # items. Like Instagram, Meta fetches each file from a public URL.
    "THREADS": MediaRules(
        image=KindRules(frozenset({"image/jpeg", "image/png"}), max_bytes=8 * MB),
        video=KindRules(MP4_MOV, max_bytes=1 * GB, max_duration=5 * MINUTE),
        max_items=20,
    ),
}

# Platforms that fetch media from a URL instead of receiving the bytes: they need a public URL.
FETCHES_MEDIA_BY_URL = frozenset({"INSTAGRAM", "THREADS", "FACEBOOK"})


def media_rules_for(platform: str) -> MediaRules | None:
    """The media rules of a platform (a ``social.models.Platform`` value), or None for one without any."""
    return MEDIA_RULES.get(platform)


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform.title())
