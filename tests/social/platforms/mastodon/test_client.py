"""Mastodon's client at the wire: the status and media calls, errors mapped to kinds, reconciliation."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.parser import BytesParser
from email.policy import HTTP

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.platforms import ErrorKind
from social.platforms import PublishPayload
from social.platforms.base.client import CannotTell
from social.platforms.base.client import Found
from social.platforms.base.client import NotFound
from social.platforms.mastodon.client import MastodonClient
from social.platforms.mastodon.client import rate_limit_reset_seconds
from social.platforms.mastodon.client import status_idempotency_key

from ..helpers import BEARER
from ..helpers import PNG
from ..helpers import STARTED_AT
from ..helpers import TOKEN
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import publish_error
from ..helpers import video
from ..helpers import with_headers
from ..helpers import without_authorization

SERVER = "https://mastodon.example"
STATUSES = f"{SERVER}/api/v1/statuses"
MEDIA = f"{SERVER}/api/v2/media"
LIST = f"{SERVER}/api/v1/accounts/109/statuses"
FRESH = {"fetched_at": datetime.now(UTC).isoformat()}
SMALL_VIDEO = {"Content-Type": "video/mp4", "Content-Length": "100"}


def status(
    status_id: str = "113", *, content: str = "<p>Hello</p>", created_at: datetime | None = None, **more
):
    created = (created_at or STARTED_AT + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "id": status_id,
        "created_at": created,
        "content": content,
        "spoiler_text": "",
        "url": f"{SERVER}/@acme/{status_id}",
        **more,
    }


@pytest.fixture
def client(make_account, progress):
    account = make_account(
        Platform.MASTODON, external_id="109@mastodon.example", server_url=SERVER, username="acme"
    )
    made = MastodonClient(account, on_progress=progress)
    made.waits = []
    made.sleep = made.waits.append
    return made


def limited(make_account, **limits) -> MastodonClient:
    """A client whose account has these server limits cached."""
    account = make_account(
        Platform.MASTODON,
        external_id="109@mastodon.example",
        server_url=SERVER,
        username="acme",
        instance={**FRESH, **limits},
    )
    return MastodonClient(account)


def sent_json(call) -> dict:
    return json.loads(call.request.body)


def multipart(call) -> dict[str, tuple[str, bytes]]:
    """The multipart fields of a recorded upload: {name: (content type, bytes)}."""
    head = f"Content-Type: {call.request.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + call.request.body)
    return {
        part.get_param("name", header="content-disposition"): (
            part.get_content_type(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


# --- the status ------------------------------------------------------------------------------------------


def test_publish__posts_the_status_as_json_with_bearer_and_idempotency_key(client, mocked):
    sent = PublishPayload(
        text="Spring sale",
        options={"visibility": "unlisted", "spoiler_text": "Ads", "language": "en"},
        idempotency_key="post-12-account-7",
    )
    mocked.add(
        "POST",
        STATUSES,
        json=status(),
        match=[
            with_headers(
                {"Idempotency-Key": status_idempotency_key(sent), "Content-Type": "application/json"}
            )
        ],
    )

    result = client.publish(sent)

    assert (result.platform_post_id, result.platform_post_url) == ("113", f"{SERVER}/@acme/113")
    assert sent_json(mocked.calls[0]) == {
        "status": "Spring sale",
        "visibility": "unlisted",
        "spoiler_text": "Ads",
        "language": "en",
    }


def test_idempotency_key__same_for_a_retry_of_the_same_post_to_the_same_account_only():
    first = PublishPayload(text="Hello", idempotency_key="post-12-account-7")
    key = status_idempotency_key(first)

    assert key == status_idempotency_key(PublishPayload(text="Hello", idempotency_key="post-12-account-7"))
    assert len(key) == 64 and "post-12" not in key
    others = [
        PublishPayload(text="Hello", idempotency_key="post-13-account-7"),
        PublishPayload(text="Hello", idempotency_key="post-12-account-8"),
        PublishPayload(text="Hello, edited", idempotency_key="post-12-account-7"),
        PublishPayload(text="Hello", options={"visibility": "direct"}, idempotency_key="post-12-account-7"),
    ]
    assert len({key, *map(status_idempotency_key, others)}) == 5
    assert status_idempotency_key(PublishPayload(text="Hello")) == ""


def test_publish__without_an_identity_no_idempotency_key_is_sent(client, mocked):
    mocked.add("POST", STATUSES, json=status())

    client.publish(PublishPayload(text="Hello"))

    assert "Idempotency-Key" not in mocked.calls[0].request.headers
    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_publish__an_answer_without_an_id_is_an_unknown_outcome(client, mocked):
    mocked.add("POST", STATUSES, json={"content": "<p>Hello</p>"})

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert error.kind == ErrorKind.UNKNOWN and "may exist" in error.message


# --- media ---------------------------------------------------------------------------------------------


def test_publish__an_image_is_uploaded_with_its_alt_text_then_attached(client, mocked):
    mocked.add(
        "GET",
        "https://cdn.example.com/photo.png",
        body=PNG,
        headers={"Content-Type": "image/png", "Content-Length": str(len(PNG))},
        match=[without_authorization()],
    )
    mocked.add(
        "POST",
        MEDIA,
        json={"id": "22348641", "type": "image", "url": f"{SERVER}/system/a.png"},
        match=[with_headers()],
    )
    mocked.add("POST", STATUSES, json=status())

    client.publish(PublishPayload(text="Look", media=(image(alt_text="A latte with a leaf"),)))

    fields = multipart(mocked.calls[1])
    assert fields["file"] == ("image/png", PNG)
    assert fields["description"] == ("text/plain", b"A latte with a leaf")
    assert mocked.calls[1].request.headers["Content-Length"] == str(len(mocked.calls[1].request.body))
    assert sent_json(mocked.calls[2])["media_ids"] == ["22348641"]
    assert client.waits == []  # ready at once: no polling


def test_publish__a_video_is_waited_for_until_processed(client, mocked):
    clip = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 4000
    mocked.add(
        "GET",
        "https://cdn.example.com/clip.mp4",
        body=clip,
        headers={"Content-Type": "video/mp4", "Content-Length": str(len(clip))},
    )
    mocked.add("POST", MEDIA, status=202, json={"id": "77", "type": "video", "url": None})
    mocked.add("GET", f"{SERVER}/api/v1/media/77", status=206, body="", match=[with_headers()])
    mocked.add("GET", f"{SERVER}/api/v1/media/77", status=206, body="")
    mocked.add("GET", f"{SERVER}/api/v1/media/77", json={"id": "77", "url": f"{SERVER}/system/77.mp4"})
    mocked.add("POST", STATUSES, json=status())

    client.publish(PublishPayload(text="Watch", media=(video(),)))

    assert multipart(mocked.calls[1])["file"] == ("video/mp4", clip)
    assert "description" not in multipart(mocked.calls[1])
    assert sent_json(mocked.calls[5])["media_ids"] == ["77"]
    assert client.waits == [1.0, 2.0, 4.0]


def test_publish__a_video_still_processing_after_the_wait_is_retried_later_never_attached(client, mocked):
    client.media_wait_seconds = 3.0
    mocked.add("GET", "https://cdn.example.com/clip.mp4", body=b"v" * 100, headers=SMALL_VIDEO)
    mocked.add("POST", MEDIA, status=202, json={"id": "77", "url": None})
    mocked.add("GET", f"{SERVER}/api/v1/media/77", status=206, body="")
    mocked.add("GET", f"{SERVER}/api/v1/media/77", status=206, body="")

    error = publish_error(lambda: client.publish(PublishPayload(text="Watch", media=(video(),))))

    assert error.kind == ErrorKind.TRANSIENT and "still processing video 1" in error.message
    assert all(call.request.url != STATUSES for call in mocked.calls)


def test_publish__media_that_fails_processing_is_invalid(client, mocked):
    mocked.add("GET", "https://cdn.example.com/clip.mp4", body=b"v" * 100, headers=SMALL_VIDEO)
    mocked.add("POST", MEDIA, status=202, json={"id": "77", "url": None})
    mocked.add(
        "GET",
        f"{SERVER}/api/v1/media/77",
        **json_error(422, {"error": "Validation failed: File could not be processed"}),
    )

    error = publish_error(lambda: client.publish(PublishPayload(text="Watch", media=(video(),))))

    assert error.kind == ErrorKind.INVALID and "could not be processed" in error.message


def test_publish__media_larger_than_the_servers_limit_is_refused_before_uploading(make_account, mocked):
    client = limited(make_account, image_size_limit=1000)
    mocked.add(
        "GET",
        "https://cdn.example.com/photo.png",
        body=b"p" * 2000,
        headers={"Content-Type": "image/png", "Content-Length": "2000"},
    )

    error = publish_error(lambda: client.publish(PublishPayload(text="Big", media=(image(),))))

    assert error.kind == ErrorKind.INVALID and "Mastodon's limit" in error.message
    assert len(mocked.calls) == 1


def test_publish__a_type_the_server_does_not_take_is_refused_before_uploading(make_account, mocked):
    client = limited(make_account, supported_mime_types=["image/jpeg"])
    mocked.add("GET", "https://cdn.example.com/photo.png", body=PNG, headers={"Content-Type": "image/png"})

    error = publish_error(lambda: client.publish(PublishPayload(text="PNG", media=(image(),))))

    assert (
        error.kind == ErrorKind.INVALID
        and "image/png" in error.message
        and "mastodon.example" in error.message
    )


def test_publish__a_video_of_unknown_size_is_refused_an_image_is_read_within_the_limit(make_account, mocked):
    client = limited(make_account, image_size_limit=len(PNG))
    mocked.add(
        "GET", "https://cdn.example.com/clip.mp4", body=b"v" * 100, headers={"Content-Type": "video/mp4"}
    )
    mocked.add("GET", "https://cdn.example.com/photo.png", body=PNG, headers={"Content-Type": "image/png"})
    mocked.add("POST", MEDIA, json={"id": "5", "url": f"{SERVER}/system/5.png"})
    mocked.add("POST", STATUSES, json=status())

    error = publish_error(lambda: client.publish(PublishPayload(text="Watch", media=(video(),))))
    client.publish(PublishPayload(text="Look", media=(image(),)))

    assert error.kind == ErrorKind.INVALID and "Content-Length" in error.message
    assert multipart(mocked.calls[2])["file"] == ("image/png", PNG)


def test_publish__a_failed_upload_is_transient_and_makes_no_status(client, mocked):
    mocked.add("GET", "https://cdn.example.com/photo.png", body=PNG, headers={"Content-Type": "image/png"})
    mocked.add("POST", MEDIA, **json_error(500, {"error": "Error processing thumbnail for uploaded media"}))

    error = publish_error(lambda: client.publish(PublishPayload(text="Look", media=(image(),))))

    assert error.kind == ErrorKind.TRANSIENT and error.http_status == 500


# --- errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_code", "body", "kind", "words"),
    [
        (401, {"error": "The access token is invalid"}, ErrorKind.AUTH, "The access token is invalid"),
        (422, {"error": "Validation failed: Text can't be blank"}, ErrorKind.INVALID, "Text can't be blank"),
        (
            403,
            {"error": "Your login is currently disabled"},
            ErrorKind.INVALID,
            "login is currently disabled",
        ),
        (503, {"error": "Service Unavailable"}, ErrorKind.UNKNOWN, "may exist"),
    ],
)
def test_publish__error_answers_map_to_kinds(client, mocked, status_code, body, kind, words):
    mocked.add("POST", STATUSES, **json_error(status_code, body))

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert (error.kind, error.http_status) == (kind, status_code)
    assert words in error.message and error.message.startswith("Mastodon answered HTTP")


def test_publish__429_is_transient_until_the_iso_reset_time(client, mocked):
    reset = (datetime.now(UTC) + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    mocked.add(
        "POST",
        STATUSES,
        **json_error(
            429, {"error": "Too many requests"}, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
        ),
    )

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert error.kind == ErrorKind.TRANSIENT
    assert 230 < error.retry_after <= 240


def test_rate_limit_reset__falls_back_to_retry_after_and_ignores_a_bad_date():
    response = requests.Response()
    response.headers.update({"X-RateLimit-Reset": "soon", "Retry-After": "30"})
    assert rate_limit_reset_seconds(response) == 30.0
    response.headers["X-RateLimit-Reset"] = "2026-01-01T00:00:30"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert rate_limit_reset_seconds(response, now=now) == 30.0


def test_publish__a_read_timeout_on_the_create_call_is_an_unknown_outcome(client, mocked):
    mocked.add("POST", STATUSES, body=requests.ReadTimeout("read timed out"))

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert error.kind == ErrorKind.UNKNOWN and "may exist" in error.message


def test_publish__a_connection_that_never_opened_is_transient(client, mocked):
    mocked.add("POST", STATUSES, body=requests.ConnectTimeout("connect timed out"))

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert error.kind == ErrorKind.TRANSIENT and "nothing was sent" in error.message


def test_publish__an_account_without_its_server_cannot_be_sent(make_account, mocked):
    client = MastodonClient(make_account(Platform.MASTODON, external_id="1@gone.example"))

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert error.kind == ErrorKind.INVALID and "server_url" in error.message
    assert len(mocked.calls) == 0


# --- reconcile -----------------------------------------------------------------------------------------

SENT = PublishPayload(
    text="Spring sale https://shop.example/spring?utm=1 with @bob@other.example\n\nToday only & more",
    options={"spoiler_text": "Ads"},
)
SENT_AS_HTML = (
    '<p>Spring sale <a href="https://shop.example/spring?utm=1" rel="nofollow noopener" target="_blank">'
    '<span class="invisible">https://</span><span class="ellipsis">shop.example/spring?ut</span>'
    '<span class="invisible">m=1</span></a> with <span class="h-card" translate="no">'
    '<a href="https://other.example/@bob" class="u-url mention">@<span>bob</span></a></span></p>'
    "<p>Today only &amp; more</p>"
)


def test_reconcile__finds_the_status_by_its_shown_text_and_content_warning(client, mocked):
    mocked.add(
        "GET",
        LIST,
        json=[
            status("120", content="<p>Something else</p>"),
            status("119", content=SENT_AS_HTML, spoiler_text="Other warning"),
            status("118", content=SENT_AS_HTML, spoiler_text="Ads"),
        ],
        match=[matchers.query_param_matcher({"limit": "40", "exclude_reblogs": "true"}), with_headers()],
    )

    answer = client.reconcile(in_doubt(SENT))

    assert answer == Found(platform_post_id="118", platform_post_url=f"{SERVER}/@acme/118")


def test_reconcile__not_found_once_the_list_reaches_statuses_older_than_the_attempt(client, mocked):
    mocked.add("GET", LIST, json=[status(str(200 - n), content="<p>Other</p>") for n in range(40)])
    mocked.add(
        "GET",
        LIST,
        json=[status("150", content=SENT_AS_HTML, created_at=STARTED_AT - timedelta(hours=1))],
        match=[matchers.query_param_matcher({"limit": "40", "exclude_reblogs": "true", "max_id": "161"})],
    )

    answer = client.reconcile(in_doubt(SENT))

    assert isinstance(answer, NotFound)


def test_reconcile__an_empty_list_is_not_found(client, mocked):
    mocked.add("GET", LIST, json=[])

    assert isinstance(client.reconcile(in_doubt(SENT)), NotFound)


@pytest.mark.parametrize(
    "failure",
    [
        json_error(503, {"error": "Service Unavailable"}),
        json_error(401, {"error": "The access token is invalid"}),
        {"body": requests.ReadTimeout("read timed out")},
        {"json": {"statuses": []}},
    ],
    ids=["503", "401", "timeout", "not a list"],
)
def test_reconcile__a_lookup_that_fails_cannot_tell_never_not_found(client, mocked, failure):
    mocked.add("GET", LIST, **failure)

    answer = client.reconcile(in_doubt(SENT))

    assert isinstance(answer, CannotTell)


def test_reconcile__a_status_without_text_cannot_be_told(client, mocked):
    answer = client.reconcile(in_doubt(PublishPayload(text="", media=(image(),))))

    assert isinstance(answer, CannotTell) and len(mocked.calls) == 0


def test_reconcile__pages_are_bounded(client, mocked):
    for page in range(3):
        mocked.add(
            "GET", LIST, json=[status(str(900 - page * 40 - n), content="<p>x</p>") for n in range(40)]
        )

    assert isinstance(client.reconcile(in_doubt(SENT)), CannotTell)


# --- no token leaves through an error ------------------------------------------------------------------


def test_errors_never_carry_the_token(client, mocked):
    mocked.add("POST", STATUSES, **json_error(422, {"error": f"Validation failed: {TOKEN}"}))

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert "[redacted]" in error.message
    assert BEARER["Authorization"] not in error.message
