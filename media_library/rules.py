"""The checker that applies platform media rules to assets.

``MediaRules`` (declared by each platform's spec, ``social.platforms.media_rules``) says what one platform
accepts; ``media_rules_check`` lists every rule an asset breaks, each problem naming the platform and the
rule, with the rendition that would fix it when the fix is mechanical. Nothing here touches the database or the files: the checker reads an asset's recorded facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.template.defaultfilters import filesizeformat

from social.platforms.media_rules import AspectRatio
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules

from .models import MediaKind
from .recipes import RenditionRecipe

__all__ = [
    "KindRules",
    "MediaProblem",
    "MediaRules",
    "media_location_note",
    "media_rules_check",
    "media_rules_check_selection",
    "media_rules_fix",
]

ERROR = "error"
WARNING = "warning"


class MediaFactsLike(Protocol):
    """What the checker reads; a MediaAsset has all of it."""

    kind: str
    mime_type: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    has_location: bool


@dataclass(frozen=True)
class MediaProblem:
    """One broken rule: ``"Instagram: aspect ratio 0.56 is outside 4:5 to 1.91:1"``."""

    platform: str  # the platform's name as people know it ("Instagram"); empty for notes about the file
    rule: str  # "format", "max_bytes", "aspect_ratio", "min_width", "duration", "max_items", "location", ...
    message: str
    fix: RenditionRecipe | None = None
    severity: str = ERROR

    def __str__(self) -> str:
        return self.message


def media_rules_check(*, asset: MediaFactsLike, rules: MediaRules, platform: str) -> list[MediaProblem]:
    """Every rule of ``rules`` that ``asset`` breaks, with a mechanical fix where there is one."""
    kind_rules = rules.for_kind(asset.kind)
    if kind_rules is None:
        return [_kind_refused(asset, rules, platform)]
    problems: list[MediaProblem] = []

    def problem(rule: str, text: str, fix: RenditionRecipe | None = None) -> None:
        problems.append(MediaProblem(platform, rule, f"{platform}: {text}", fix))

    still = asset.kind == MediaKind.IMAGE
    if asset.mime_type not in kind_rules.mime_types:
        accepted = ", ".join(sorted(_format_name(mime) for mime in kind_rules.mime_types))
        fix = RenditionRecipe(format="jpeg") if still and "image/jpeg" in kind_rules.mime_types else None
        problem("format", f"{_format_name(asset.mime_type)} is not accepted (accepted: {accepted})", fix)
    if kind_rules.max_bytes is not None and asset.size > kind_rules.max_bytes:
        problem(
            "max_bytes",
            f"the {asset.kind} is {filesizeformat(asset.size)} ({asset.size:,} bytes), the limit is "
            f"{filesizeformat(kind_rules.max_bytes)} ({kind_rules.max_bytes:,} bytes)",
            RenditionRecipe(max_bytes=kind_rules.max_bytes) if still else None,
        )
    problems += _dimension_problems(asset, kind_rules, platform, still)
    ratio = asset.width / asset.height if asset.width and asset.height else None
    low, high = kind_rules.min_aspect, kind_rules.max_aspect
    if ratio is not None and ((low and ratio < low.value - 1e-3) or (high and ratio > high.value + 1e-3)):
        problem(
            "aspect_ratio",
            f"aspect ratio {AspectRatio.describe(ratio)} is outside {_range(low, high)}",
            RenditionRecipe(min_aspect=low, max_aspect=high) if still else None,
        )
    if asset.duration is not None and asset.kind == MediaKind.VIDEO:
        if kind_rules.min_duration is not None and asset.duration < kind_rules.min_duration:
            problem(
                "min_duration",
                f"the video lasts {asset.duration:g} s, the shortest accepted is {kind_rules.min_duration:g} s",
            )
        if kind_rules.max_duration is not None and asset.duration > kind_rules.max_duration:
            problem(
                "max_duration",
                f"the video lasts {_duration(asset.duration)}, the longest accepted is "
                f"{_duration(kind_rules.max_duration)}",
            )
    return problems


def _dimension_problems(
    asset: MediaFactsLike, kind_rules: KindRules, platform: str, still: bool
) -> list[MediaProblem]:
    if not asset.width or not asset.height:
        return []
    problems = []
    size = f"{asset.width}x{asset.height}"
    for rule, actual, limit, smaller in (
        ("min_width", asset.width, kind_rules.min_width, True),
        ("min_height", asset.height, kind_rules.min_height, True),
        ("max_width", asset.width, kind_rules.max_width, False),
        ("max_height", asset.height, kind_rules.max_height, False),
    ):
        if limit is None or (actual >= limit if smaller else actual <= limit):
            continue
        side = "wide" if "width" in rule else "high"
        bound = "at least" if smaller else "at most"
        fix = None
        if not smaller and still:
            fix = RenditionRecipe(max_width=kind_rules.max_width, max_height=kind_rules.max_height)
        problems.append(
            MediaProblem(
                platform,
                rule,
                f"{platform}: the {asset.kind} is {size}, it must be {bound} {limit} px {side}",
                fix,
            )
        )
    pixels = asset.width * asset.height
    if kind_rules.max_pixels is not None and pixels > kind_rules.max_pixels:
        problems.append(
            MediaProblem(
                platform,
                "max_pixels",
                f"{platform}: the {asset.kind} has {pixels:,} pixels ({size}), the limit is "
                f"{kind_rules.max_pixels:,}",
                RenditionRecipe(max_pixels=kind_rules.max_pixels) if still else None,
            )
        )
    return problems


def media_rules_check_selection(
    *, assets: Sequence[MediaFactsLike], rules: MediaRules, platform: str
) -> list[MediaProblem]:
    """The rules about a post's set of media (count, kinds together), then each asset's own problems."""
    problems: list[MediaProblem] = []

    def problem(rule: str, text: str) -> None:
        problems.append(MediaProblem(platform, rule, f"{platform}: {text}"))

    kinds = [asset.kind for asset in assets]
    if rules.max_items is not None and len(assets) > rules.max_items:
        problem("max_items", f"{len(assets)} media attached, at most {rules.max_items} per post")
    if rules.max_videos is not None and kinds.count(MediaKind.VIDEO) > rules.max_videos:
        problem("max_videos", f"{kinds.count(MediaKind.VIDEO)} videos, at most {rules.max_videos} per post")
    if rules.max_gifs is not None and kinds.count(MediaKind.GIF) > rules.max_gifs:
        problem("max_gifs", f"{kinds.count(MediaKind.GIF)} GIFs, at most {rules.max_gifs} per post")
    if not rules.mixed_kinds and len(set(kinds)) > 1:
        problem("mixed_kinds", "a post's media must all be images, or one GIF, or one video, not a mix")
    for asset in assets:
        problems += media_rules_check(asset=asset, rules=rules, platform=platform)
    return problems


def media_rules_fix(problems: Sequence[MediaProblem]) -> RenditionRecipe | None:
    """One rendition fixing every problem that has a mechanical fix (None when none has)."""
    fixes = [problem.fix for problem in problems if problem.fix]
    if not fixes:
        return None
    combined = fixes[0]
    for fix in fixes[1:]:
        combined = combined.combine(fix)
    return combined


def media_location_note(asset: MediaFactsLike) -> MediaProblem | None:
    """A photo that carries GPS coordinates tells where it was taken; offered, never done silently."""
    if not asset.has_location:
        return None
    return MediaProblem(
        "",
        "location",
        "The photo carries its GPS location (EXIF); a rendition without it can be made.",
        RenditionRecipe(strip_location=True),
        WARNING,
    )


def _kind_refused(asset: MediaFactsLike, rules: MediaRules, platform: str) -> MediaProblem:
    accepted = [
        name
        for name, kind_rules in (("images", rules.image), ("GIFs", rules.gif), ("videos", rules.video))
        if kind_rules is not None
    ]
    if rules.gif is None and rules.image is not None and "image/gif" in rules.image.mime_types:
        accepted.append("GIFs")
    fix = None
    if asset.kind == MediaKind.GIF and rules.image is not None and "image/jpeg" in rules.image.mime_types:
        fix = RenditionRecipe(format="jpeg")  # its first frame, as a still image
    what = {"image": "images", "gif": "GIFs", "video": "videos"}.get(asset.kind, asset.kind)
    takes = f"it takes {' and '.join(accepted)}" if accepted else "it takes no media"
    return MediaProblem(platform, "kind", f"{platform}: {what} are not accepted ({takes})", fix)


def _format_name(mime_type: str) -> str:
    subtype = mime_type.partition("/")[2] or mime_type
    return {"quicktime": "MOV", "x-matroska": "MKV", "x-msvideo": "AVI", "mp2t": "MPEG-TS"}.get(
        subtype, subtype.upper()
    )


def _range(low: AspectRatio | None, high: AspectRatio | None) -> str:
    if low and high:
        return f"{low.label} to {high.label}"
    return f"at least {low.label}" if low else f"at most {high.label}"


def _duration(seconds: float) -> str:
    if seconds < 600:
        return f"{seconds:g} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
