"""JavaScript's view of a string, which twitter-text's rules are written for.

twitter-text counts and indexes UTF-16 code units and matches its patterns case-insensitively the way a
JavaScript regular expression without the ``u`` flag does. Working on the same view keeps every index and
every match identical: a Python ``str`` whose characters are UTF-16 code units (astral characters become
their two surrogates), and a case-folded copy of it in which JavaScript's rule of case-insensitivity
becomes plain equality.
"""

from __future__ import annotations

import re
from functools import cache

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _surrogates(match: re.Match[str]) -> str:
    offset = ord(match.group()) - 0x10000
    return chr(0xD800 + (offset >> 10)) + chr(0xDC00 + (offset & 0x3FF))


def to_units(text: str) -> str:
    """``text`` as UTF-16 code units, one per character; ``len()`` is then JavaScript's ``length``."""
    return _ASTRAL.sub(_surrogates, text)


def from_units(units: str) -> str:
    """Code units back to text: surrogate pairs become one character, lone surrogates stay."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def js_case_key(unit: str) -> str:
    """JavaScript's Canonicalize for case-insensitive patterns without the ``u`` flag (ECMA-262 22.2.2.7.3):
    the upper case of a code unit, unless that is not one code unit or maps a non-ASCII unit into ASCII."""
    upper = unit.upper()
    if len(upper) != 1 or (ord(unit) >= 128 and ord(upper) < 128):
        return unit
    return upper


@cache
def _case_table() -> dict[int, str]:
    return {code: key for code in range(0x10000) if (key := js_case_key(chr(code))) != chr(code)}


def case_folded(units: str) -> str:
    """Every code unit replaced by its case key: a pattern written in case keys then matches it exactly as
    the JavaScript pattern with the ``i`` flag matches the original."""
    return units.translate(_case_table())
