"""The small API the product uses (the X client, later the post form's live counter)."""

from __future__ import annotations

from social.platforms.twitter.twitter_text import LONG_POST_MAX_WEIGHTED_LENGTH
from social.platforms.twitter.twitter_text import ParseResult
from social.platforms.twitter.twitter_text import invalid_characters
from social.platforms.twitter.twitter_text import parse_tweet
from social.platforms.twitter.twitter_text import url_spans
from social.platforms.twitter.twitter_text import weighted_length


def test_parse_tweet__reports_the_limit_it_was_checked_against():
    assert parse_tweet("a" * 281) == ParseResult(
        weighted_length=281,
        valid=False,
        permillage=1003,
        valid_range_start=0,
        valid_range_end=279,
        display_range_start=0,
        display_range_end=280,
        max_weighted_length=280,
    )
    assert parse_tweet("a" * 281).over_limit
    long_post = parse_tweet("a" * 281, max_weighted_length=LONG_POST_MAX_WEIGHTED_LENGTH)
    assert (long_post.valid, long_post.over_limit, long_post.permillage) == (True, False, 11)


def test_parse_tweet__ranges_are_utf16_indices_of_the_text_as_given():
    # 139 emoji (2 code units each) then one more: the overflow starts at code unit 278.
    result = parse_tweet("😀" * 141)

    assert (result.weighted_length, result.valid_range_end, result.display_range_end) == (282, 279, 281)


def test_weighted_length__is_parse_tweets():
    assert weighted_length("Read https://example.com/news 🎉") == 5 + 23 + 1 + 2


def test_url_spans__are_code_point_indices_into_the_nfc_text():
    text = "😀 see example.com/a and 日本https://x.com 👍 bbc.co.uk"

    assert [text[start:end] for start, end in url_spans(text)] == [
        "example.com/a",
        "https://x.com",
        "bbc.co.uk",
    ]


def test_url_spans__after_nfc():
    text = "cafe\u0301 https://example.com"

    assert url_spans(text) == [(5, 24)]


def test_invalid_characters__each_once_in_order():
    assert invalid_characters("a\uffffb\ufeffc\uffff") == ["\uffff", "\ufeff"]
    assert invalid_characters("no trouble \ufffd here") == []
