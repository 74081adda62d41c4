"""The Threads client at the wire: single posts, the 24-hour quota, validation."""

from __future__ import annotations

from social.platforms import ErrorKind
from social.platforms import MediaItem
from social.platforms import PublishResult

from ..helpers import IMAGE_URL
from ..helpers import VIDEO_URL
from ..helpers import image
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import still_processing
from ..helpers import video
from .wire import CONTAINER
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
from .wire import requested
from .wire import stages

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
