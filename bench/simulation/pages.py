"""Paging cursors: opaque to the client, an offset into the newest-first list here."""

from __future__ import annotations

import base64


def cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def offset_of(cursor: str) -> int:
    """The offset a cursor stands for; 0 for none or a cursor this fake never gave."""
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
    except ValueError:
        return 0
