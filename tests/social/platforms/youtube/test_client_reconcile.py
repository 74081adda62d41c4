"""The YouTube client's reconciliation: the saved upload session asked how far it got."""

from __future__ import annotations

import pytest
import requests

from social.platforms import CannotTell
from social.platforms import Found
from social.platforms import NotFound

from ..helpers import in_doubt
from ..helpers import with_headers
from .wire import CHUNK
from .wire import SESSION
from .wire import TOTAL
from .wire import VIDEO_ID
from .wire import incomplete
from .wire import upload

# --- Reconciliation -----------------------------------------------------------------------------------


def probe(mocked, **response) -> None:
    mocked.put(
        SESSION,
        match=[with_headers({"Content-Range": f"bytes */{TOTAL}", "Content-Length": "0"})],
        **response,
    )


def attempt(**state):
    return in_doubt(upload(), **({"upload_url": SESSION, "total_bytes": TOTAL} | state))


@pytest.mark.parametrize("status", [200, 201])
def test_reconcile__a_complete_upload_is_found(client, mocked, status):
    probe(mocked, status=status, json={"id": VIDEO_ID, "kind": "youtube#video"})

    assert client.reconcile(attempt()) == Found(VIDEO_ID, f"https://www.youtube.com/watch?v={VIDEO_ID}")


@pytest.mark.parametrize(
    "response",
    [
        incomplete(CHUNK - 1),
        {"status": 308, "body": ""},
        {"status": 404, "body": ""},
        {"status": 410, "body": ""},
    ],
    ids=["308-partial", "308-nothing", "404", "410"],
)
def test_reconcile__an_incomplete_or_expired_upload_is_not_found(client, mocked, response):
    probe(mocked, **response)

    assert isinstance(client.reconcile(attempt()), NotFound)


@pytest.mark.parametrize(
    "response",
    [
        {"status": 500, "body": ""},
        {"status": 401, "body": ""},
        {"body": requests.ReadTimeout()},
        {"status": 200, "body": "<html>"},
    ],
    ids=["500", "401", "timeout", "no-id"],
)
def test_reconcile__cannot_tell_otherwise(client, mocked, response):
    probe(mocked, **response)

    assert isinstance(client.reconcile(attempt()), CannotTell)


def test_reconcile__no_saved_session_means_no_byte_was_sent(client, mocked):
    assert isinstance(client.reconcile(in_doubt(upload())), NotFound)
    assert len(mocked.calls) == 0
