"""The Sandbox client at the wire: the requests it sends (mocked with ``responses``), the answers' kinds,
and reconciliation by the account's posts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.platforms import ErrorKind
from social.platforms import PublishPayload
from social.platforms.base.client import CannotTell
from social.platforms.base.client import Found
from social.platforms.base.client import MediaItem
from social.platforms.base.client import NotFound
from social.platforms.sandbox import client as sandbox_client
from social.platforms.sandbox.client import SandboxClient
from social.platforms.sandbox.client import post_idempotency_key

from ..helpers import PNG
from ..helpers import STARTED_AT
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import publish_error
from ..helpers import with_headers
from ..helpers import without_authorization

SERVER = "https://sandbox.example"
API = f"{SERVER}/sandbox/api/v1"
POSTS = f"{API}/posts"
MEDIA = f"{API}/media"
LIST = f"{API}/accounts/acme/posts"


def post(post_id: str = "p_1", text: str = "Hello", media: int = 0) -> dict:
    return {
        "id": post_id,
        "account": "acme",
        "text": text,
        "created_at": "2025-03-01T12:00:01Z",
        "url": f"{SERVER}/sandbox/acme/#{post_id}",
        "media": [{"id": f"m_{index}", "type": "image"} for index in range(media)],
    }


@pytest.fixture
def client(make_account) -> SandboxClient:
    account = make_account(Platform.SANDBOX, external_id="acme", server_url=SERVER, handle="acme")
    return SandboxClient(account)


def body_of(call) -> dict:
    return json.loads(call.request.body)


# --- publishing text --------------------------------------------------------------------------------------


def test_publish__text_is_one_post_with_an_idempotency_key_made_from_the_post(client, mocked):
    sent = PublishPayload(text="Hello", idempotency_key="post-7-account-3")
    mocked.post(
        POSTS,
        json=post(),
        status=201,
        match=[
            with_headers({"Idempotency-Key": post_idempotency_key(sent)}),
            matchers.json_params_matcher({"text": "Hello", "media_ids": []}),
        ],
    )

    result = client.publish(sent)

    assert (result.platform_post_id, result.platform_post_url) == ("p_1", f"{SERVER}/sandbox/acme/#p_1")
    assert len(post_idempotency_key(sent)) == 64


def test_publish__without_the_publishers_identity_no_idempotency_key(client, mocked):
    mocked.post(POSTS, json=post(), status=201)

    client.publish(PublishPayload(text="Hello"))

    assert "Idempotency-Key" not in mocked.calls[0].request.headers


def test_idempotency_key__the_same_for_a_retry_and_different_for_other_content():
    first = PublishPayload(text="Hello", idempotency_key="post-7-account-3")
    assert post_idempotency_key(first) == post_idempotency_key(
        PublishPayload(text="Hello", idempotency_key="post-7-account-3")
    )
    assert post_idempotency_key(first) != post_idempotency_key(
        PublishPayload(text="Hello!", idempotency_key="post-7-account-3")
    )
    assert post_idempotency_key(first) != post_idempotency_key(
        PublishPayload(text="Hello", idempotency_key="post-8-account-3")
    )


def test_publish__the_network_address_setting_wins_over_the_one_kept_on_the_account(client, mocked, settings):
    settings.SANDBOX_URL = "http://sandbox.internal:8000/"
    mocked.post("http://sandbox.internal:8000/sandbox/api/v1/posts", json=post(), status=201)

    assert client.publish(PublishPayload(text="Hello")).platform_post_id == "p_1"


def test_publish__an_account_without_an_address_is_invalid_before_any_call(make_account, mocked):
    account = make_account(Platform.SANDBOX, external_id="acme")

    error = publish_error(lambda: SandboxClient(account).publish(PublishPayload(text="Hello")))

    assert error.kind == ErrorKind.INVALID
    assert "SANDBOX_URL" in error.message
    assert not mocked.calls


# --- media ---------------------------------------------------------------------------------------------


def test_publish__an_image_is_streamed_from_its_url_in_pieces_then_attached(client, mocked, monkeypatch):
    monkeypatch.setattr(sandbox_client, "UPLOAD_PIECE_BYTES", 32)
    assert len(PNG) == 72  # three pieces: 32 + 32 + 8
    mocked.get(
        "https://cdn.example.com/photo.png",
        body=PNG,
        headers={"Content-Type": "image/png", "Content-Length": str(len(PNG))},
        match=[without_authorization()],
    )
    mocked.post(
        MEDIA,
        json={"id": "m_1", "state": "uploading"},
        status=201,
        match=[
            with_headers(),
            matchers.json_params_matcher(
                {"type": "image", "content_type": "image/png", "alt_text": "A chart", "size": 72}
            ),
        ],
    )
    for first, last, status in ((0, 31, 308), (32, 63, 308), (64, 71, 201)):
        mocked.put(
            f"{MEDIA}/m_1/content",
            status=status,
            json={"id": "m_1", "state": "ready"} if status == 201 else None,
            match=[
                with_headers(
                    {"Content-Range": f"bytes {first}-{last}/72", "Content-Type": "application/octet-stream"}
                ),
                _body(PNG[first : last + 1]),
            ],
        )
    mocked.post(
        POSTS,
        json=post(media=1),
        status=201,
        match=[matchers.json_params_matcher({"text": "Chart", "media_ids": ["m_1"]})],
    )

    client.publish(PublishPayload(text="Chart", media=(image(alt_text="A chart"),)))

    assert [call.request.method for call in mocked.calls] == ["GET", "POST", "PUT", "PUT", "PUT", "POST"]


def test_publish__a_file_of_unknown_size_says_so_until_its_last_piece(client, mocked, monkeypatch):
    monkeypatch.setattr(sandbox_client, "UPLOAD_PIECE_BYTES", 40)
    mocked.get("https://cdn.example.com/photo.png", body=PNG, headers={"Content-Type": "image/png"})
    mocked.post(MEDIA, json={"id": "m_1"}, status=201)
    mocked.put(f"{MEDIA}/m_1/content", status=308, match=[with_headers({"Content-Range": "bytes 0-39/*"})])
    mocked.put(
        f"{MEDIA}/m_1/content",
        status=201,
        json={"id": "m_1"},
        match=[with_headers({"Content-Range": "bytes 40-71/72"})],
    )
    mocked.post(POSTS, json=post(media=1), status=201)

    client.publish(PublishPayload(text="Chart", media=(image(),)))

    assert "size" not in json.loads(mocked.calls[1].request.body)


def test_publish__an_image_of_a_type_the_sandbox_refuses_is_invalid_before_uploading(client, mocked):
    mocked.get("https://cdn.example.com/photo.png", body=b"BM...", headers={"Content-Type": "image/bmp"})

    error = publish_error(lambda: client.publish(PublishPayload(text="x", media=(image(),))))

    assert error.kind == ErrorKind.INVALID
    assert "image/bmp" in error.message and "image/png" in error.message


def test_publish__a_video_over_the_limit_is_refused_by_its_announced_size(client, mocked):
    mocked.get(
        "https://cdn.example.com/clip.mp4",
        body=b"",
        headers={"Content-Type": "video/mp4", "Content-Length": str(300_000_000)},
    )

    error = publish_error(
        lambda: client.publish(
            PublishPayload(text="x", media=(MediaItem("https://cdn.example.com/clip.mp4", "video"),))
        )
    )

    assert error.kind == ErrorKind.INVALID
    assert "larger than 200,000,000 bytes, the Sandbox's limit for a video" in error.message


def test_publish__a_failed_piece_is_transient_nothing_was_posted(client, mocked):
    mocked.get("https://cdn.example.com/photo.png", body=PNG, headers={"Content-Type": "image/png"})
    mocked.post(MEDIA, json={"id": "m_1"}, status=201)
    mocked.put(f"{MEDIA}/m_1/content", **json_error(503, {"error": "unavailable", "message": "try later"}))

    error = publish_error(lambda: client.publish(PublishPayload(text="x", media=(image(),))))

    assert error.kind == ErrorKind.TRANSIENT
    assert "upload image 1" in error.message


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "media", "problem"),
    [
        ("a" * 501, (), "501 characters, the limit is 500"),
        ("", (), "the post has no text and no media"),
        ("x", (image(),) * 5, "5 images, the limit is 4"),
        (
            "x",
            (image(), MediaItem("https://cdn.example.com/c.mp4", "video")),
            "a video must be the post's only media item",
        ),
        ("x", (MediaItem("https://cdn.example.com/a.pdf", "document"),), "media 1 is a document"),
        (
            "x",
            (image(alt_text="a" * 1501),),
            "the alt text of media 1 has 1,501 characters, the limit is 1,500",
        ),
    ],
)
def test_validate__names_what_the_sandbox_refuses(client, text, media, problem):
    assert problem in "; ".join(client.validate(PublishPayload(text=text, media=media)))


def test_validate__500_characters_and_4_images_are_fine(client):
    assert client.validate(PublishPayload(text="a" * 500, media=(image(),) * 4)) == []


# --- errors --------------------------------------------------------------------------------------------


def test_publish__a_rate_limit_is_transient_and_waits_as_long_as_the_sandbox_asks(client, mocked):
    mocked.post(
        POSTS,
        **json_error(429, {"error": "rate_limited", "message": "Too many posts"}, **{"Retry-After": "30"}),
    )

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert (error.kind, error.retry_after, error.http_status) == (ErrorKind.TRANSIENT, 30.0, 429)
    assert "Too many posts" in error.message


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, ErrorKind.AUTH), (422, ErrorKind.INVALID), (503, ErrorKind.UNKNOWN), (504, ErrorKind.UNKNOWN)],
)
def test_publish__each_answer_to_the_create_call_has_its_kind(client, mocked, status, kind):
    mocked.post(POSTS, **json_error(status, {"error": "e", "message": "the network's words"}))

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert error.kind == kind
    assert "the network's words" in error.message
    assert ("may exist" in error.message) == (kind == ErrorKind.UNKNOWN)


def test_publish__an_answer_that_never_comes_is_unknown(client, mocked):
    mocked.post(POSTS, body=requests.ReadTimeout("read timed out"))

    error = publish_error(lambda: client.publish(PublishPayload(text="Hello")))

    assert error.kind == ErrorKind.UNKNOWN
    assert "The post may exist." in error.message


# --- reconciliation ------------------------------------------------------------------------------------


def since_matcher():
    return matchers.query_param_matcher(
        {"since": (STARTED_AT - timedelta(minutes=2)).isoformat(), "limit": "100"}
    )


def test_reconcile__finds_the_post_among_the_accounts_posts_since_the_attempt(client, mocked):
    mocked.get(
        LIST,
        json={"posts": [post("p_9", "Other"), post("p_8", "Hello")], "next_before": None},
        match=[since_matcher(), with_headers()],
    )

    assert client.reconcile(in_doubt(PublishPayload(text="Hello"))) == Found(
        "p_8", f"{SERVER}/sandbox/acme/#p_8"
    )


def test_reconcile__reads_on_to_the_next_page(client, mocked):
    mocked.get(LIST, json={"posts": [post("p_9", "Other")], "next_before": "p_9"}, match=[since_matcher()])
    mocked.get(
        LIST,
        json={"posts": [post("p_8", "Hello")], "next_before": None},
        match=[
            matchers.query_param_matcher(
                {"since": (STARTED_AT - timedelta(minutes=2)).isoformat(), "limit": "100", "before": "p_9"}
            )
        ],
    )

    assert client.reconcile(in_doubt(PublishPayload(text="Hello"))).platform_post_id == "p_8"


def test_reconcile__the_same_text_with_other_media_is_not_the_post(client, mocked):
    mocked.get(LIST, json={"posts": [post("p_8", "Hello", media=1)], "next_before": None})

    assert isinstance(client.reconcile(in_doubt(PublishPayload(text="Hello"))), NotFound)


def test_reconcile__a_failure_to_look_is_cannot_tell_never_not_found(client, mocked):
    mocked.get(LIST, **json_error(503, {"error": "unavailable", "message": "down"}))

    result = client.reconcile(in_doubt(PublishPayload(text="Hello")))

    assert isinstance(result, CannotTell)
    assert "down" in result.reason


def test_reconcile__a_post_without_text_cannot_be_told_apart(client, mocked):
    result = client.reconcile(in_doubt(PublishPayload(text=" ", media=(image(),))))

    assert isinstance(result, CannotTell)
    assert not mocked.calls


def _body(expected: bytes):
    def match(request):
        return (request.body == expected, f"body {request.body!r} is not {expected!r}")

    return match
