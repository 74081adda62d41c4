"""A platform package turned on by a setting, for the registry's tests: importing it is what they watch.

``optional_platform_listed()`` adds its line to the registry for a block; ``OPTIONAL`` is that line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from social.platforms import registry
from social.platforms.registry import Entry

OPTIONAL = Entry("tests.social.platforms.optional_platform.spec", enabled_by="OPTIONAL_TEST_PLATFORM")


@contextmanager
def optional_platform_listed() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "PLATFORM_PACKAGES", (*registry.PLATFORM_PACKAGES, OPTIONAL))
        registry.enabled_specs.cache_clear()
        try:
            yield
        finally:
            patch.undo()
            registry.enabled_specs.cache_clear()
