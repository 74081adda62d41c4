"""twitter-text 3.1.0's URL patterns (``src/regexp/*.js``, named in the comments), in case keys.

Each pattern is written in JavaScript's case keys (see ``utf16.js_case_key``) and is matched against the
case-folded view of the text: that is how the JavaScript patterns, compiled with the ``i`` flag, behave.
``$`` becomes ``\\Z`` (Python's ``$`` also matches before a final newline).
"""

from __future__ import annotations

import re

from .data import COUNTRY_TLDS
from .data import GENERIC_TLDS
from .utf16 import js_case_key
from .utf16 import to_units

type CharSpec = str | int | tuple[int, int]


def case_keys(*specs: CharSpec) -> frozenset[str]:
    """The case keys of these characters (strings of them, code points, inclusive ranges)."""
    codes: set[str] = set()
    for spec in specs:
        if isinstance(spec, str):
            codes.update(map(js_case_key, spec))
        else:
            start, end = spec if isinstance(spec, tuple) else (spec, spec)
            codes.update(js_case_key(chr(code)) for code in range(start, end + 1))
    return frozenset(codes)


def char_class(*specs: CharSpec, negate: bool = False) -> str:
    parts, ordered = [], sorted(map(ord, case_keys(*specs)))
    while ordered:
        start = end = ordered.pop(0)
        while ordered and ordered[0] == end + 1:
            end = ordered.pop(0)
        parts.append(f"\\u{start:04x}" if start == end else f"\\u{start:04x}-\\u{end:04x}")
    return f"[{'^' if negate else ''}{''.join(parts)}]"


def literal(word: str) -> str:
    return re.escape("".join(map(js_case_key, to_units(word))))


ASCII_LETTERS = (ord("a"), ord("z"))
DIGITS = (ord("0"), ord("9"))
PUNCTUATION = "!'#%&()*+,\\-./:;<=>?@[]^_{|}~$"  # punct.js (it has no double quote)
SPACES: tuple[CharSpec, ...] = ((0x09, 0x0D), 0x20, 0x85, 0xA0, 0x1680, 0x180E, (0x2000, 0x200A))
SPACES += (0x2028, 0x2029, 0x202F, 0x205F, 0x3000)  # spacesGroup.js
INVALID_CHARACTERS = "\ufffe\ufeff\uffff"  # invalidCharsGroup.js
DIRECTIONAL_MARKS: tuple[CharSpec, ...] = ((0x202A, 0x202E), 0x061C, 0x200E, 0x200F, (0x2066, 0x2069))
LATIN_ACCENTS: tuple[CharSpec, ...] = ((0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0xFF), (0x100, 0x24F), 0x253, 0x254)
LATIN_ACCENTS += (0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB)
LATIN_ACCENTS += ((0x300, 0x36F), (0x1E00, 0x1EFF))  # latinAccentChars.js
CYRILLIC = (0x400, 0x4FF)  # cyrillicLettersAndMarks.js

# validUrlPrecedingChars.js is "any character but these" (or a directional mark, or the start).
NOT_PRECEDING_A_URL = case_keys(ASCII_LETTERS, DIGITS, "@\uff20$#\uff03", INVALID_CHARACTERS)

# validDomainChars.js; validSubdomain.js allows "_" and "-" inside a label, validDomainName.js only "-".
DOMAIN_CHAR = char_class(PUNCTUATION, *SPACES, INVALID_CHARACTERS, *DIRECTIONAL_MARKS, negate=True)
SUBDOMAIN_RUN = re.compile(f"(?:{DOMAIN_CHAR}|[_\\-])+")
DOMAIN_NAME_RUN = re.compile(f"(?:{DOMAIN_CHAR}|-)+")
# validAsciiDomain.js labels.
ASCII_LABEL_RUN = re.compile(f"{char_class('-', ASCII_LETTERS, DIGITS, *LATIN_ACCENTS)}+")

_TLD_END = f"(?={char_class(DIGITS, ASCII_LETTERS, '@+-', negate=True)}|\\Z)"
TLD = re.compile(
    f"(?:(?:{'|'.join(map(literal, GENERIC_TLDS))}){_TLD_END})"  # validGTLD.js
    f"|(?:(?:{'|'.join(map(literal, COUNTRY_TLDS))}){_TLD_END})"  # validCCTLD.js
    f"|(?:{literal('xn--')}{char_class('-', DIGITS, ASCII_LETTERS)}+)"  # validPunycode.js
)

PROTOCOL = re.compile(f"{literal('https')}?://")

# validUrlPath.js, computed by urls.Paths: a path is "/" and then segments, each the first that fits of
# (1) path characters and balanced parentheses ending with an ending character, (2) only balanced
# parentheses, (3) "@" in the middle (example.com/@user/). (validUrlPathEndingChars.js is
# "[...]|(?:balanced parens)" and is spliced in without a group, so its "|" makes (2) an alternative
# of its own.) Balanced parentheses nest one level: (a), (a(b)c).
PATH_CHARS = case_keys(ASCII_LETTERS, CYRILLIC, DIGITS, "!*';:=+,.$/%#[]-\u2013_~@|&", *LATIN_ACCENTS)
PATH_ENDING_CHARS = case_keys("+-", ASCII_LETTERS, CYRILLIC, DIGITS, "=_#/", *LATIN_ACCENTS)
PORT = re.compile(":[0-9]+")
_QUERY_CHAR = char_class(ASCII_LETTERS, DIGITS, "!?*'@();:&=+$/%#[]-_.,~|")  # validUrlQueryChars.js
_QUERY_END = char_class(ASCII_LETTERS, DIGITS, "-_&=#/")  # validUrlQueryEndingChars.js
QUERY = re.compile(f"\\?{_QUERY_CHAR}*{_QUERY_END}")

# validTcoUrl.js; used with match() at the URL's start.
TCO_URL = re.compile(
    f"{literal('https')}?://{literal('t.co/')}({char_class(ASCII_LETTERS, DIGITS)}+)(?:{QUERY.pattern})?"
)
