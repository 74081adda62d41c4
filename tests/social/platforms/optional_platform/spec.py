"""The optional platform's spec: only imported while ``OPTIONAL_TEST_PLATFORM`` is on. X's spec under
another name, with settings of its own (one naming the other)."""

from dataclasses import replace

from social.platforms.spec import Setting
from social.platforms.twitter import SPEC as X_SPEC

SPEC = replace(
    X_SPEC,
    platform="OPTIONAL_TEST",
    name="Optional",
    settings=(
        Setting("API_URL", "https://optional.example"),
        Setting("MIRROR_URL", "{OPTIONAL_TEST_API_URL}/m"),
    ),
)
