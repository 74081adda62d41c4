"""How Threads counts a post's text against its 500-character limit.

Meta's reference for ``POST /{threads-user-id}/threads`` says: "For the post character limit, emojis are
counted as the number of UTF-8 bytes." So an emoji costs 4 (most), a flag 8, a family of three joined by
zero-width joiners 18. Every other character costs 1, counted as a code point: Meta says nothing more, so
that part is our reading, not a documented rule (a decomposed "é" costs 2, as it would in most counts that
are not grapheme-aware). An emoji is a grapheme cluster shown as an emoji: one with a
character whose default presentation is emoji, a text-style pictograph made emoji by U+FE0F, a keycap
(U+20E3) or a flag (regional indicators). Text-style symbols (a bare "©", "❤") count as characters.
"""

from __future__ import annotations

import regex

_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(
    r"\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\u20E3|\p{Regional_Indicator}"
)


def threads_text_length(text: str) -> int:
    """The length of ``text`` as Threads counts it: emoji as their UTF-8 bytes, other characters as one."""
    length = 0
    for cluster in _GRAPHEME.findall(text):
        length += len(cluster.encode("utf-8")) if _EMOJI.search(cluster) else len(cluster)
    return length
