"""The X client's validation at each limit's edge, counted as X counts."""

from __future__ import annotations

import pytest

from social.models import Platform
from social.platforms import MediaItem
from social.platforms.twitter.client import TwitterClient
from social.platforms.twitter.twitter_text import weighted_length

from ..helpers import VIDEO_URL
from ..helpers import image
from ..helpers import payload
from ..helpers import video

# --- Validation at each limit's edge ------------------------------------------------------------------

LONG_URL = "https://example.com/" + "path/" * 30


def over_280(x_counts: int) -> str:
    return (
        f"{x_counts} characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 "
        "(25,000 if the account has X Premium and long posts turned on)"
    )


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 280, 280),
        ("日" * 140, 280),
        ("a" * 256 + " " + LONG_URL, 280),
        ("👨\u200d👩\u200d👧\u200d👦" * 140, 280),  # a family emoji is one sequence of 7 code points
        ("👍🏽" * 140, 280),
        ("é" * 280, 280),
        ("e\u0301" * 280, 280),  # counted after NFC, as é
        ("visit example.com today", 6 + 23 + 6),
        ("bit.ly/x1 and file.py", 23 + 5 + 23),  # .py is Paraguay's TLD: X links file.py too
    ],
)
def test_weighted_length__counts_as_x_does(text, length):
    assert weighted_length(text) == length


@pytest.mark.parametrize(
    "text",
    ["a" * 280, "日" * 140, "a" * 256 + " " + LONG_URL, "👨\u200d👩\u200d👧\u200d👦" * 140],
    ids=["ascii", "cjk", "url", "emoji"],
)
def test_validate__at_280_passes(client, text):
    assert client.validate(payload(text)) == []


@pytest.mark.parametrize(
    "text",
    ["a" * 281, "日" * 140 + "a", "a" * 257 + " " + LONG_URL, "👨\u200d👩\u200d👧\u200d👦" * 140 + "a"],
    ids=["ascii", "cjk", "url", "emoji"],
)
def test_validate__at_281_fails(client, text):
    assert client.validate(payload(text)) == [over_280(281)]


@pytest.mark.parametrize(
    ("text", "x_counts"),
    [
        ("a" * 262 + " example.de", 286),  # a bare ccTLD domain is a link
        ("a" * 262 + " shop.club", 286),  # so is one with any gTLD in twitter-text's list
        ("詳細はこちら https://example.com/news" + "日本語" * 70, 456),  # the link ends before the CJK
    ],
    ids=["bare-cctld", "bare-new-gtld", "cjk-after-url"],
)
def test_validate__refuses_what_x_counts_over_280(client, text, x_counts):
    assert client.validate(payload(text)) == [over_280(x_counts)]


@pytest.mark.parametrize(
    "text",
    ["a" * 256 + " https://en.wikipedia.org/wiki/Foo_(bar)", "a" * 256 + " bbc.co.uk"],
    ids=["parentheses-in-the-link", "second-level-cctld"],
)
def test_validate__accepts_what_x_counts_as_280(client, text):
    assert client.validate(payload(text)) == []


@pytest.mark.parametrize(
    ("text", "codes", "pronoun"),
    [
        ("\ufeffhello", "U+FEFF", "it"),
        ("hello\uffff", "U+FFFF", "it"),
        ("a\ufffeb\ufeffc\ufffe", "U+FFFE, U+FEFF", "them"),
    ],
    ids=["byte-order-mark", "non-character", "several"],
)
def test_validate__refuses_characters_x_refuses(client, text, codes, pronoun):
    assert client.validate(payload(text)) == [
        f"the text contains {codes}, which X refuses (an invisible character, often pasted in from "
        f"another app); remove {pronoun}"
    ]


def test_validate__long_posts_allow_25000_for_an_x_premium_account(make_account):
    account = make_account(Platform.TWITTER, external_id="77", long_posts=True)
    client = TwitterClient(account)

    assert client.validate(payload("a" * 25_000)) == []
    assert client.validate(payload("日" * 12_500 + " https://example.com/" + "a" * 100)) == [
        "25,024 characters as X counts them (links 23, emoji and wide characters 2), the limit is 25,000"
    ]


def test_validate__long_posts_is_only_a_true_flag(make_account):
    client = TwitterClient(make_account(Platform.TWITTER, external_id="78", long_posts="yes"))

    assert client.validate(payload("a" * 281))[0].startswith("281 characters as X counts them")


def test_validate__media_limits(client):
    gif = MediaItem(url="https://cdn.example.com/a.gif", type="gif")
    assert client.validate(payload("", *[image()] * 4)) == []
    assert client.validate(payload("", *[image()] * 5)) == ["5 images, the limit is 4"]
    assert client.validate(payload("", gif)) == []
    assert client.validate(payload("", video(), image())) == [
        "a GIF or a video must be the post's only media item"
    ]
    assert client.validate(payload("")) == ["the post has no text and no media"]
    assert client.validate(payload("x", MediaItem(url="ftp://a/b.pdf", type="document"))) == [
        "media 1 is a document; X takes images, a GIF or a video",
        "media 1 needs an http(s) URL",
    ]


@pytest.mark.parametrize(
    ("size", "seconds", "problems"),
    [
        (512_000_000, 140.0, []),
        (512_000_001, 30.0, ["media 1 is 512.0 MB; X takes a video up to 512 MB"]),
        (1_000, 0.4, ["media 1 is a video of 0.4 s; X takes videos of 0.5 to 140 seconds"]),
        (1_000, 140.5, ["media 1 is a video of 140.5 s; X takes videos of 0.5 to 140 seconds"]),
        (None, None, []),  # a bare URL: its size is checked when downloaded, its length by X
    ],
    ids=["at-the-limits", "too-big", "too-short", "too-long", "unknown"],
)
def test_validate__a_video_whose_size_and_length_are_known(client, size, seconds, problems):
    item = MediaItem(url=VIDEO_URL, type="video", size_bytes=size, duration_seconds=seconds)
    assert client.validate(payload("clip", item)) == problems
