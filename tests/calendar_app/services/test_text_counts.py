"""The composer's counts come from the real clients: what they count is what their validation refuses."""

from __future__ import annotations

import pytest
import responses
from django.core.exceptions import ValidationError

from calendar_app.services.text_counts import MAX_COUNTED_TEXT
from calendar_app.services.text_counts import post_text_counts
from social.models import Platform
from social.platforms import MediaItem
from social.platforms import PublishPayload
from social.platforms import client_for
from social.platforms import platform_specs

from ..factories import make_account

pytestmark = pytest.mark.django_db

LINK = "https://example.com/a/very/long/path/that/x/counts/as/twenty-three/characters"
MASTODON_SERVER = {"server_url": "https://fosstodon.example"}


def counts_of(content: str, *accounts, metadata=None):
    return post_text_counts(
        content=content, metadata=metadata, account_ids=[account.pk for account in accounts]
    )


def only(counts):
    assert len(counts) == 1, counts
    return counts[0]


def test_post_text_counts__x_counts_every_link_as_23_and_turns_over_past_280(user):
    account = make_account(user, platform=Platform.TWITTER, name="@acme")
    eleven_links = " ".join([LINK] * 11)  # 11 x 23 + 10 spaces = 263
    within = only(counts_of(eleven_links + " " + "a" * 16, account))  # 280
    assert (within.count, within.limit, within.over, within.problems) == (280, 280, False, ())
    over = only(counts_of(eleven_links + " " + "a" * 17, account))
    assert (over.count, over.over) == (281, True)
    assert over.problems == (
        "281 characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 (25,000 if "
        "the account has X Premium and long posts turned on)",
    )
    links = [segment for segment in over.segments if segment.is_link]
    assert [(segment.text, segment.weight) for segment in links] == [(LINK, 23)] * 11
    assert "".join(segment.text for segment in over.segments) == eleven_links + " " + "a" * 17
    assert over.as_json()["preview"]["segments"][0] == {"text": LINK, "link": True, "weight": 23}


def test_post_text_counts__an_x_account_with_long_posts_counts_against_25000(user):
    plain = make_account(user, platform=Platform.TWITTER, name="@plain")
    premium = make_account(user, platform=Platform.TWITTER, name="@premium", long_posts=True)
    other_plain = make_account(user, platform=Platform.TWITTER, name="@another")
    counts = counts_of("a" * 300, plain, premium, other_plain)
    assert [(count.accounts, count.limit, count.over) for count in counts] == [
        (("@another", "@plain"), 280, True),
        (("@premium",), 25_000, False),
    ]


def test_post_text_counts__bluesky_counts_graphemes_and_notes_the_link_card(user):
    account = make_account(user, platform=Platform.BLUESKY, name="acme.bsky.social")
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme, five code points
    count = only(counts_of(f"{family} read example.com/news", account))
    assert (count.count, count.limit, count.unit) == (
        23,
        300,
        "characters (graphemes, as Bluesky counts them)",
    )
    assert [(segment.text, segment.weight) for segment in count.segments if segment.is_link] == [
        ("example.com/news", None)
    ]
    assert count.notes == (
        "Bluesky shows a link card for https://example.com/news: its title, description and image are read "
        "from the page when the post goes out (no card if the page has none).",
    )
    with_image = only(
        counts_of(
            "read example.com/news",
            account,
            metadata={"media": [{"url": "https://cdn.example.com/a.jpg", "type": "image"}]},
        )
    )
    assert with_image.notes == ()
    assert with_image.media == (MediaItem(url="https://cdn.example.com/a.jpg", type="image"),)


def test_post_text_counts__mastodon_uses_the_server_s_cached_limit_and_url_weight(user):
    account = make_account(
        user,
        platform=Platform.MASTODON,
        name="@acme@fosstodon.example",
        extra={**MASTODON_SERVER, "instance": {"max_characters": 1000, "characters_reserved_per_url": 30}},
    )
    count = only(counts_of(f"{LINK} " + "a" * 970, account))
    assert (count.count, count.limit, count.over) == (1001, 1000, True)
    assert [segment.weight for segment in count.segments if segment.is_link] == [30]
    assert count.problems[0].startswith("1,001 characters as Mastodon counts them (links 30,")
    assert count.problems[0].endswith("the limit on fosstodon.example is 1,000")


def test_post_text_counts__linkedin_counts_3000_characters(user):
    account = make_account(
        user, platform=Platform.LINKEDIN, name="Acme Inc.", extra={"author_urn": "urn:li:organization:1"}
    )
    count = only(counts_of("a" * 3001, account))
    assert (count.count, count.limit, count.over, count.problems) == (
        3001,
        3000,
        True,
        ("3,001 characters, the limit is 3,000",),
    )


def test_post_text_counts__each_platform_counts_its_own_text(user):
    x = make_account(user, platform=Platform.TWITTER, name="@acme")
    linkedin = make_account(user, platform=Platform.LINKEDIN, name="Acme Inc.")
    metadata = {"platforms": {"TWITTER": {"content": "Short for X"}}}
    counts = counts_of("a" * 400, x, linkedin, metadata=metadata)
    assert [(count.platform, count.count, "".join(s.text for s in count.segments)) for count in counts] == [
        ("TWITTER", 11, "Short for X"),
        ("LINKEDIN", 400, "a" * 400),
    ]


def test_post_text_counts__reads_the_accounts_once_and_calls_no_platform(user, django_assert_max_num_queries):
    accounts = [
        make_account(user, platform=Platform.TWITTER),
        make_account(user, platform=Platform.BLUESKY),
        make_account(user, platform=Platform.MASTODON, extra=MASTODON_SERVER),
        make_account(user, platform=Platform.LINKEDIN),
    ]
    # Any HTTP call would fail: none is registered (a stale Mastodon limit is not read again here).
    with responses.RequestsMock(), django_assert_max_num_queries(1):
        counts = counts_of(f"Read {LINK}", *accounts)
    assert {count.platform for count in counts} == {"TWITTER", "BLUESKY", "MASTODON", "LINKEDIN"}


def test_post_text_counts__refuses_metadata_of_the_wrong_shape_and_huge_texts(user):
    account = make_account(user)
    with pytest.raises(ValidationError, match="must be an object"):
        counts_of("Hi", account, metadata={"platforms": {"TWITTER": "text"}})
    with pytest.raises(ValidationError, match="at most 100,000 are counted"):
        counts_of("a" * (MAX_COUNTED_TEXT + 1), account)


@pytest.mark.parametrize("spec", platform_specs(), ids=lambda spec: spec.platform)
def test_text_count__over_the_limit_exactly_when_validation_refuses_the_length(user, spec):
    """Every platform's count and its validation agree at the limit: the counter cannot say green for a
    text the save refuses, nor red for one it takes."""
    account = make_account(user, platform=spec.platform, extra=MASTODON_SERVER)
    client = client_for(account)
    limit = client.text_count(PublishPayload(text="")).limit
    assert limit is not None, (
        f"{spec.platform}: a platform's spec declares its text limit (limits.text_length)"
    )
    assert limit == spec.limits.text_length or spec.platform in ("TWITTER", "MASTODON")

    def length_refused(text: str) -> bool:
        problems = client.validate(PublishPayload(text=text, options={"title": "A title"}))
        return any(f"the limit is {limit:,}" in problem or f"is {limit:,}" in problem for problem in problems)

    for text in ("a" * limit, "a" * (limit + 1), f"{LINK} " + "a" * (limit - 24), f"{LINK} " + "a" * limit):
        count = client.text_count(PublishPayload(text=text))
        assert count.over == length_refused(text), (spec.platform, count.count, limit)
