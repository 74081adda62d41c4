from __future__ import annotations

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.platforms import CannotTell
from social.platforms import ErrorKind
from social.platforms import Found
from social.platforms import MediaItem
from social.platforms import NotFound
from social.platforms import PublishResult
from social.platforms import StillProcessing
from social.platforms.instagram.client import InstagramClient

from ..helpers import IMAGE_URL
from ..helpers import VIDEO_URL
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from ..helpers import when_the_container_cannot_be_read
from ..helpers import with_headers

IG_USER = "17841405822304914"
GRAPH = "https://graph.facebook.com/v25.0"
CONTAINERS = f"{GRAPH}/{IG_USER}/media"
PUBLISH = f"{GRAPH}/{IG_USER}/media_publish"
CONTAINER = "17889455560051444"
MEDIA = "17918195224117851"
PERMALINK = "https://www.instagram.com/p/C5abc/"


@pytest.fixture
def client(make_account, progress):
    client = InstagramClient(make_account(Platform.INSTAGRAM, external_id=IG_USER), on_progress=progress)
    client.sleep = lambda seconds: None
    return client


def form(**fields: str):
    return matchers.urlencoded_params_matcher(fields)


def status_query():
    return matchers.query_param_matcher({"fields": "status_code,status"})


def container_status(mocked, status_code: str, status: str = "") -> None:
    body = {"status_code": status_code, "id": CONTAINER}
    if status:
        body["status"] = status
    mocked.get(f"{GRAPH}/{CONTAINER}", match=[status_query(), with_headers()], json=body)


def published(mocked, progress) -> None:
    def saved_before_publish(request):
        # The container id must be persisted before the call that can create the post.
        return (progress.last == {"container_id": CONTAINER}, "container id not saved before media_publish")

    mocked.post(
        PUBLISH, match=[form(creation_id=CONTAINER), with_headers(), saved_before_publish], json={"id": MEDIA}
    )


# --- Publishing ---------------------------------------------------------------------------------------


def test_publish__image_post(client, mocked, progress):
    mocked.post(
        CONTAINERS,
        match=[form(image_url=IMAGE_URL, caption="Sunset #beach", alt_text="Orange sky"), with_headers()],
        json={"id": CONTAINER},
    )
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    mocked.get(
        f"{GRAPH}/{MEDIA}",
        match=[matchers.query_param_matcher({"fields": "permalink"})],
        json={"permalink": PERMALINK, "id": MEDIA},
    )

    result = client.publish(payload("Sunset #beach", image(alt_text="Orange sky")))

    assert result == PublishResult(platform_post_id=MEDIA, platform_post_url=PERMALINK)
    assert progress.saved == [{"container_id": CONTAINER}]


def test_publish__reel_waits_for_processing(client, mocked, progress):
    mocked.post(
        CONTAINERS,
        match=[form(media_type="REELS", video_url=VIDEO_URL, caption="Watch")],
        json={"id": CONTAINER},
    )
    container_status(mocked, "IN_PROGRESS")
    container_status(mocked, "IN_PROGRESS")
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    mocked.get(f"{GRAPH}/{MEDIA}", json={"permalink": PERMALINK})
    waits = []
    client.sleep = waits.append

    assert client.publish(payload("Watch", video())).platform_post_id == MEDIA
    assert waits == [client.container_poll_interval] * 2


def test_publish__a_missing_permalink_does_not_undo_the_post(client, mocked, progress):
    mocked.post(CONTAINERS, json={"id": CONTAINER})
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    mocked.get(f"{GRAPH}/{MEDIA}", status=500, body="oops")

    assert client.publish(payload("hi", image())) == PublishResult(MEDIA, "")


def test_publish__container_error_is_invalid_with_meta_words(client, mocked):
    mocked.post(CONTAINERS, json={"id": CONTAINER})
    container_status(mocked, "ERROR", "Error: 2207026")

    error = publish_error(lambda: client.publish(payload("hi", video())))

    assert error.kind == ErrorKind.INVALID
    assert "2207026" in error.message


def test_publish__expired_container_is_transient(client, mocked):
    mocked.post(CONTAINERS, json={"id": CONTAINER})
    container_status(mocked, "EXPIRED")

    assert publish_error(lambda: client.publish(payload("hi", image()))).kind == ErrorKind.TRANSIENT


def test_publish__a_container_still_processing_hands_the_worker_back(client, mocked, progress):
    """After a short wait the call ends "still processing", the container saved, instead of holding the
    worker for minutes (before: a TRANSIENT failure after 240 s, and a retry made a second container)."""
    mocked.post(CONTAINERS, json={"id": CONTAINER})
    checks = client.container_wait_seconds // client.container_poll_interval + 1
    for _ in range(int(checks)):
        container_status(mocked, "IN_PROGRESS")
    waits = []
    client.sleep = waits.append

    with pytest.raises(StillProcessing) as caught:
        client.publish(payload("hi", video()))

    assert progress.saved == [{"container_id": CONTAINER}]
    assert caught.value.check_after == client.container_check_after
    assert CONTAINER in caught.value.message
    assert sum(waits) <= client.container_wait_seconds


def test_publish__a_container_status_that_cannot_be_read_is_checked_later(client, mocked, progress):
    mocked.post(CONTAINERS, json={"id": CONTAINER})
    mocked.get(f"{GRAPH}/{CONTAINER}", status=503, body="")

    with pytest.raises(StillProcessing):
        client.publish(payload("hi", video()))
    assert progress.saved == [{"container_id": CONTAINER}]


# --- Resuming -------------------------------------------------------------------------------------------


def test_resume__a_finished_container_is_published_without_a_second_one(client, mocked, progress):
    container_status(mocked, "FINISHED")
    mocked.post(PUBLISH, match=[form(creation_id=CONTAINER), with_headers()], json={"id": MEDIA})
    mocked.get(f"{GRAPH}/{MEDIA}", json={"permalink": PERMALINK})

    result = client.resume(in_doubt(payload("Watch", video()), container_id=CONTAINER))

    assert result == PublishResult(MEDIA, PERMALINK)
    assert not [call for call in mocked.calls if call.request.url == CONTAINERS], "no container was made"


def test_resume__still_in_progress_is_still_processing(client, mocked):
    container_status(mocked, "IN_PROGRESS")

    with pytest.raises(StillProcessing):
        client.resume(in_doubt(payload("Watch", video()), container_id=CONTAINER))
    assert len(mocked.calls) == 1


def test_resume__an_already_published_container_is_that_post(client, mocked):
    container_status(mocked, "PUBLISHED")
    mocked.get(
        CONTAINERS,
        json={
            "data": [
                {
                    "id": MEDIA,
                    "caption": "Watch",
                    "timestamp": "2025-03-01T12:00:09+0000",
                    "permalink": PERMALINK,
                }
            ]
        },
    )

    assert client.resume(in_doubt(payload("Watch", video()), container_id=CONTAINER)) == PublishResult(
        MEDIA, PERMALINK
    )
    assert not [call for call in mocked.calls if call.request.url.startswith(PUBLISH)], "nothing published"


def test_resume__an_expired_container_is_replaced(client, mocked, progress):
    """An expired container can never be published: a new one is the only way to post."""
    container_status(mocked, "EXPIRED")
    mocked.post(CONTAINERS, json={"id": "17800000000000002"})
    mocked.get(f"{GRAPH}/17800000000000002", json={"status_code": "FINISHED"})
    mocked.post(PUBLISH, match=[form(creation_id="17800000000000002")], json={"id": MEDIA})
    mocked.get(f"{GRAPH}/{MEDIA}", json={"permalink": PERMALINK})

    assert (
        client.resume(in_doubt(payload("Watch", video()), container_id=CONTAINER)).platform_post_id == MEDIA
    )
    assert progress.saved == [{"container_id": "17800000000000002"}]


def test_resume__a_container_in_error_is_invalid(client, mocked):
    container_status(mocked, "ERROR", "Error: 2207026")

    error = publish_error(lambda: client.resume(in_doubt(payload("Watch", video()), container_id=CONTAINER)))
    assert error.kind == ErrorKind.INVALID


def test_resume__without_a_saved_container_starts_over(client, mocked, progress):
    mocked.post(CONTAINERS, json={"id": CONTAINER})
    container_status(mocked, "FINISHED")
    published(mocked, progress)
    mocked.get(f"{GRAPH}/{MEDIA}", json={"permalink": PERMALINK})

    assert client.resume(in_doubt(payload("hi", image()))).platform_post_id == MEDIA


# --- The account's publishing limit ---------------------------------------------------------------------


def test_publishing_limit__reads_the_quota_figures(client, mocked):
    mocked.get(
        f"{GRAPH}/{IG_USER}/content_publishing_limit",
        match=[matchers.query_param_matcher({"fields": "quota_usage,config"}), with_headers()],
        json={"data": [{"quota_usage": 2, "config": {"quota_total": 50, "quota_duration": 86400}}]},
    )

    assert client.publishing_limit() == {"quota_total": 50, "quota_duration": 86400, "quota_usage": 2}


def test_publishing_limit__an_answer_without_figures_is_an_error(client, mocked):
    mocked.get(f"{GRAPH}/{IG_USER}/content_publishing_limit", json={"data": []})

    assert publish_error(client.publishing_limit).kind == ErrorKind.TRANSIENT


def meta_error(code: int, status: int = 400, **extra):
    return json_error(
        status, {"error": {"message": f"error {code}", "type": "OAuthException", "code": code, **extra}}
    )


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        # media_publish has created posts while answering "transient": an unknown outcome, never a retry.
        (meta_error(2, is_transient=True), ErrorKind.UNKNOWN),
        (meta_error(1), ErrorKind.UNKNOWN),
        (meta_error(4), ErrorKind.UNKNOWN),
        ({"status": 500, "body": "<html>"}, ErrorKind.UNKNOWN),
        ({"body": requests.ReadTimeout()}, ErrorKind.UNKNOWN),
        (meta_error(9, error_subcode=2207042), ErrorKind.TRANSIENT),
        (meta_error(190), ErrorKind.AUTH),
        (meta_error(100, error_subcode=2207001), ErrorKind.INVALID),
        (meta_error(368), ErrorKind.TRANSIENT),
    ],
    ids=["transient-2", "code-1", "code-4", "500", "timeout", "publishing-limit", "auth", "spam", "blocked"],
)
def test_publish__media_publish_errors(client, mocked, progress, response, kind):
    mocked.post(CONTAINERS, json={"id": CONTAINER})
    container_status(mocked, "FINISHED")
    mocked.post(PUBLISH, **response)

    assert publish_error(lambda: client.publish(payload("hi", image()))).kind == kind
    assert progress.last == {"container_id": CONTAINER}


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (meta_error(2, is_transient=True), ErrorKind.TRANSIENT),
        ({"status": 500, "body": "oops"}, ErrorKind.TRANSIENT),
        (meta_error(190), ErrorKind.AUTH),
        (meta_error(100, error_subcode=2207004), ErrorKind.INVALID),
        ({"status": 200, "body": '{"id": "1788'}, ErrorKind.TRANSIENT),
    ],
    ids=["transient", "500", "auth", "bad-media", "truncated"],
)
def test_publish__container_creation_errors_are_never_unknown(client, mocked, progress, response, kind):
    mocked.post(CONTAINERS, **response)

    assert publish_error(lambda: client.publish(payload("hi", image()))).kind == kind
    assert progress.saved == []


# --- Validation ---------------------------------------------------------------------------------------


def test_validate__text_only_is_refused(client, mocked):
    assert client.validate(payload("just words")) == [
        "a post needs one image or video; Instagram has no text-only posts"
    ]
    error = publish_error(lambda: client.publish(payload("just words")))
    assert error.kind == ErrorKind.INVALID
    assert len(mocked.calls) == 0


def test_validate__caption_at_the_limit_passes_and_one_over_fails(client):
    assert client.validate(payload("a" * 2_200, image())) == []
    assert client.validate(payload("a" * 2_201, image())) == [
        "caption of 2,201 characters, the limit is 2,200"
    ]


def test_validate__hashtags_at_the_limit_pass_and_one_over_fails(client):
    thirty = " ".join(f"#tag{n}" for n in range(30))
    assert client.validate(payload(thirty, image())) == []
    assert client.validate(payload(thirty + " #one_more", image())) == ["31 hashtags, the limit is 30"]


def test_validate__exactly_one_image_or_video(client):
    assert client.validate(payload("", video())) == []
    assert client.validate(payload("", image(), image())) == [
        "2 media items, a post here takes exactly 1 image or video"
    ]
    assert client.validate(payload("", MediaItem("https://cdn.example.com/a.gif", "gif"))) == [
        "media 1 is a gif; Instagram takes an image or a video"
    ]
    assert client.validate(payload("", image("/local/file.png"))) == [
        "media 1 needs a public http(s) URL (Instagram fetches it)"
    ]


# --- Reconciliation -----------------------------------------------------------------------------------

LIST_QUERY = {"fields": "id,caption,timestamp,permalink", "limit": "25"}


def test_reconcile__published_container_is_found_in_the_media(client, mocked):
    container_status(mocked, "PUBLISHED")
    mocked.get(
        CONTAINERS,
        match=[matchers.query_param_matcher(LIST_QUERY), with_headers()],
        json={
            "data": [
                {
                    "id": "1",
                    "caption": "Sunset #beach",
                    "timestamp": "2025-02-01T12:00:00+0000",
                },  # an older twin
                {
                    "id": MEDIA,
                    "caption": "Sunset #beach",
                    "timestamp": "2025-03-01T12:00:09+0000",
                    "permalink": PERMALINK,
                },
            ]
        },
    )

    result = client.reconcile(in_doubt(payload("Sunset #beach", image()), container_id=CONTAINER))

    assert result == Found(MEDIA, PERMALINK)


@pytest.mark.parametrize("status_code", ["FINISHED", "IN_PROGRESS", "EXPIRED", "ERROR"])
def test_reconcile__unpublished_container_is_not_found(client, mocked, status_code):
    container_status(mocked, status_code)

    assert isinstance(client.reconcile(in_doubt(payload("hi", image()), container_id=CONTAINER)), NotFound)


def test_reconcile__no_saved_container_means_media_publish_never_ran(client, mocked):
    assert isinstance(client.reconcile(in_doubt(payload("hi", image()))), NotFound)
    assert len(mocked.calls) == 0


def test_reconcile__published_but_not_in_the_list_cannot_tell(client, mocked):
    container_status(mocked, "PUBLISHED")
    mocked.get(
        CONTAINERS, json={"data": [{"id": "1", "caption": "other", "timestamp": "2025-03-01T12:00:09+0000"}]}
    )

    assert isinstance(client.reconcile(in_doubt(payload("hi", image()), container_id=CONTAINER)), CannotTell)


@when_the_container_cannot_be_read
def test_reconcile__cannot_tell_when_the_container_cannot_be_read(client, mocked, response):
    mocked.get(f"{GRAPH}/{CONTAINER}", **response)

    assert isinstance(client.reconcile(in_doubt(payload("hi", image()), container_id=CONTAINER)), CannotTell)
