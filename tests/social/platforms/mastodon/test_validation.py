"""What a Mastodon status may be, checked before any call: counted as Mastodon counts, against the limits of
the account's own server (cached on the account), with messages naming Mastodon."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from social.models import Platform
from social.models import SocialAccount
from social.platforms import MediaItem
from social.platforms import PublishPayload
from social.platforms import validation_problems
from social.platforms.mastodon.text import is_same_status_text
from social.platforms.mastodon.text import shown_text
from social.platforms.mastodon.text import status_length

URL = "https://example.com/a/very/long/path/that/goes/on/and/on/and/on/for/a/while?with=query"


def account(**limits) -> SocialAccount:
    extra = {"server_url": "https://mastodon.example", "username": "acme"}
    if limits:
        extra["instance"] = {"fetched_at": datetime.now(UTC).isoformat(), **limits}
    return SocialAccount(platform=Platform.MASTODON, external_id="109@mastodon.example", extra=extra)


def problems(payload: PublishPayload, **limits) -> list[str]:
    return validation_problems(account(**limits), payload)


@pytest.mark.parametrize(
    ("text", "spoiler_text", "expected"),
    [
        ("hello", "", 5),
        (f"see {URL}", "", 4 + 23),  # a link counts 23 whatever its length
        ("see example.com/a/long/path", "", 27),  # without a scheme it counts as typed
        ("hi @gargron@mastodon.social!", "", len("hi @gargron!")),  # a remote mention counts as @user
        ("hi @gargron", "", 11),
        ("mail me at someone@example.com", "", 30),  # an address is not a mention
        ("👍🏽👨‍👩‍👧🇩🇪", "", 3),  # an emoji with its skin tone, a family, a flag: one each
        ("e\u0301", "", 1),  # e + combining acute accent: one character
        ("body", "CW: spoilers", 4 + 12),  # the content warning counts too
        (f"{URL}.", "", 24),  # trailing punctuation is not part of the link
    ],
)
def test_status_length__counts_as_mastodon_does(text, spoiler_text, expected):
    assert status_length(text, spoiler_text=spoiler_text, url_weight=23) == expected


def test_validate__the_default_limit_applies_until_the_server_says_otherwise():
    assert problems(PublishPayload(text="a" * 500)) == []
    assert problems(PublishPayload(text="a" * 501)) == [
        "Mastodon: 501 characters as Mastodon counts them (links 23, @user@domain as @user, the content "
        "warning included), the limit on mastodon.example is 500"
    ]


def test_validate__the_servers_own_limit_and_url_weight_are_used():
    text = "a" * 950 + f" {URL}"
    assert problems(PublishPayload(text=text), max_characters=1000, characters_reserved_per_url=40) == []
    [problem] = problems(
        PublishPayload(text=text + " " + "b" * 9), max_characters=1000, characters_reserved_per_url=40
    )
    assert "1,001 characters" in problem and "links 40" in problem and "is 1,000" in problem


def test_validate__the_content_warning_counts_toward_the_limit():
    [problem] = problems(PublishPayload(text="a" * 495, options={"spoiler_text": "Food!!"}))
    assert "501 characters" in problem


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"visibility": "friends"}, "visibility 'friends' is not one of public, unlisted, private, direct"),
        ({"language": "English"}, "language 'English' is not an ISO 639-1 code"),
        ({"spoiler_text": ["a"]}, "content warning (spoiler_text) must be text"),
    ],
)
def test_validate__options_the_client_refuses(options, words):
    assert [problem for problem in problems(PublishPayload(text="hi", options=options)) if words in problem]


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct", ""])
def test_validate__every_visibility_is_accepted(visibility):
    assert problems(PublishPayload(text="hi", options={"visibility": visibility, "language": "de"})) == []


def test_validate__media_rules_come_from_the_server():
    photo = MediaItem(url="https://cdn.example.com/a.jpg", type="image", alt_text="x" * 11)
    clip = MediaItem(url="https://cdn.example.com/a.mp4", type="video")

    assert problems(PublishPayload(text="", media=(photo,) * 4)) == []
    found = problems(
        PublishPayload(text="", media=(photo, photo, clip)), max_media_attachments=2, description_limit=10
    )
    assert found == [
        "Mastodon: the alt text of media 1 has 11 characters, the limit is 10",
        "Mastodon: the alt text of media 2 has 11 characters, the limit is 10",
        "Mastodon: 3 media items, the limit is 2",
        "Mastodon: a video must be the status's only media item",
    ]
    assert problems(PublishPayload(text="", media=(MediaItem(url="ftp://x/y", type="audio"),))) == [
        "Mastodon: media 1 is a audio; Mastodon takes images, GIFs and videos",
        "Mastodon: media 1 needs an http(s) URL",
    ]
    assert problems(PublishPayload(text=" ")) == ["Mastodon: the post has no text and no media"]


def test_shown_text__is_what_a_reader_sees_of_mastodons_html():
    html = (
        '<p>Hi <span class="h-card"><a href="https://o.example/@bob" class="u-url mention">@<span>bob</span></a>'
        '</span> &amp; <a href="https://t.example/tags/x" class="mention hashtag">#<span>x</span></a></p>'
        "<p>line one<br />line two</p>"
    )
    assert shown_text(html) == "Hi @bob & #x line one line two"
    assert is_same_status_text(html, "Hi @bob@o.example & #x\n\nline one\nline two")
    assert not is_same_status_text(html, "Hi @bob & #x")
