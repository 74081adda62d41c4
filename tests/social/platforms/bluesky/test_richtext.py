"""Bluesky's rich text: lengths in grapheme clusters and UTF-8 bytes, and facets at byte offsets."""

from __future__ import annotations

import pytest

from social.platforms.bluesky.richtext import Span
from social.platforms.bluesky.richtext import facets
from social.platforms.bluesky.richtext import find_spans
from social.platforms.bluesky.richtext import first_link
from social.platforms.bluesky.richtext import grapheme_count
from social.platforms.bluesky.richtext import mentioned_handles
from social.platforms.bluesky.richtext import utf8_length


def covered(text: str, facet: dict) -> str:
    """The text a facet's byte range covers."""
    index = facet["index"]
    return text.encode()[index["byteStart"] : index["byteEnd"]].decode()


@pytest.mark.parametrize(
    ("text", "graphemes", "size"),
    [
        ("hello", 5, 5),
        ("é", 1, 2),  # precomposed
        ("e\u0301", 1, 3),  # e + combining acute: one grapheme
        ("👍🏽", 1, 8),  # emoji with a skin tone
        ("👩‍👩‍👧‍👦", 1, 25),  # a ZWJ family
        ("🇫🇷🇩🇪", 2, 16),  # two flags
        ("日本語", 3, 9),
        ("a\r\nb", 3, 4),  # CR LF is one cluster
    ],
)
def test_lengths__graphemes_and_utf8_bytes(text, graphemes, size):
    assert (grapheme_count(text), utf8_length(text)) == (graphemes, size)


def test_lengths__a_lone_surrogate_cannot_be_encoded():
    assert utf8_length("bad \ud83d text") is None


def test_facets__a_link_after_emoji_and_cjk_is_at_its_byte_offsets():
    text = "新着 👩‍💻 read https://example.com/a?b=1 now"

    [link] = facets(text, {})

    start = len("新着 👩‍💻 read ".encode())
    assert link == {
        "index": {"byteStart": start, "byteEnd": start + len("https://example.com/a?b=1")},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a?b=1"}],
    }
    assert covered(text, link) == "https://example.com/a?b=1"
    assert start != text.index("https")  # characters and bytes differ here


@pytest.mark.parametrize(
    ("text", "linked", "uri"),
    [
        ("see example.com/page.", "example.com/page", "https://example.com/page"),
        ("(see https://example.com/x)", "https://example.com/x", "https://example.com/x"),
        ("wiki https://en.wikipedia.org/wiki/Tea_(meal)", "https://en.wikipedia.org/wiki/Tea_(meal)", None),
        ("Go to HTTPS://EXAMPLE.COM!", "HTTPS://EXAMPLE.COM", None),
        ("shop.example.co.uk, today", "shop.example.co.uk", "https://shop.example.co.uk"),
    ],
)
def test_facets__links_lose_trailing_punctuation_and_bare_domains_get_https(text, linked, uri):
    [link] = facets(text, {})

    assert covered(text, link) == linked
    assert link["features"][0]["uri"] == (uri or linked)


@pytest.mark.parametrize("text", ["e.g. this", "in Node.js", "mail bob@example.com", "a.b", "v1.2.3"])
def test_facets__no_link_without_a_real_top_level_domain_or_after_an_at_sign(text):
    assert [span for span in find_spans(text) if span.kind == "link"] == []


def test_facets__mentions_become_facets_only_once_resolved():
    text = "Hi @Alice.bsky.social and @nobody.example.com, (@bob.test)!"
    dids = {"alice.bsky.social": "did:plc:alice123", "bob.test": "did:plc:bob456"}

    found = facets(text, dids)

    assert [(covered(text, facet), facet["features"]) for facet in found] == [
        ("@Alice.bsky.social", [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice123"}]),
        ("@bob.test", [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob456"}]),
    ]
    assert mentioned_handles(text) == ["alice.bsky.social", "nobody.example.com", "bob.test"]


def test_facets__an_at_sign_without_a_handle_is_no_mention():
    assert mentioned_handles("email me @ home, or @someone, or a@b.com") == []


def test_facets__hashtags_at_byte_offsets_without_the_hash():
    text = "🎉 #launch day! #日本 #100 #v2, \uff03wide #end."

    found = facets(text, {})

    assert [(covered(text, facet), facet["features"][0]["tag"]) for facet in found] == [
        ("#launch", "launch"),
        ("#日本", "日本"),
        ("#v2", "v2"),
        ("\uff03wide", "wide"),
        ("#end", "end"),
    ]
    assert all(facet["features"][0]["$type"] == "app.bsky.richtext.facet#tag" for facet in found)


def test_facets__no_hashtag_inside_a_word_or_a_link():
    text = "issue#12 https://example.com/#anchor"

    assert [span.kind for span in find_spans(text)] == ["link"]


def test_facets__a_tag_of_more_than_64_graphemes_is_text():
    assert find_spans("#" + "a" * 64) == [Span("tag", 0, 65, "a" * 64)]
    assert find_spans("#" + "a" * 65) == []


def test_facets__links_mentions_and_tags_in_text_order():
    text = "#news from @acme.com: acme.com/blog"

    found = facets(text, {"acme.com": "did:web:acme.com"})

    assert [covered(text, facet) for facet in found] == ["#news", "@acme.com", "acme.com/blog"]
    assert first_link(text) == "https://acme.com/blog"
    assert first_link("no links here") is None
