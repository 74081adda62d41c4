"""The Bluesky client at the wire: the records it creates (facets, mentions, hashtags, images), its errors,
and reconciling by the record key it chose."""

from __future__ import annotations

import time

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.platforms import CannotTell
from social.platforms import ErrorKind
from social.platforms import Found
from social.platforms import NotFound
from social.platforms import PublishResult
from social.platforms import validation_problems
from social.platforms.bluesky.client import BlueskyClient
from social.platforms.bluesky.tid import is_tid

from ..helpers import IMAGE_URL
from ..helpers import body_is
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from ..helpers import with_headers
from ..helpers import without_authorization
from .wire import CREATE
from .wire import DID
from .wire import GET_RECORD
from .wire import RESOLVE
from .wire import UPLOAD
from .wire import Created
from .wire import blob
from .wire import png

# --- Publishing ---------------------------------------------------------------------------------------


def test_publish__a_text_post_is_a_record_at_the_key_saved_before_the_call(client, created, progress):
    result = client.publish(payload("Hello Bluesky"))

    [body] = created.bodies
    rkey = body["rkey"]
    assert is_tid(rkey) and progress.saved == [{"rkey": rkey}]
    assert body == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "Hello Bluesky",
            "createdAt": body["record"]["createdAt"],
        },
    }
    assert body["record"]["createdAt"].endswith("Z") and len(body["record"]["createdAt"]) == 24
    assert result == PublishResult(
        platform_post_id=f"at://{DID}/app.bsky.feed.post/{rkey}",
        platform_post_url=f"https://bsky.app/profile/{DID}/post/{rkey}",
    )


def test_publish__goes_to_the_accounts_own_pds(make_account, mocked, progress):
    account = make_account(Platform.BLUESKY, external_id=DID, pds_url="https://pds.example.org/")
    answer = Created(progress)
    mocked.add_callback("POST", "https://pds.example.org/xrpc/com.atproto.repo.createRecord", callback=answer)

    result = BlueskyClient(account, on_progress=progress).publish(payload("Self-hosted"))

    assert result.platform_post_id == f"at://{DID}/app.bsky.feed.post/{answer.bodies[0]['rkey']}"


def test_publish__an_answer_without_the_records_uri_may_have_made_the_post(client, mocked):
    mocked.post(CREATE, json={"cid": "bafyrei"})

    error = publish_error(lambda: client.publish(payload("Hello")))

    assert error.kind == ErrorKind.UNKNOWN and "The post may exist" in error.message


def test_publish__facets_at_byte_offsets_after_emoji_and_cjk(client, created):
    text = "春のセール 🌸🎉 https://shop.example.com/sale #spring"

    client.publish(payload(text))

    encoded = text.encode()
    link_start = encoded.index(b"https://")
    tag_start = encoded.index(b"#spring")
    assert created.record["facets"] == [
        {
            "index": {"byteStart": link_start, "byteEnd": link_start + len("https://shop.example.com/sale")},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://shop.example.com/sale"}],
        },
        {
            "index": {"byteStart": tag_start, "byteEnd": len(encoded)},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "spring"}],
        },
    ]
    assert link_start == 25 and text.index("https://") == 9
    assert "embed" not in created.record  # the page could not be read (no DNS): no card, still posted


def test_publish__mentions_are_resolved_to_dids_and_unknown_handles_stay_text(client, mocked, created):
    mocked.get(
        RESOLVE,
        match=[matchers.query_param_matcher({"handle": "alice.bsky.social"}), with_headers()],
        json={"did": "did:plc:alice"},
    )
    mocked.get(
        RESOLVE,
        match=[matchers.query_param_matcher({"handle": "ghost.example.com"})],
        **json_error(400, {"error": "HandleNotFound", "message": "Unable to resolve handle"}),
    )
    text = "Thanks @Alice.bsky.social and @ghost.example.com! Again: @alice.bsky.social"

    client.publish(payload(text))

    mentions = created.record["facets"]
    assert [text.encode()[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in mentions] == [
        "@Alice.bsky.social",
        "@alice.bsky.social",
    ]
    assert {feature["did"] for facet in mentions for feature in facet["features"]} == {"did:plc:alice"}
    assert len(mocked.calls) == 3  # each handle resolved once


def test_publish__a_failing_handle_resolution_is_retried_not_dropped(client, mocked, progress):
    mocked.get(RESOLVE, **json_error(502, {"error": "UpstreamFailure", "message": "Upstream Failure"}))

    error = publish_error(lambda: client.publish(payload("Hi @alice.bsky.social")))

    assert (error.kind, error.http_status) == (ErrorKind.TRANSIENT, 502)
    assert progress.saved == []  # nothing was created


def test_publish__languages(client, created):
    client.publish(payload("Olá", langs="pt-BR, en"))

    assert created.record["langs"] == ["pt-BR", "en"]


def test_publish__images_streamed_with_alt_text_and_aspect_ratio(client, mocked, created):
    first, second = png(1200, 675), png(300, 400)
    for url, content in ((IMAGE_URL, first), ("https://cdn.example.com/b.png", second)):
        mocked.get(
            url,
            body=content,
            content_type="image/png",
            auto_calculate_content_length=True,
            match=[without_authorization()],
        )
    for cid, content in (("bafkreifirst", first), ("bafkreisecond", second)):
        mocked.post(
            UPLOAD,
            match=[
                with_headers({"Content-Type": "image/png", "Content-Length": str(len(content))}),
                body_is(content),
            ],
            json={"blob": blob(cid, size=len(content))},
        )

    client.publish(
        payload(
            "Two pictures",
            image(alt_text="A red banner"),
            image("https://cdn.example.com/b.png"),
        )
    )

    assert created.record["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [
            {
                "image": blob("bafkreifirst", size=len(first)),
                "alt": "A red banner",
                "aspectRatio": {"width": 1200, "height": 675},
            },
            {
                "image": blob("bafkreisecond", size=len(second)),
                "alt": "",
                "aspectRatio": {"width": 300, "height": 400},
            },
        ],
    }


def test_publish__an_image_of_unknown_size_is_read_then_sent(client, mocked, created):
    content = png()
    mocked.get(IMAGE_URL, body=content, content_type="image/png")  # no Content-Length
    mocked.post(UPLOAD, match=[body_is(content)], json={"blob": blob("bafkreione")})

    client.publish(payload("", image(alt_text="Chart")))

    assert created.record["text"] == ""
    assert created.record["embed"]["images"][0]["aspectRatio"] == {"width": 40, "height": 30}


def test_publish__an_image_that_is_not_one_goes_without_aspect_ratio(client, mocked, created):
    mocked.get(
        IMAGE_URL, body=b"not really a png", content_type="image/png", auto_calculate_content_length=True
    )
    mocked.post(UPLOAD, json={"blob": blob("bafkreiodd")})

    client.publish(payload("Odd", image()))

    assert "aspectRatio" not in created.record["embed"]["images"][0]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-content-length"])
def test_publish__an_image_over_two_megabytes_is_refused_before_any_upload(
    client, mocked, progress, declared
):
    mocked.get(
        IMAGE_URL,
        body=b"\x89PNG" + bytes(2_000_000),
        content_type="image/png",
        auto_calculate_content_length=declared,
    )

    error = publish_error(lambda: client.publish(payload("Big", image())))

    assert error.kind == ErrorKind.INVALID
    assert "Bluesky's limit of 2,000,000 bytes per image" in error.message
    assert progress.saved == []


def test_publish__an_image_url_that_is_not_an_image_is_refused(client, mocked):
    mocked.get(IMAGE_URL, body=b"<html>", content_type="text/html")

    error = publish_error(lambda: client.publish(payload("x", image())))

    assert error.kind == ErrorKind.INVALID and "text/html, not an image" in error.message


def test_publish__a_download_that_breaks_off_is_transient_and_nothing_is_created(client, mocked, progress):
    mocked.get(IMAGE_URL, body=png()[:20], content_type="image/png", headers={"Content-Length": "5000"})

    error = publish_error(lambda: client.publish(payload("x", image())))

    assert error.kind == ErrorKind.TRANSIENT and "broke off" in error.message
    assert progress.saved == []


# --- Errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        (
            json_error(400, {"error": "ExpiredToken", "message": "Token has expired"}),
            ErrorKind.AUTH,
            "ExpiredToken",
        ),
        (
            json_error(400, {"error": "InvalidToken", "message": "Token could not be verified"}),
            ErrorKind.AUTH,
            "InvalidToken",
        ),
        (
            json_error(401, {"error": "AuthenticationRequired", "message": "Invalid token"}),
            ErrorKind.AUTH,
            "Invalid token",
        ),
        (
            json_error(
                400,
                {
                    "error": "InvalidRequest",
                    "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
                },
            ),
            ErrorKind.INVALID,
            "must not be longer than 300 graphemes",
        ),
        (
            json_error(500, {"error": "InternalServerError", "message": "Internal Server Error"}),
            ErrorKind.UNKNOWN,
            "The post may exist",
        ),
        (
            {"status": 502, "body": "<html>Bad Gateway</html>", "content_type": "text/html"},
            ErrorKind.UNKNOWN,
            "Bad Gateway",
        ),
        (
            json_error(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}),
            ErrorKind.INVALID,
            "Not Implemented",
        ),
    ],
    ids=["expired", "invalid-token", "401", "invalid-request", "500", "502-html", "501"],
)
def test_errors__create_record(client, mocked, answer, kind, words):
    mocked.post(CREATE, **answer)

    error = publish_error(lambda: client.publish(payload("Hello")))

    assert error.kind == kind
    assert words in error.message and error.message.startswith("Bluesky answered HTTP")


def test_errors__rate_limit_waits_until_the_reset_time(client, mocked):
    reset = int(time.time()) + 300
    mocked.post(
        CREATE,
        **json_error(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            **{
                "RateLimit-Limit": "5000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(reset),
                "RateLimit-Policy": "5000;w=3600",
            },
        ),
    )

    error = publish_error(lambda: client.publish(payload("Hello")))

    assert (error.kind, error.http_status) == (ErrorKind.TRANSIENT, 429)
    assert 290 <= error.retry_after <= 300
    assert error.limit == "account", "the account's write points: its other posts wait for the reset"


def test_errors__a_timeout_on_create_is_unknown_and_the_key_is_saved(client, mocked, progress):
    mocked.post(CREATE, body=requests.ReadTimeout("read timed out"))

    error = publish_error(lambda: client.publish(payload("Hello")))

    assert error.kind == ErrorKind.UNKNOWN and "The post may exist" in error.message
    assert is_tid(progress.last["rkey"])


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            json_error(
                400,
                {
                    "error": "BlobTooLarge",
                    "message": "This file is too large. It is 2.5MB but the maximum size is 2.0MB.",
                },
            ),
            ErrorKind.INVALID,
        ),
        (
            json_error(413, {"error": "PayloadTooLarge", "message": "request entity too large"}),
            ErrorKind.INVALID,
        ),
        (
            json_error(503, {"error": "InternalServerError", "message": "Internal Server Error"}),
            ErrorKind.TRANSIENT,
        ),
    ],
    ids=["blob-too-large", "413", "503"],
)
def test_errors__upload_blob(client, mocked, progress, answer, kind):
    mocked.get(IMAGE_URL, body=png(), content_type="image/png", auto_calculate_content_length=True)
    mocked.post(UPLOAD, **answer)

    error = publish_error(lambda: client.publish(payload("x", image())))

    assert error.kind == kind
    assert progress.saved == []  # no create call: nothing to reconcile


# --- Reconcile ------------------------------------------------------------------------------------------

RKEY = "3lbq7xyz2ab2c"


def test_reconcile__the_record_at_the_saved_key_is_found(client, mocked):
    mocked.get(
        GET_RECORD,
        match=[
            matchers.query_param_matcher({"repo": DID, "collection": "app.bsky.feed.post", "rkey": RKEY}),
            with_headers(),
        ],
        json={
            "uri": f"at://{DID}/app.bsky.feed.post/{RKEY}",
            "cid": "bafyrei",
            "value": {"text": "Hello", "$type": "app.bsky.feed.post"},
        },
    )

    assert client.reconcile(in_doubt(payload("Hello"), rkey=RKEY)) == Found(
        platform_post_id=f"at://{DID}/app.bsky.feed.post/{RKEY}",
        platform_post_url=f"https://bsky.app/profile/{DID}/post/{RKEY}",
    )


def test_reconcile__record_not_found_means_not_there(client, mocked):
    mocked.get(
        GET_RECORD,
        **json_error(
            400,
            {
                "error": "RecordNotFound",
                "message": f"Could not locate record: at://{DID}/app.bsky.feed.post/{RKEY}",
            },
        ),
    )

    assert isinstance(client.reconcile(in_doubt(payload("Hello"), rkey=RKEY)), NotFound)


@pytest.mark.parametrize(
    "answer",
    [
        json_error(400, {"error": "InvalidRequest", "message": "Could not find repo"}),
        json_error(400, {"error": "ExpiredToken", "message": "Token has expired"}),
        json_error(500, {"error": "InternalServerError", "message": "Internal Server Error"}),
        {"body": requests.ReadTimeout("slow")},
        {"json": {"uri": "x", "value": {"text": "Another post"}}},
    ],
    ids=["other-400", "expired", "500", "timeout", "other-text"],
)
def test_reconcile__anything_else_cannot_tell(client, mocked, answer):
    mocked.get(GET_RECORD, **answer)

    assert isinstance(client.reconcile(in_doubt(payload("Hello"), rkey=RKEY)), CannotTell)


def test_reconcile__without_a_saved_key_the_create_call_never_went_out(client):
    assert isinstance(client.reconcile(in_doubt(payload("Hello"))), NotFound)


def test_reconcile__a_saved_key_that_is_not_a_tid_cannot_tell(client):
    assert isinstance(client.reconcile(in_doubt(payload("Hello"), rkey="../../etc")), CannotTell)


# --- Validation -----------------------------------------------------------------------------------------


def test_validate__graphemes_not_code_points(client):
    family = "👨‍👩‍👧"  # one grapheme, five code points, 18 bytes
    assert client.validate(payload(family * 150)) == []
    assert client.validate(payload("a" * 300)) == []
    assert client.validate(payload("a" * 301)) == [
        "301 characters (grapheme clusters, as Bluesky counts them), the limit is 300"
    ]


def test_validate__bytes(client):
    text = "👨‍👩‍👧‍👦" * 120  # 120 graphemes, 3,000 bytes
    assert client.validate(payload(text)) == []
    assert client.validate(payload(text + "é")) == ["3,002 bytes of text in UTF-8, the limit is 3,000"]


def test_validate__media_and_options(client):
    problems = client.validate(
        payload("x", *(image() for _ in range(4)), video(), langs="en, x, de-DE-1234567890, fr, pt")
    )

    assert problems == [
        "media 5 is a video; this scheduler posts images to Bluesky, not videos or GIFs",
        "5 images, the limit is 4",
        "'x' is not a language tag such as en or pt-BR",
        "'de-DE-1234567890' is not a language tag such as en or pt-BR",
        "5 languages, the limit is 3",
    ]
    assert client.validate(payload("", image())) == []
    assert client.validate(payload("")) == ["the post has no text and no media"]
    assert client.validate(payload("x", image("ftp://files.example.com/a.png"))) == [
        "media 1 needs an http(s) URL"
    ]


def test_validate__messages_name_bluesky(make_account):
    account = make_account(Platform.BLUESKY, external_id=DID)

    assert validation_problems(account, payload("a" * 301)) == [
        "Bluesky: 301 characters (grapheme clusters, as Bluesky counts them), the limit is 300"
    ]
