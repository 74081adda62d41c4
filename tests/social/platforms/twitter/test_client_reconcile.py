"""The X client's reconciliation: a post in doubt looked up on the account's timeline."""

from __future__ import annotations

import pytest
import requests
from responses import matchers

from social.platforms import CannotTell
from social.platforms import Found
from social.platforms import NotFound
from social.platforms.twitter.client import same_post_text

from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import with_headers
from .wire import API

# --- Reconciliation -----------------------------------------------------------------------------------

TIMELINE = f"{API}/2/users/2244994945/tweets"


def timeline_query(**extra: str):
    return matchers.query_param_matcher(
        {
            "start_time": "2025-03-01T11:58:00Z",
            "max_results": "100",
            "tweet.fields": "created_at,text",
            "exclude": "retweets,replies",
            **extra,
        }
    )


def test_reconcile__found_by_text_with_tco_links(client, mocked):
    sent = payload("Launch day & more: https://example.com/launch", image())
    mocked.get(
        TIMELINE,
        match=[timeline_query(), with_headers()],
        json={
            "data": [
                {"id": "1", "text": "Something else", "created_at": "2025-03-01T12:00:01.000Z"},
                {
                    "id": "2",
                    "text": "Launch day &amp; more: https://t.co/abc https://t.co/media1",
                    "created_at": "2025-03-01T12:00:02.000Z",
                },
            ],
            "meta": {"result_count": 2},
        },
    )

    assert client.reconcile(in_doubt(sent)) == Found("2", "https://x.com/janedoe/status/2")


def test_reconcile__follows_the_next_page(client, mocked):
    mocked.get(
        TIMELINE,
        match=[timeline_query()],
        json={"data": [{"id": "1", "text": "no"}], "meta": {"next_token": "N1"}},
    )
    mocked.get(
        TIMELINE,
        match=[timeline_query(pagination_token="N1")],
        json={"data": [{"id": "3", "text": "hello"}], "meta": {}},
    )

    assert client.reconcile(in_doubt(payload("hello"))).platform_post_id == "3"


def test_reconcile__not_found_when_the_listing_lacks_it(client, mocked):
    mocked.get(TIMELINE, json={"meta": {"result_count": 0}})

    assert isinstance(client.reconcile(in_doubt(payload("hello"))), NotFound)


@pytest.mark.parametrize(
    "response",
    [
        json_error(429, {"title": "Too Many Requests", "status": 429}),
        {"status": 503, "body": "<html>down</html>"},
        {"status": 200, "body": "<html>not json</html>"},
        {"body": requests.ReadTimeout("slow")},
    ],
    ids=["429", "503", "html", "timeout"],
)
def test_reconcile__cannot_tell_when_the_lookup_fails(client, mocked, response):
    mocked.get(TIMELINE, **response)

    assert isinstance(client.reconcile(in_doubt(payload("hello"))), CannotTell)


def test_reconcile__cannot_tell_a_post_without_text(client, mocked):
    assert isinstance(client.reconcile(in_doubt(payload("", image()))), CannotTell)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("listed", "sent", "same"),
    [
        ("hello https://t.co/x", "hello", True),
        ("hello world", "hello", False),
        ("hello", "hello world", False),
        ("read https://t.co/a now", "read https://example.com/a now", True),
        ("a &lt;b&gt;", "a <b>", True),
    ],
)
def test_same_post_text(listed, sent, same):
    assert same_post_text(listed, sent) is same
