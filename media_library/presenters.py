"""How an asset is shown in the admin's JSON answers (the upload endpoint)."""

from __future__ import annotations

from django.urls import reverse

from .checking import media_asset_check_platforms
from .models import MediaAsset


def asset_summary(asset: MediaAsset) -> dict:
    return {
        "id": asset.pk,
        "original_name": asset.original_name,
        "kind": asset.kind,
        "mime_type": asset.mime_type,
        "size": asset.size,
        "width": asset.width,
        "height": asset.height,
        "duration": asset.duration,
        "has_location": asset.has_location,
        "thumbnail_url": (
            reverse("admin:media_library_mediaasset_thumbnail", args=[asset.pk]) if asset.thumbnail else ""
        ),
        "change_url": reverse("admin:media_library_mediaasset_change", args=[asset.pk]),
        # What each platform taking this kind of media would refuse (a platform that takes no images at
        # all, like YouTube for a photo, is left out: that is about where it is used, not the file).
        "platforms": {
            verdict.label: [str(problem) for problem in verdict.problems]
            for verdict in media_asset_check_platforms(asset=asset)
            if not any(problem.rule == "kind" for problem in verdict.problems)
        },
    }
