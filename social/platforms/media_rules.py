"""What media a platform accepts in one post, as plain values each platform's spec declares.

Each platform package fills ``PlatformLimits.media`` with a ``MediaRules``; the media library checks its
assets against them (``media_library.rules``) and offers a rendition where the fix is mechanical. Plain data
with no Django import: the settings module reads the specs before Django is set up.

Sizes are decimal (1 MB = 1,000,000 bytes) unless a platform counts in MiB: where a platform says "5 MB"
without bytes, the smaller reading is the one that never lets through a file the platform refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from fractions import Fraction

MB = 1_000_000
GB = 1000 * MB
MIB = 1024 * 1024
MINUTE = 60.0

IMAGE = "image"
GIF = "gif"
VIDEO = "video"


@dataclass(frozen=True, order=True)
class AspectRatio:
    """Width:height as platforms write it (4:5, 1.91:1)."""

    width: float
    height: float

    @property
    def value(self) -> float:
        return self.width / self.height

    @property
    def label(self) -> str:
        return f"{self.width:g}:{self.height:g}"

    @classmethod
    def parse(cls, text: str) -> AspectRatio:
        width, _, height = text.partition(":")
        return cls(float(width), float(height or 1))

    @staticmethod
    def describe(value: float) -> str:
        """A measured ratio as people read it: "0.56 (9:16)", or "0.61" when it is no small fraction."""
        fraction = Fraction(value).limit_denominator(20)
        if abs(float(fraction) - value) < 1e-9 and fraction.denominator > 1:
            return f"{value:.2f} ({fraction.numerator}:{fraction.denominator})"
        return f"{value:.2f}"


@dataclass(frozen=True)
class KindRules:
    """Limits for one kind of media (images, GIFs or videos) on one platform. None = no limit."""

    mime_types: frozenset[str]
    max_bytes: int | None = None
    min_width: int | None = None
    min_height: int | None = None
    max_width: int | None = None
    max_height: int | None = None
    max_pixels: int | None = None
    min_aspect: AspectRatio | None = None
    max_aspect: AspectRatio | None = None
    min_duration: float | None = None
    max_duration: float | None = None


@dataclass(frozen=True)
class MediaRules:
    """What one post may carry on a platform through this scheduler: the platform's limits per file, and
    the kinds and counts its client sends. A kind whose rules are None is not accepted at all; a GIF without
    ``gif`` rules counts as an image when the image rules list ``image/gif``."""

    image: KindRules | None = None
    gif: KindRules | None = None
    video: KindRules | None = None
    max_items: int | None = None
    max_videos: int | None = None
    max_gifs: int | None = None
    # False: a post's media are all of one kind (X: up to four images, or one GIF, or one video).
    mixed_kinds: bool = True
    notes: tuple[str, ...] = field(default=(), compare=False)

    def for_kind(self, kind: str) -> KindRules | None:
        if kind == IMAGE:
            return self.image
        if kind == VIDEO:
            return self.video
        if self.gif is not None:
            return self.gif
        if self.image is not None and "image/gif" in self.image.mime_types:
            return self.image
        return None
