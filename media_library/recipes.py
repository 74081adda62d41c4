"""Rendition recipes: what a derived file is made of, as a value with one canonical text form.

The text form (``RenditionRecipe.key``) is stored on the rendition and is unique per source, so asking twice
for the same fix finds the rendition made the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace

from django.template.defaultfilters import filesizeformat

# Aspect ratios are platform values (the specs' media rules); recipes crop into their ranges.
from social.platforms.media_rules import AspectRatio

__all__ = ["AspectRatio", "RenditionRecipe"]


@dataclass(frozen=True)
class RenditionRecipe:
    """A mechanical fix. Steps run in a fixed order: rotate as displayed, crop into the aspect range, fit
    the size limits, change format, then lower quality or size until the file fits ``max_bytes``.

    Every rendition is written without EXIF (so never with a location) and with the rotation applied to
    its pixels; ``strip_location`` alone asks for just that.
    """

    min_aspect: AspectRatio | None = None
    max_aspect: AspectRatio | None = None
    max_width: int | None = None
    max_height: int | None = None
    max_pixels: int | None = None
    format: str = ""  # "jpeg", or "" to keep the source's format
    strip_location: bool = False
    max_bytes: int | None = None

    def __bool__(self) -> bool:
        return self != RenditionRecipe()

    def _steps(self) -> list[tuple[str, str]]:
        """Each step this recipe takes, in the order it takes them: its part of the key, and in words."""
        steps = []
        if self.min_aspect or self.max_aspect:
            low = self.min_aspect.label if self.min_aspect else ""
            high = self.max_aspect.label if self.max_aspect else ""
            steps.append(
                (
                    f"crop={low}..{high}",
                    f"crop (centred) to an aspect ratio between {low or 'any'} and {high or 'any'}",
                )
            )
        if self.max_width or self.max_height:
            width, height = self.max_width or "", self.max_height or ""
            steps.append(
                (f"fit={width}x{height}", f"scale down to fit {width or 'any'}x{height or 'any'} pixels")
            )
        if self.max_pixels:
            steps.append((f"pixels={self.max_pixels}", f"scale down to at most {self.max_pixels:,} pixels"))
        if self.format:
            steps.append((f"format={self.format}", f"convert to {self.format.upper()}"))
        if self.strip_location:
            steps.append(("strip-location", "remove the location (EXIF GPS)"))
        if self.max_bytes:
            steps.append((f"bytes={self.max_bytes}", f"compress to at most {filesizeformat(self.max_bytes)}"))
        return steps

    @property
    def key(self) -> str:
        return ";".join(key for key, _ in self._steps())

    @classmethod
    def from_key(cls, key: str) -> RenditionRecipe:
        values: dict = {}
        for part in filter(None, key.split(";")):
            name, _, value = part.partition("=")
            if name == "crop":
                low, _, high = value.partition("..")
                values["min_aspect"] = AspectRatio.parse(low) if low else None
                values["max_aspect"] = AspectRatio.parse(high) if high else None
            elif name == "fit":
                width, _, height = value.partition("x")
                values["max_width"] = int(width) if width else None
                values["max_height"] = int(height) if height else None
            elif name == "pixels":
                values["max_pixels"] = int(value)
            elif name == "format":
                values["format"] = value
            elif name == "strip-location":
                values["strip_location"] = True
            elif name == "bytes":
                values["max_bytes"] = int(value)
            else:
                raise ValueError(f"unknown rendition step {name!r}")
        return cls(**values)

    def describe(self) -> str:
        """In words, for the button that offers it: "crop to 4:5 … 1.91:1, convert to JPEG"."""
        return ", ".join(words for _, words in self._steps())

    def combine(self, other: RenditionRecipe) -> RenditionRecipe:
        """Both fixes at once, keeping the stricter of each limit."""
        return replace(
            self,
            min_aspect=_stricter(self.min_aspect, other.min_aspect, max),
            max_aspect=_stricter(self.max_aspect, other.max_aspect, min),
            max_width=_stricter(self.max_width, other.max_width, min),
            max_height=_stricter(self.max_height, other.max_height, min),
            max_pixels=_stricter(self.max_pixels, other.max_pixels, min),
            format=self.format or other.format,
            strip_location=self.strip_location or other.strip_location,
            max_bytes=_stricter(self.max_bytes, other.max_bytes, min),
        )


def _stricter(first, second, pick):
    if first is None or second is None:
        return first if second is None else second
    if isinstance(first, AspectRatio):
        return pick(first, second, key=lambda ratio: ratio.value)
    return pick(first, second)
