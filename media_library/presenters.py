"""How an asset is shown in the admin's JSON answers (the upload endpoint, the post form's picker)."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from .checking import media_asset_check_platforms
from .models import MediaAsset


def asset_summary(asset: MediaAsset) -> dict:
    return {
        **asset_card(asset),
        "kind": asset.kind,
        "mime_type": asset.mime_type,
        "size": asset.size,
        "width": asset.width,
        "height": asset.height,
        "duration": asset.duration,
        "has_location": asset.has_location,
        # What each platform taking this kind of media would refuse (a platform that takes no images at
        # all, like YouTube for a photo, is left out: that is about where it is used, not the file).
        "platforms": {
            verdict.label: [str(problem) for problem in verdict.problems]
            for verdict in media_asset_check_platforms(asset=asset)
            if not any(problem.rule == "kind" for problem in verdict.problems)
        },
    }


def asset_card(asset: MediaAsset) -> dict:
    """What the post form's picker shows of an asset: its thumbnail, name and facts in one line."""
    facts = [asset.get_kind_display()]
    if asset.width and asset.height:
        facts.append(f"{asset.width}x{asset.height}")
    if asset.duration is not None and asset.kind != "image":
        facts.append(f"{asset.duration:.1f} s")
    facts.append(filesizeformat(asset.size))
    return {
        "id": asset.pk,
        "original_name": asset.original_name,
        "facts": " · ".join(facts),
        "alt_text": asset.alt_text,
        "rendition_of": asset.source.original_name if asset.source_id else "",
        "thumbnail_url": (
            reverse("admin:media_library_mediaasset_thumbnail", args=[asset.pk]) if asset.thumbnail else ""
        ),
        "change_url": reverse("admin:media_library_mediaasset_change", args=[asset.pk]),
        "rendition_url": reverse("admin:media_library_mediaasset_rendition", args=[asset.pk]),
    }
