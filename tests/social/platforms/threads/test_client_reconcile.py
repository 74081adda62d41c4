"""The Threads client's reconciliation of a threads_publish whose outcome is unknown."""

from __future__ import annotations

import pytest

from social.platforms import CannotTell
from social.platforms import Found
from social.platforms import NotFound

from ..helpers import image
from ..helpers import in_doubt
from ..helpers import payload
from ..helpers import video
from ..helpers import when_the_container_cannot_be_read
from .wire import CONTAINER
from .wire import GRAPH
from .wire import ITEMS
from .wire import PERMALINK
from .wire import POST
from .wire import container_status
from .wire import recent_threads

# --- Reconciling a threads_publish whose outcome is unknown ------------------------------------------


def thread(post: str = POST, text: str = "Lunch is served", **fields: str) -> dict[str, str]:
    return {
        "id": post,
        "text": text,
        "media_type": "TEXT_POST",
        "permalink": PERMALINK,
        "timestamp": "2025-03-01T12:00:09+0000",
    } | fields


def test_reconcile__a_published_container_is_found_among_the_recent_threads(client, mocked):
    container_status(mocked, "PUBLISHED")
    recent_threads(
        mocked,
        thread("1", text="Lunch is served", timestamp="2025-02-01T12:00:00+0000"),  # an older twin
        thread("2", text="Lunch is served", media_type="IMAGE"),  # the same words, another kind of post
        thread(),
    )
    sent = payload("Lunch is served")

    assert client.reconcile(in_doubt(sent, stage="publishing", container_id=CONTAINER)) == Found(
        POST, PERMALINK
    )


def test_reconcile__the_search_starts_at_the_saved_publish_call(client, mocked):
    """A later run resumed it: the post is dated from the earlier run's publish call, not the attempt."""
    container_status(mocked, "PUBLISHED")
    recent_threads(mocked, thread(timestamp="2025-03-01T11:40:00+0000"))
    state = {
        "stage": "publishing",
        "container_id": CONTAINER,
        "publish_called_at": "2025-03-01T11:39:58+00:00",
    }

    assert client.reconcile(in_doubt(payload("Lunch is served"), **state)) == Found(POST, PERMALINK)


@pytest.mark.parametrize(
    "threads",
    [[], [thread(text="Dinner")], [thread("1"), thread("2")]],
    ids=["empty", "other-text", "two-alike"],
)
def test_reconcile__published_but_not_exactly_one_match_cannot_tell(client, mocked, threads):
    container_status(mocked, "PUBLISHED")
    recent_threads(mocked, *threads)

    answer = client.reconcile(
        in_doubt(payload("Lunch is served"), stage="publishing", container_id=CONTAINER)
    )

    assert isinstance(answer, CannotTell)


@pytest.mark.parametrize("status", ["FINISHED", "ERROR", "EXPIRED"])
def test_reconcile__a_container_not_published_after_the_call_is_not_found(client, mocked, status):
    container_status(mocked, status)

    answer = client.reconcile(in_doubt(payload("hi"), stage="publishing", container_id=CONTAINER))

    assert isinstance(answer, NotFound)


def test_reconcile__a_container_still_in_progress_after_the_call_cannot_tell(client, mocked):
    container_status(mocked, "IN_PROGRESS")

    answer = client.reconcile(in_doubt(payload("hi"), stage="publishing", container_id=CONTAINER))

    assert isinstance(answer, CannotTell) and "still publishing" in answer.reason


@pytest.mark.parametrize("status", ["IN_PROGRESS", "FINISHED"])
def test_reconcile__threads_publish_never_called_is_not_found(client, mocked, status):
    container_status(mocked, status)

    answer = client.reconcile(in_doubt(payload("hi"), stage="processing", container_id=CONTAINER))

    assert isinstance(answer, NotFound) and "never called" in answer.reason


def test_reconcile__no_container_means_nothing_was_published(client, mocked):
    assert isinstance(client.reconcile(in_doubt(payload("hi"))), NotFound)
    assert isinstance(
        client.reconcile(in_doubt(payload("hi", image(), video()), stage="items", children=ITEMS)), NotFound
    )
    assert len(mocked.calls) == 0


@when_the_container_cannot_be_read
def test_reconcile__cannot_tell_when_the_container_cannot_be_read(client, mocked, response):
    mocked.get(f"{GRAPH}/{CONTAINER}", **response)

    answer = client.reconcile(in_doubt(payload("hi"), stage="publishing", container_id=CONTAINER))

    assert isinstance(answer, CannotTell)
