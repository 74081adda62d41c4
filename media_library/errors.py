"""The library's errors. Each message is one line a person can act on, with no secret in it."""

from __future__ import annotations


class MediaError(Exception):
    """Anything the library refuses or cannot do; ``str()`` is the one-line message."""
