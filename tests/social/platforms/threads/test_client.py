"""The Threads client at the wire: request shapes, the stages saved on the way, errors and their kinds."""

from __future__ import annotations

import pytest
import requests

from social.models import Platform
from social.platforms import CannotTell
from social.platforms import ErrorKind
from social.platforms import Found
from social.platforms import MediaItem
from social.platforms import NotFound
from social.platforms import PublishResult
from social.platforms import StillProcessing
from social.platforms.threads.client import ThreadsClient

from ..helpers import IMAGE_URL
from ..helpers import VIDEO_URL
from ..helpers import Progress
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from .wire import CONTAINER
from .wire import CONTAINERS
from .wire import GRAPH
from .wire import PERMALINK
from .wire import POST
from .wire import PUBLISH
from .wire import USER
from .wire import container_created
from .wire import container_status
from .wire import meta_error
from .wire import permalink
from .wire import published
from .wire import quota
from .wire import recent_threads


@pytest.fixture
def progress():
    return Progress()


@pytest.fixture
def client(make_account, progress):
    return ThreadsClient(make_account(Platform.THREADS, external_id=USER), on_progress=progress)


def stages(progress: Progress) -> list[tuple]:
    """What was saved, without the time of the publish call."""
    return [
        tuple((key, value) for key, value in saved.items() if key != "publish_called_at")
        for saved in progress.saved
    ]


def requested(mocked, method: str, url: str) -> bool:
    return any(
        call.request.method == method and call.request.url.split("?")[0] == url for call in mocked.calls
    )


def still_processing(call) -> StillProcessing:
    with pytest.raises(StillProcessing) as caught:
        call()
    return caught.value


# --- Single posts ---------------------------------------------------------------------------------------


def test_publish__text_post(client, mocked, progress):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="Hello from the scheduler 🧵")
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    permalink(mocked)

    result = client.publish(payload("Hello from the scheduler 🧵"))

    assert result == PublishResult(platform_post_id=POST, platform_post_url=PERMALINK)
    assert stages(progress) == [
        (("stage", "processing"), ("container_id", CONTAINER)),
        (("stage", "publishing"), ("container_id", CONTAINER)),
    ]
    assert "publish_called_at" in progress.last


def test_publish__image_with_alt_text(client, mocked, progress):
    quota(mocked)
    container_created(
        mocked, media_type="IMAGE", image_url=IMAGE_URL, text="New menu", alt_text="A bowl of ramen"
    )
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    permalink(mocked)

    assert client.publish(payload("New menu", image(alt_text="A bowl of ramen"))).platform_post_id == POST


def test_publish__a_video_without_text_sends_no_text(client, mocked, progress):
    quota(mocked)
    container_created(mocked, media_type="VIDEO", video_url=VIDEO_URL)
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    permalink(mocked)

    assert client.publish(payload("", video())).platform_post_id == POST


def test_publish__a_video_still_processing_is_left_for_a_later_run(client, mocked, progress):
    quota(mocked)
    container_created(mocked, media_type="VIDEO", video_url=VIDEO_URL, text="Watch")
    container_status(mocked, "IN_PROGRESS")

    waiting = still_processing(lambda: client.publish(payload("Watch", video())))

    assert waiting.check_after == 30
    assert "still processing the post" in waiting.message
    assert progress.saved == [{"stage": "processing", "container_id": CONTAINER}]
    assert not requested(mocked, "POST", PUBLISH)


def test_publish__an_image_still_processing_is_checked_again_sooner(client, mocked):
    quota(mocked)
    container_created(mocked, media_type="IMAGE", image_url=IMAGE_URL)
    container_status(mocked, "IN_PROGRESS")

    assert still_processing(lambda: client.publish(payload("", image()))).check_after == 10


def test_publish__a_missing_permalink_does_not_undo_the_post(client, mocked, progress):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="hi")
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    mocked.get(f"{GRAPH}/{POST}", status=500, body="oops")

    assert client.publish(payload("hi")) == PublishResult(POST, "")


# --- Carousels ------------------------------------------------------------------------------------------

ITEMS = ["17890000000000001", "17890000000000002", "17890000000000003"]
CAROUSEL = "17890000000000099"
PHOTO_2 = "https://cdn.example.com/photo-2.jpg"


def items_created(mocked) -> None:
    container_created(mocked, ITEMS[0], media_type="IMAGE", image_url=IMAGE_URL, is_carousel_item="true")
    container_created(mocked, ITEMS[1], media_type="VIDEO", video_url=VIDEO_URL, is_carousel_item="true")
    container_created(
        mocked, ITEMS[2], media_type="IMAGE", image_url=PHOTO_2, alt_text="The team", is_carousel_item="true"
    )


CAROUSEL_POST = payload("Our week", image(), video(), image(PHOTO_2, alt_text="The team"))


def test_publish__carousel(client, mocked, progress):
    quota(mocked)
    items_created(mocked)
    for item in ITEMS:
        container_status(mocked, "FINISHED", item)
    container_created(mocked, CAROUSEL, media_type="CAROUSEL", children=",".join(ITEMS), text="Our week")
    container_status(mocked, "FINISHED", CAROUSEL)
    published(mocked, progress, CAROUSEL)
    permalink(mocked)

    assert client.publish(CAROUSEL_POST).platform_post_id == POST
    children = ("children", ITEMS)
    assert stages(progress) == [
        (("stage", "items"), ("children", ITEMS[:1])),
        (("stage", "items"), ("children", ITEMS[:2])),
        (("stage", "items"), children),
        (("stage", "processing"), children, ("container_id", CAROUSEL)),
        (("stage", "publishing"), children, ("container_id", CAROUSEL)),
    ]


def test_publish__a_carousel_item_still_processing_waits_before_the_carousel_is_made(
    client, mocked, progress
):
    quota(mocked)
    items_created(mocked)
    container_status(mocked, "FINISHED", ITEMS[0])
    container_status(mocked, "IN_PROGRESS", ITEMS[1])

    waiting = still_processing(lambda: client.publish(CAROUSEL_POST))

    assert "media 2 of 3" in waiting.message and waiting.check_after == 30
    assert progress.last == {"stage": "items", "children": ITEMS}


def test_publish__a_second_item_that_cannot_be_made_now_keeps_the_first(client, mocked, progress):
    quota(mocked)
    container_created(mocked, ITEMS[0], media_type="IMAGE", image_url=IMAGE_URL, is_carousel_item="true")
    mocked.post(CONTAINERS, **meta_error(2, status=500, is_transient=True))

    waiting = still_processing(lambda: client.publish(payload("Two", image(), video())))

    assert "kept and checked again later" in waiting.message
    assert progress.last == {"stage": "items", "children": ITEMS[:1]}


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


# --- Errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (meta_error(2, status=500, is_transient=True), ErrorKind.UNKNOWN),
        ({"status": 502, "body": "<html>Bad gateway</html>"}, ErrorKind.UNKNOWN),
        ({"body": requests.ReadTimeout()}, ErrorKind.UNKNOWN),
        ({"status": 200, "body": '{"id": "1802'}, ErrorKind.UNKNOWN),
        (meta_error(190, message="Error validating access token: Session has expired"), ErrorKind.AUTH),
        (meta_error(100, error_subcode=4279009), ErrorKind.INVALID),
    ],
    ids=["transient-500", "502", "timeout", "truncated", "auth", "invalid"],
)
def test_publish__threads_publish_errors(client, mocked, progress, response, kind):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="hi")
    container_status(mocked, "FINISHED")
    mocked.post(PUBLISH, **response)

    assert publish_error(lambda: client.publish(payload("hi"))).kind == kind
    assert progress.last["stage"] == "publishing"


@pytest.mark.parametrize(
    ("response", "check_after"),
    [
        (meta_error(4, message="(#4) Application request limit reached", is_transient=True), 10),
        (meta_error(368, message="The action attempted has been deemed abusive"), 3600),
        ({"status": 429, "body": "", "headers": {"Retry-After": "120"}}, 120),
    ],
    ids=["rate-limit", "policy-block-368", "429"],
)
def test_publish__threads_publish_refused_for_now_keeps_the_container(
    client, mocked, progress, response, check_after
):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="hi")
    container_status(mocked, "FINISHED")
    mocked.post(PUBLISH, **response)

    waiting = still_processing(lambda: client.publish(payload("hi")))

    assert waiting.check_after == check_after
    assert progress.last["container_id"] == CONTAINER and progress.last["stage"] == "publishing"


@pytest.mark.parametrize(
    ("response", "kind", "retry_after"),
    [
        (meta_error(368, message="It looks like you were misusing this feature"), ErrorKind.TRANSIENT, 3600),
        (meta_error(100, message="Param text must be at most 500 characters long."), ErrorKind.INVALID, None),
        (meta_error(100, message="The media could not be fetched from this URI"), ErrorKind.INVALID, None),
        (meta_error(190, error_subcode=463), ErrorKind.AUTH, None),
        (
            meta_error(1, message="Error validating access token: The user has not authorized"),
            ErrorKind.AUTH,
            None,
        ),
        (meta_error(2, status=500, is_transient=True), ErrorKind.TRANSIENT, None),
        ({"body": requests.ReadTimeout()}, ErrorKind.TRANSIENT, None),
    ],
    ids=["policy-block", "text-too-long", "media-url", "auth", "token-words", "transient", "timeout"],
)
def test_publish__container_creation_errors_are_never_unknown(
    client, mocked, progress, response, kind, retry_after
):
    quota(mocked)
    mocked.post(CONTAINERS, **response)

    error = publish_error(lambda: client.publish(payload("hi")))

    assert error.kind == kind
    if retry_after:
        assert error.retry_after >= retry_after
    assert progress.saved == []


def test_publish__a_status_check_that_fails_after_the_container_exists_is_checked_later(
    client, mocked, progress
):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="hi")
    mocked.get(f"{GRAPH}/{CONTAINER}", status=503, body="")

    waiting = still_processing(lambda: client.publish(payload("hi")))

    assert "HTTP 503" in waiting.message
    assert progress.last == {"stage": "processing", "container_id": CONTAINER}


# --- The 24-hour quota ------------------------------------------------------------------------------


def test_publish__a_used_up_quota_waits_before_anything_is_made(client, mocked, progress):
    quota(mocked, usage=250)

    error = publish_error(lambda: client.publish(payload("hi")))

    assert error.kind == ErrorKind.TRANSIENT and error.retry_after == 3600
    assert "250 of its 250 posts" in error.message
    assert len(mocked.calls) == 1 and progress.saved == []


def test_publish__a_quota_that_cannot_be_read_does_not_stop_the_post(client, mocked, progress):
    mocked.get(f"{GRAPH}/{USER}/threads_publishing_limit", status=500, body="")
    container_created(mocked, media_type="TEXT", text="hi")
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    permalink(mocked)

    assert client.publish(payload("hi")).platform_post_id == POST


def test_publish__a_refused_token_on_the_quota_read_is_auth_and_nothing_is_made(client, mocked, progress):
    mocked.get(f"{GRAPH}/{USER}/threads_publishing_limit", **meta_error(190))

    assert publish_error(lambda: client.publish(payload("hi"))).kind == ErrorKind.AUTH
    assert progress.saved == []


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


@pytest.mark.parametrize(
    "response",
    [
        meta_error(190),
        {"status": 503, "body": ""},
        {"body": requests.ConnectionError("reset")},
        {"body": "<html>"},
    ],
    ids=["auth", "503", "connection", "html"],
)
def test_reconcile__cannot_tell_when_the_container_cannot_be_read(client, mocked, response):
    mocked.get(f"{GRAPH}/{CONTAINER}", **response)

    answer = client.reconcile(in_doubt(payload("hi"), stage="publishing", container_id=CONTAINER))

    assert isinstance(answer, CannotTell)


# --- Validation -----------------------------------------------------------------------------------------


def test_validate__500_characters_as_threads_counts_them(client):
    assert client.validate(payload("a" * 500)) == []
    assert client.validate(payload("a" * 496 + "🧵")) == []  # the emoji is 4 UTF-8 bytes
    assert client.validate(payload("a" * 497 + "🧵")) == [
        "501 characters (emoji count as their UTF-8 bytes, as Threads counts them), the limit is 500"
    ]
    assert client.validate(payload("日" * 500)) == []


def test_validate__media(client):
    gif = MediaItem("https://cdn.example.com/a.gif", "gif")
    assert client.validate(payload("", *[image()] * 20)) == []
    assert client.validate(payload("", *[image()] * 21)) == ["21 media items, a carousel holds at most 20"]
    assert client.validate(payload("", gif)) == ["media 1 is a gif; Threads takes images and videos"]
    assert client.validate(payload("", image("/srv/photo.png"))) == [
        "media 1 needs a public http(s) URL (Threads fetches it)"
    ]
    assert client.validate(payload("", image(alt_text="x" * 1_001))) == [
        "the alt text of media 1 is 1,001 characters, the limit is 1,000"
    ]


def test_validate__a_post_needs_something(client, mocked):
    assert client.validate(payload("  ")) == ["a post needs text, an image or a video"]
    assert publish_error(lambda: client.publish(payload(""))).kind == ErrorKind.INVALID
    assert len(mocked.calls) == 0
