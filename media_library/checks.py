"""System checks: a storage setting that cannot work, and tools or settings the library needs."""

from __future__ import annotations

import shutil

from django.conf import settings
from django.core.checks import Error
from django.core.checks import Tags
from django.core.checks import Warning
from django.core.checks import register
from django.db import DatabaseError
from django.db import connection


@register()
def check_media_storage(app_configs=None, **kwargs):
    problem = getattr(settings, "MEDIA_STORAGE_ERROR", "")
    if problem:
        return [
            Error(
                problem,
                hint="Leave MEDIA_STORAGE_URL unset for files under MEDIA_ROOT, or use "
                "s3://BUCKET[/PREFIX]?endpoint_url=https://...&region_name=... (see README, Media).",
                id="media_library.E001",
            )
        ]
    return []


@register()
def check_media_numbers(app_configs=None, **kwargs):
    errors = []
    for name in ("MEDIA_PUBLIC_URL_SECONDS", "MEDIA_MAX_UPLOAD_BYTES"):
        if getattr(settings, name) <= 0:
            errors.append(Error(f"{name} must be greater than 0.", id="media_library.E002"))
    # A presigned S3 URL (signature version 4) lives at most 7 days.
    if settings.MEDIA_PUBLIC_URL_SECONDS > 7 * 86400:
        errors.append(
            Error(
                "MEDIA_PUBLIC_URL_SECONDS is more than 7 days, the longest a presigned S3 URL may live.",
                id="media_library.E003",
            )
        )
    return errors


@register()
def check_media_tools(app_configs=None, **kwargs):
    warnings = []
    if shutil.which(settings.FFPROBE_BINARY) is None:
        warnings.append(
            Warning(
                f"ffprobe ({settings.FFPROBE_BINARY}) is not installed: videos and GIFs cannot be added "
                "to the media library.",
                hint="apt-get install ffmpeg (or set FFPROBE_BINARY to its path).",
                id="media_library.W001",
            )
        )
    return warnings


@register(Tags.database)
def check_media_public_urls(app_configs=None, **kwargs):
    """Reads the accounts, so it runs with ``check --database default`` and ``migrate``, not on every command."""
    warnings = []
    if not settings.SITE_URL and settings.MEDIA_STORAGE_URL == "" and _fetching_platform_connected():
        warnings.append(
            Warning(
                "SITE_URL is not set: library media cannot get public URLs, which the connected Instagram, "
                "Threads or Facebook accounts need to fetch them.",
                hint="Set SITE_URL to this site's public address, e.g. https://scheduler.example.com.",
                id="media_library.W002",
            )
        )
    return warnings


def _fetching_platform_connected() -> bool:
    """Whether an account of a platform that fetches media by URL is connected (no database yet: no)."""
    from social.models import SocialAccount

    from .platform_rules import platforms_fetching_media_by_url

    try:
        if SocialAccount._meta.db_table not in connection.introspection.table_names():
            return False
        return SocialAccount.objects.filter(platform__in=platforms_fetching_media_by_url()).exists()
    except DatabaseError:
        return False
