"""The Threads client resuming a post a run left processing, from the containers it saved."""

from __future__ import annotations

import pytest

from social.platforms import ErrorKind
from social.platforms import PublishResult

from ..helpers import VIDEO_URL
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import still_processing
from ..helpers import video
from .wire import CAROUSEL
from .wire import CAROUSEL_POST
from .wire import CONTAINER
from .wire import CONTAINERS
from .wire import ITEMS
from .wire import PERMALINK
from .wire import POST
from .wire import container_created
from .wire import container_status
from .wire import permalink
from .wire import published
from .wire import recent_threads
from .wire import requested

# --- Resuming a post a run left processing ----------------------------------------------------------


def test_resume__a_finished_container_is_published_without_a_new_one(client, mocked, progress):
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    permalink(mocked)
    attempt = in_doubt(payload("Watch", video()), stage="processing", container_id=CONTAINER)

    assert client.resume(attempt) == PublishResult(POST, PERMALINK)
    assert not requested(mocked, "POST", CONTAINERS)


def test_resume__still_in_progress_raises_again(client, mocked, progress):
    container_status(mocked, "IN_PROGRESS")

    attempt = in_doubt(payload("Watch", video()), stage="processing", container_id=CONTAINER)

    assert still_processing(lambda: client.resume(attempt)).check_after == 30
    assert progress.saved == []


@pytest.mark.parametrize(
    ("status", "error_message", "words"),
    [
        (
            "ERROR",
            "FAILED_DOWNLOADING_VIDEO",
            "Threads could not process the post (FAILED_DOWNLOADING_VIDEO)",
        ),
        ("EXPIRED", "", "it was not published within 24 hours"),
    ],
)
def test_resume__a_failed_container_is_invalid_with_metas_words(client, mocked, status, error_message, words):
    container_status(mocked, status, error_message=error_message)
    attempt = in_doubt(payload("Watch", video()), stage="processing", container_id=CONTAINER)

    error = publish_error(lambda: client.resume(attempt))

    assert error.kind == ErrorKind.INVALID
    assert words in error.message


def test_resume__a_carousel_goes_on_from_its_items(client, mocked, progress):
    for item in ITEMS:
        container_status(mocked, "FINISHED", item)
    container_created(mocked, CAROUSEL, media_type="CAROUSEL", children=",".join(ITEMS), text="Our week")
    container_status(mocked, "IN_PROGRESS", CAROUSEL)
    attempt = in_doubt(CAROUSEL_POST, stage="items", children=ITEMS)

    still_processing(lambda: client.resume(attempt))

    assert progress.last == {"stage": "processing", "children": ITEMS, "container_id": CAROUSEL}


def test_resume__items_a_run_did_not_get_to_are_made_then(client, mocked, progress):
    container_created(mocked, ITEMS[1], media_type="VIDEO", video_url=VIDEO_URL, is_carousel_item="true")
    container_status(mocked, "FINISHED", ITEMS[0])
    container_status(mocked, "IN_PROGRESS", ITEMS[1])
    attempt = in_doubt(payload("Two", image(), video()), stage="items", children=ITEMS[:1])

    still_processing(lambda: client.resume(attempt))

    assert progress.saved == [{"stage": "items", "children": ITEMS[:2]}]


def test_resume__a_container_already_published_is_found_not_published_again(client, mocked, progress):
    container_status(mocked, "PUBLISHED")
    recent_threads(
        mocked,
        {
            "id": POST,
            "text": "Watch",
            "media_type": "VIDEO",
            "permalink": PERMALINK,
            "timestamp": "2025-03-01T12:00:40+0000",
        },
    )
    attempt = in_doubt(payload("Watch", video()), stage="publishing", container_id=CONTAINER)

    assert client.resume(attempt) == PublishResult(POST, PERMALINK)


def test_resume__nothing_saved_is_sent_afresh(client, mocked):
    error = publish_error(lambda: client.resume(in_doubt(payload("hi"))))

    assert error.kind == ErrorKind.TRANSIENT
    assert len(mocked.calls) == 0
