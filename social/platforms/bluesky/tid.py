"""Record keys of posts: TIDs ("timestamp identifiers", atproto.com/specs/tid).

A TID is a 64-bit number written as 13 characters of base32-sortable: the top bit zero, then the
microseconds since the Unix epoch (53 bits), then a 10-bit clock identifier. The client picks a post's key
itself before the create call, so an unanswered call can be checked by reading exactly that key.
"""

from __future__ import annotations

import re
import secrets
import threading
import time

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
LENGTH = 13
CLOCK_ID_BITS = 10
TID_PATTERN = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")

_lock = threading.Lock()
_last_micros = 0


def encode(value: int) -> str:
    """``value`` (0 <= value < 2**63) as 13 base32-sortable characters."""
    if not 0 <= value < 1 << 63:
        raise ValueError("a TID is a 63-bit number")
    chars = []
    for _ in range(LENGTH):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_tid(*, clock_id: int | None = None) -> str:
    """A fresh TID: the current time in microseconds (never the same twice in this process, never going
    back) and a random clock identifier, so two processes choosing at the same microsecond still differ."""
    global _last_micros
    with _lock:
        micros = max(time.time_ns() // 1000, _last_micros + 1)
        _last_micros = micros
    if clock_id is None:
        clock_id = secrets.randbelow(1 << CLOCK_ID_BITS)
    return encode((micros << CLOCK_ID_BITS) | clock_id)


def is_tid(value: object) -> bool:
    return isinstance(value, str) and TID_PATTERN.fullmatch(value) is not None
