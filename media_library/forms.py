"""The post form's media picker: a field holding which library assets a post uses (in order, each with its
own alt text), and the widget that picks them (thumbnails, search, drag-and-drop upload, the rendition
offered where a chosen platform refuses an asset).

The value is a list of ``{"asset": <id>, "alt_text": "..."}``; the post services check the assets and keep
their uses. Picking and uploading go through the library's admin endpoints (``MediaAssetAdmin.get_urls``).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from .picker import picker_cards

MAX_USES = 20
ALT_TEXT_MAX = 1500


class LibraryMediaWidget(forms.Widget):
    template_name = "media_library/widgets/library_media.html"

    class Media:
        css = {"all": ["media_library/library.css", "media_library/picker.css"]}
        js = ["media_library/upload.js", "media_library/picker.js"]

    def __init__(self, *, platform: str = "", label: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.platform = platform  # "": the post's media; else one platform's own
        self.label = label

    def format_value(self, value: Any) -> str:
        uses = value if isinstance(value, list) else library_uses_parse(value, strict=False)
        return json.dumps(uses)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        uses = json.loads(context["widget"]["value"])
        cards = picker_cards([use["asset"] for use in uses])
        context["widget"].update(
            {
                "platform": self.platform,
                "label": self.label,
                "initial": [{**use, "card": cards.get(use["asset"])} for use in uses],
                "picker_url": reverse("admin:media_library_mediaasset_picker"),
                "check_url": reverse("admin:media_library_mediaasset_picker_check"),
                "upload_url": reverse("admin:media_library_mediaasset_upload"),
            }
        )
        return context


class LibraryMediaField(forms.Field):
    """Library assets a post uses, in order: ``[{"asset": 12, "alt_text": "..."}]``."""

    def __init__(self, *, platform: str = "", platform_name: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", LibraryMediaWidget(platform=platform, label=platform_name))
        super().__init__(**kwargs)
        self.platform = platform

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        if isinstance(value, list):
            return value
        return library_uses_parse(value, strict=True)

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, list) else library_uses_parse(value, strict=False)


def library_uses_parse(value: Any, *, strict: bool) -> list[dict[str, Any]]:
    """The picker's hidden value as uses; ``strict``: a bad value is a ValidationError (else nothing)."""
    if value in (None, ""):
        return []
    try:
        items = json.loads(value) if isinstance(value, str) else value
        if not isinstance(items, list) or len(items) > MAX_USES:
            raise ValueError
        uses = []
        for item in items:
            asset, alt_text = item.get("asset"), item.get("alt_text", "")
            if isinstance(asset, bool) or not isinstance(asset, int) or not isinstance(alt_text, str):
                raise ValueError
            if len(alt_text) > ALT_TEXT_MAX:
                raise ValidationError(f"Alt text is at most {ALT_TEXT_MAX:,} characters.")
            uses.append({"asset": asset, "alt_text": alt_text.strip()})
    except (ValueError, TypeError, AttributeError):
        if strict:
            raise ValidationError(
                f"The media picked could not be read; reload the page (at most {MAX_USES} media)."
            ) from None
        return []
    return uses
