"""The data twitter-text's counting relies on, generated from the official npm package into data.json.

Regenerate with ``node tests/social/platforms/twitter/twitter_text/generate_table.mjs`` (see docs/platforms.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WeightRange:
    start: int
    end: int
    weight: int


@dataclass(frozen=True)
class Config:
    """twitter-text's parsing configuration (config v3): weights are in 1/scale of a character."""

    max_weighted_length: int
    scale: int
    default_weight: int
    url_length: int
    emoji_parsing: bool
    ranges: tuple[WeightRange, ...]


def _load() -> tuple[Config, tuple[str, ...], tuple[str, ...], str, dict[str, str]]:
    raw = json.loads(Path(__file__).with_name("data.json").read_text(encoding="utf-8"))
    config = raw["config"]
    v3 = Config(
        max_weighted_length=config["maxWeightedTweetLength"],
        scale=config["scale"],
        default_weight=config["defaultWeight"],
        url_length=config["transformedURLLength"],
        emoji_parsing=config["emojiParsingEnabled"],
        ranges=tuple(WeightRange(r["start"], r["end"], r["weight"]) for r in config["ranges"]),
    )
    weights = [v3.default_weight, v3.url_length * v3.scale, *(r.weight for r in v3.ranges)]
    if any(weight % v3.scale for weight in weights):
        raise ValueError("twitter-text data: a weight that is not a whole number of characters")
    return v3, tuple(raw["gTLDs"]), tuple(raw["ccTLDs"]), raw["emojiPattern"], raw["source"]


CONFIG_V3, GENERIC_TLDS, COUNTRY_TLDS, EMOJI_PATTERN, SOURCE = _load()
