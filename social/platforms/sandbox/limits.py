"""What a post on the Sandbox may be: the network refuses anything else, and the client checks the same
numbers first so a post that cannot go is caught when it is scheduled. Plain data."""

from __future__ import annotations

from dataclasses import dataclass

from . import ALT_TEXT_LIMIT
from . import MAX_IMAGES
from . import MEDIA_RULES
from . import TEXT_LIMIT

# Uploads go in pieces of this size (the last may be shorter), each its own request.
UPLOAD_PIECE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class KindLimits:
    content_types: frozenset[str]
    max_bytes: int


# The spec's media rules, as the network checks each upload.
MEDIA_LIMITS = {
    kind: KindLimits(rules.mime_types, rules.max_bytes)
    for kind, rules in (("image", MEDIA_RULES.image), ("gif", MEDIA_RULES.gif), ("video", MEDIA_RULES.video))
}


def media_problems(kinds: list[str], alt_texts: list[str]) -> list[str]:
    """What is wrong with a post's media (their kinds and alt texts, in order): up to 4 images, or one GIF
    or video alone."""
    problems = []
    for index, kind in enumerate(kinds, start=1):
        if kind not in MEDIA_LIMITS:
            problems.append(f"media {index} is a {kind}; the Sandbox takes images, GIFs and videos")
    for index, alt_text in enumerate(alt_texts, start=1):
        if len(alt_text) > ALT_TEXT_LIMIT:
            problems.append(
                f"the alt text of media {index} has {len(alt_text):,} characters, the limit is {ALT_TEXT_LIMIT:,}"
            )
    alone = [kind for kind in kinds if kind in ("gif", "video")]
    if alone and len(kinds) > 1:
        problems.append(f"a {alone[0]} must be the post's only media item")
    elif len(kinds) > MAX_IMAGES:
        problems.append(f"{len(kinds)} images, the limit is {MAX_IMAGES}")
    return problems


def text_problems(text: str, *, media_count: int) -> list[str]:
    problems = []
    if len(text) > TEXT_LIMIT:
        problems.append(f"{len(text):,} characters, the limit is {TEXT_LIMIT:,}")
    if not text.strip() and not media_count:
        problems.append("the post has no text and no media")
    return problems
