"""Counting as Threads does: emoji as their UTF-8 bytes (Meta's reference), every other character as one."""

from __future__ import annotations

import pytest

from social.platforms.threads.text import threads_text_length


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("", 0),
        ("Hello", 5),
        ("日本語のテキスト", 8),  # wide characters are characters, not bytes
        ("café", 4),
        ("🧵", 4),
        ("Thread 🧵!", 12),
        ("👍🏽", 8),  # a skin tone modifier is part of the emoji's bytes
        ("👨‍👩‍👧", 18),  # three emoji joined by two zero-width joiners: 4 + 3 + 4 + 3 + 4
        ("🇯🇵", 8),  # a flag: two regional indicators
        ("1️⃣", 7),  # a keycap: "1", U+FE0F, U+20E3
        ("❤️", 6),  # a text-style pictograph shown as emoji by U+FE0F
        ("❤", 1),  # the same without U+FE0F is a text symbol
        ("© 2026", 6),
        ("e\u0301", 2),  # a decomposed accent: two code points
    ],
)
def test_threads_text_length(text, length):
    assert threads_text_length(text) == length
