"""The scenarios of cross_posting.feature: one post through the real publisher to the simulated X, Mastodon
and Bluesky, with each platform's create request checked as it left the product, at the wire."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from pytest_bdd import scenarios
from pytest_bdd import then

from social.models import Platform
from social.models import SocialAccount

from .platforms import SimulatedPlatforms
from .story import Story

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("cross_posting.feature")


def the_create_request(platforms: SimulatedPlatforms, account: SocialAccount, path: str):
    """The one create call sent for ``account`` to ``path``, as JSON with the account's bearer token, and its
    JSON body."""
    sent = [
        call.request
        for call in platforms.mock.calls
        if call.request.method == "POST" and urlsplit(call.request.url).path == path
    ]
    assert len(sent) == 1, [request.url for request in sent]
    [request] = sent
    assert request.headers["Authorization"] == f"Bearer {account.access_token}"
    assert request.headers["Content-Type"] == "application/json"
    return request, json.loads(request.body)


@then("X, Mastodon and Bluesky were each asked once for the post, in their own request shape")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    text = story.the_post().content
    accounts = {account.platform: account for account in story.accounts.values()}

    _, tweet = the_create_request(platforms, accounts[Platform.TWITTER], "/2/tweets")
    assert tweet == {"text": text}

    mastodon = accounts[Platform.MASTODON]
    request, status = the_create_request(platforms, mastodon, "/api/v1/statuses")
    assert request.url.startswith(mastodon.extra["server_url"] + "/")  # the account's own server
    assert request.headers["Idempotency-Key"] and status["status"] == text

    bluesky = accounts[Platform.BLUESKY]
    _, record = the_create_request(platforms, bluesky, "/xrpc/com.atproto.repo.createRecord")
    assert (record["repo"], record["collection"]) == (bluesky.external_id, "app.bsky.feed.post")
    assert record["rkey"] and record["record"]["text"] == text
    assert record["record"]["$type"] == "app.bsky.feed.post"
