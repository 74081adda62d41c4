"""The scenarios of bluesky.feature: the real client and publisher against the simulated PDS."""

from __future__ import annotations

import pytest
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then

from bench.simulation import HoldCall
from bench.simulation.bluesky import BlueskyApi
from social.models import Platform
from social.models import SocialAccount
from social.platforms.bluesky import linkcard

from .platforms import SimulatedPlatforms
from .story import Story

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("bluesky.feature")

PUBLIC_ADDRESS = "93.184.215.14"
FEATURE_KINDS = {
    "link": "app.bsky.richtext.facet#link",
    "mention": "app.bsky.richtext.facet#mention",
    "tag": "app.bsky.richtext.facet#tag",
}


def pds(platforms: SimulatedPlatforms) -> BlueskyApi:
    return platforms.world.apis[Platform.BLUESKY]


def the_record(story: Story, platforms: SimulatedPlatforms) -> dict:
    [post] = platforms.posts_made(platform="Bluesky")
    assert post.text == story.the_post().content
    return pds(platforms).record_of(post.id)


@given(parsers.parse('the page "{url}" is titled "{title}"'))
def _(url: str, title: str, platforms: SimulatedPlatforms, monkeypatch) -> None:
    """A public page with its og: tags; its host resolves to a public address."""
    monkeypatch.setattr(linkcard, "resolve_addresses", lambda host, port: [PUBLIC_ADDRESS])
    html = f'<html><head><meta property="og:title" content="{title}"></head><body></body></html>'
    platforms.mock.add("GET", url, body=html, content_type="text/html; charset=utf-8")


@given("Bluesky makes the post but never answers")
def _(platforms: SimulatedPlatforms) -> None:
    platforms.answer_next("Bluesky", HoldCall(seconds=1.0, creates=True))


@given("Bluesky takes the post but never makes it nor answers")
def _(platforms: SimulatedPlatforms) -> None:
    platforms.answer_next("Bluesky", HoldCall(seconds=1.0, creates=False))


@given(parsers.parse('Bluesky no longer accepts the access token of "{name}"'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    platforms.forget_token(story.accounts[name])


@given(parsers.parse('Bluesky has revoked the session of "{name}"'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    """The app password was revoked: neither the access nor the refresh JWT works any more."""
    account = story.accounts[name]
    platforms.forget_token(account)
    assert platforms.world.spend_refresh_token(account.refresh_token) is not None


@then("Bluesky received it twice in all, the second time with the new access token")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    calls = platforms.received_by(platform="Bluesky", text=story.the_post().content)
    account = SocialAccount.objects.get(pk=story.the_post().accounts.get().pk)
    assert [call.accepted for call in calls] == [False, True]
    assert calls[-1].token == account.access_token != calls[0].token


@then(
    parsers.re(
        r'on Bluesky the post\'s facet for "(?P<text>[^"]+)" covers exactly its bytes and '
        r'(?:links to it|mentions "(?P<mentioned>[^"]+)"|is the tag "(?P<tag>[^"]+)")$'
    )
)
def _(text: str, mentioned: str | None, tag: str | None, story: Story, platforms: SimulatedPlatforms) -> None:
    record = the_record(story, platforms)
    encoded = record["text"].encode("utf-8")
    start = encoded.index(text.encode("utf-8"))
    [facet] = [facet for facet in record["facets"] if facet["index"]["byteStart"] == start]
    assert facet["index"] == {"byteStart": start, "byteEnd": start + len(text.encode("utf-8"))}
    assert start != record["text"].index(text)  # the text before it is not ASCII: bytes, not characters
    [feature] = facet["features"]
    if mentioned:
        did = SocialAccount.objects.get(platform=Platform.BLUESKY, name=mentioned).external_id
        assert feature == {"$type": FEATURE_KINDS["mention"], "did": did}
    elif tag:
        assert feature == {"$type": FEATURE_KINDS["tag"], "tag": tag}
    else:
        assert feature == {"$type": FEATURE_KINDS["link"], "uri": text}


@then(parsers.parse('on Bluesky the post has a link card titled "{title}"'))
def _(title: str, story: Story, platforms: SimulatedPlatforms) -> None:
    embed = the_record(story, platforms)["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    assert embed["external"]["title"] == title


@then("Bluesky has the post once")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    assert [post.text for post in platforms.posts_made(platform="Bluesky")] == [story.the_post().content]


@then(parsers.parse('Bluesky\'s session of "{name}" was refreshed once, with its refresh token'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    _, refresh_token = story.original_tokens[name]
    assert pds(platforms).refreshes == [refresh_token]
    account = SocialAccount.objects.get(pk=story.accounts[name].pk)
    assert account.refresh_token != refresh_token and account.token_expires_at > story.the_post().scheduled_at
