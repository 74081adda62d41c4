"""Text helpers the clients share: URL checks and matching a sent text against what a platform lists."""

from __future__ import annotations

import html
import unicodedata
from typing import Any
from urllib.parse import urlsplit


def is_web_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def normalize_text(text: str) -> str:
    """Text as platforms hand it back: HTML entities decoded, NFC, whitespace runs collapsed."""
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())


def same_text(listed: str, sent: str) -> bool:
    return normalize_text(listed) == normalize_text(sent)
