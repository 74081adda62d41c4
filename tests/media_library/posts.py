"""Posts for the library's tests: only what the media library reads of them (status, time, text)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files import File
from django.utils import timezone

from calendar_app.models import ScheduledPost
from media_library.services.assets import media_asset_create


def make_post(author, status: str, content: str = "Launch day") -> ScheduledPost:
    return ScheduledPost.objects.create(
        content=content, status=status, scheduled_at=timezone.now() + timedelta(days=1), created_by=author
    )


def add_file(owner, path, **kwargs):
    with path.open("rb") as handle:
        return media_asset_create(owner=owner, upload=File(handle, name=path.name), **kwargs).asset
