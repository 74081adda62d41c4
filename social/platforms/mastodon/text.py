"""A status's text as Mastodon counts it and as it shows it.

Counting follows Mastodon's ``StatusLengthValidator``: the content warning and the text together, in
grapheme clusters (what a reader sees as one character: an emoji with its skin tone is one); every link
with a scheme counts as ``characters_reserved_per_url`` characters whatever its length; a mention of a
remote account ``@user@domain`` counts as ``@user``.

Mastodon answers with the status as HTML (links, mentions and hashtags wrapped in markup, paragraphs as
``<p>``, line breaks as ``<br>``); ``shown_text`` turns that back into the words a reader sees, so a sent
text can be recognised among the account's statuses.
"""

from __future__ import annotations

from html.parser import HTMLParser

import regex

from social.platforms.base.text import normalize_text

# A link as Mastodon extracts one for counting: only with its scheme (bare domains count as typed).
URL = regex.compile(r"(?<![\w/@.:-])https?://[^\s<>\"]+", regex.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\")]}"
# Mastodon's mention: @user or @user@domain, not inside a word, a URL path or after "=".
MENTION = regex.compile(
    r"(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?", regex.IGNORECASE
)
_GRAPHEME = regex.compile(r"\X")


def grapheme_count(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
            end -= 1
        if end - start > len("https://"):
            spans.append((start, end))
    return spans


def _rewrite(text: str, url: str | None) -> str:
    """``text`` with each mention as ``@user``, and each link replaced by ``url`` (None: kept)."""
    pieces = []
    position = 0
    for start, end in url_spans(text):
        pieces.append(_local_mentions(text[position:start]))
        pieces.append(text[start:end] if url is None else url)
        position = end
    pieces.append(_local_mentions(text[position:]))
    return "".join(pieces)


def _local_mentions(text: str) -> str:
    return MENTION.sub(lambda match: f"@{match['user']}", text)


def status_length(text: str, *, spoiler_text: str = "", url_weight: int) -> int:
    """How many characters Mastodon counts for a status with this text and content warning."""
    return grapheme_count(spoiler_text) + grapheme_count(_rewrite(text, "x" * url_weight))


class _TextOfHtml(HTMLParser):
    """The visible text of a status's HTML; paragraphs and line breaks become whitespace."""

    BREAKS = frozenset({"br", "p"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        self.parts.append(data)


def shown_text(content_html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(content_html or "")
    parser.close()
    return normalize_text("".join(parser.parts))


def is_same_status_text(content_html: str, sent: str) -> bool:
    """Whether a listed status (its HTML ``content``) shows the text that was sent."""
    return shown_text(content_html) == normalize_text(_rewrite(sent, None))
