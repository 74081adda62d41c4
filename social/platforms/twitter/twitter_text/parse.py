"""parseTweet of twitter-text 3.1.0 with config v3, step for step."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from .data import CONFIG_V3
from .data import EMOJI_PATTERN
from .patterns import INVALID_CHARACTERS
from .urls import extract_urls
from .utf16 import to_units

MAX_WEIGHTED_LENGTH = CONFIG_V3.max_weighted_length  # 280
LONG_POST_MAX_WEIGHTED_LENGTH = 25_000  # X Premium's long posts

# twemoji-parser 11.0.2's pattern: emoji sequences (ZWJ, skin tones, flags, keycaps) and a lone U+FE0F.
EMOJI = re.compile(EMOJI_PATTERN)


@dataclass(frozen=True)
class ParseResult:
    """What twitter-text's parseTweet answers. Ranges are inclusive UTF-16 indices into the text as given,
    as in JavaScript, so a browser can use them as they are (e.g. to mark where a text overflows)."""

    weighted_length: int
    valid: bool
    permillage: int
    valid_range_start: int
    valid_range_end: int
    display_range_start: int
    display_range_end: int
    max_weighted_length: int

    @property
    def over_limit(self) -> bool:
        return self.weighted_length > self.max_weighted_length


def parse_tweet(text: str, *, max_weighted_length: int = MAX_WEIGHTED_LENGTH) -> ParseResult:
    """Count ``text`` as X does: NFC first, every URL 23, every emoji sequence 2, other characters 1 or 2
    by their code unit (config v3 ranges). Valid when not empty, within the limit and free of U+FEFF,
    U+FFFE and U+FFFF."""
    config = CONFIG_V3
    units = to_units(unicodedata.normalize("NFC", text))
    url_lengths = {url.start: url.length for url in extract_urls(units)}
    emoji_lengths = (
        {match.start(): match.end() - match.start() for match in EMOJI.finditer(units)}
        if config.emoji_parsing
        else {}
    )
    scaled_max = max_weighted_length * config.scale
    weighted = 0
    valid = True
    valid_end = 0
    index = 0
    while index < len(units):
        if index in url_lengths:
            weighted += config.url_length * config.scale
            index += url_lengths[index] - 1
        elif index in emoji_lengths:
            weighted += config.default_weight
            index += emoji_lengths[index] - 1
        else:
            if _starts_surrogate_pair(units, index):
                index += 1  # like twitter-text, weigh the pair by its second (low) surrogate
            weighted += _unit_weight(units[index])
        # twitter-text looks only at the last code unit of each URL, emoji or character.
        valid = valid and units[index] not in INVALID_CHARACTERS
        if valid and weighted <= scaled_max:
            valid_end = index
        index += 1

    weighted_length = weighted // config.scale
    length_of_text = len(to_units(text))
    return ParseResult(
        weighted_length=weighted_length,
        valid=valid and 0 < weighted_length <= max_weighted_length,
        permillage=math.floor(weighted_length / max_weighted_length * 1000),
        valid_range_start=0,
        valid_range_end=valid_end + length_of_text - len(units),
        display_range_start=0,
        display_range_end=max(length_of_text - 1, 0),
        max_weighted_length=max_weighted_length,
    )


def weighted_length(text: str) -> int:
    return parse_tweet(text).weighted_length


def url_spans(text: str) -> list[tuple[int, int]]:
    """The links X sees in ``text``, as (start, end) code point indices into ``text`` in NFC."""
    normalized = unicodedata.normalize("NFC", text)
    urls = extract_urls(to_units(normalized))
    code_point_at = [
        index for index, char in enumerate(normalized) for _ in range(2 if char > "\uffff" else 1)
    ]
    code_point_at.append(len(normalized))
    return [(code_point_at[url.start], code_point_at[url.end]) for url in urls]


def invalid_characters(text: str) -> list[str]:
    """The characters X refuses (U+FEFF, U+FFFE, U+FFFF) in ``text``, each once, in order."""
    return list(dict.fromkeys(char for char in text if char in INVALID_CHARACTERS))


def _starts_surrogate_pair(units: str, index: int) -> bool:
    return (
        index < len(units) - 1
        and "\ud800" <= units[index] <= "\udbff"
        and "\udc00" <= units[index + 1] <= "\udfff"
    )


def _unit_weight(unit: str) -> int:
    code = ord(unit)
    for weight_range in CONFIG_V3.ranges:
        if weight_range.start <= code <= weight_range.end:
            return weight_range.weight
    return CONFIG_V3.default_weight
