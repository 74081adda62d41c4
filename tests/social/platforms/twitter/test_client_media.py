"""The X client: images and videos uploaded, videos X is still processing resumed."""

from __future__ import annotations

import base64

import pytest
from responses import matchers

from social.platforms import ErrorKind
from social.platforms import MediaItem
from social.platforms import StillProcessing
from social.platforms.twitter import client as twitter

from ..helpers import IMAGE_URL
from ..helpers import PNG
from ..helpers import VIDEO_URL
from ..helpers import Progress
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from ..helpers import with_headers
from ..helpers import without_authorization
from .wire import API
from .wire import JSON
from .wire import TWEETS
from .wire import created


def test_publish__images_uploaded_through_v2_media_upload(client, mocked):
    second = "https://cdn.example.com/second.jpg"
    mocked.get(IMAGE_URL, body=PNG, content_type="image/png", match=[without_authorization()])
    mocked.post(
        f"{API}/2/media/upload",
        match=[
            with_headers(JSON),
            # Only media, media_category (and additional_owners) are in X's schema of this body.
            matchers.json_params_matcher(
                {"media": base64.b64encode(PNG).decode(), "media_category": "tweet_image"}, strict_match=True
            ),
        ],
        json={"data": {"id": "111", "media_key": "3_111", "size": len(PNG)}},
    )
    mocked.get(second, body=b"\xff\xd8jpeg", headers={"Content-Type": "application/octet-stream"})
    mocked.post(
        f"{API}/2/media/upload",
        match=[
            matchers.json_params_matcher(
                {"media": base64.b64encode(b"\xff\xd8jpeg").decode(), "media_category": "tweet_image"},
                strict_match=True,
            )
        ],
        json={"data": {"id": "222", "media_key": "3_222"}},
    )
    mocked.post(
        TWEETS,
        match=[matchers.json_params_matcher({"text": "Two photos", "media": {"media_ids": ["111", "222"]}})],
        **created("9"),
    )

    result = client.publish(payload("Two photos", image(), image(second)))

    assert result.platform_post_id == "9"


def test_publish__video_uploaded_in_chunks_then_waited_for(client, mocked, monkeypatch):
    monkeypatch.setattr(twitter, "UPLOAD_CHUNK_BYTES", 1000)
    body = bytes(range(256)) * 10  # 2,560 bytes: three segments of 1,000, 1,000 and 560
    mocked.get(VIDEO_URL, body=body, headers={"Content-Type": "video/mp4", "Content-Length": str(len(body))})
    mocked.post(
        f"{API}/2/media/upload/initialize",
        match=[
            with_headers(JSON),
            matchers.json_params_matcher(
                {"media_type": "video/mp4", "total_bytes": 2560, "media_category": "tweet_video"},
                strict_match=True,
            ),
        ],
        json={"data": {"id": "555", "media_key": "7_555", "expires_after_secs": 86400}},
    )
    for index, part in enumerate((body[:1000], body[1000:2000], body[2000:])):
        mocked.post(
            f"{API}/2/media/upload/555/append",
            match=[
                with_headers(),
                matchers.multipart_matcher(
                    {"media": ("chunk", part, "application/octet-stream")}, data={"segment_index": str(index)}
                ),
            ],
            json={"data": {"expires_at": 1735689600}},
        )
    mocked.post(
        f"{API}/2/media/upload/555/finalize",
        json={"data": {"id": "555", "processing_info": {"state": "pending", "check_after_secs": 3}}},
    )
    mocked.get(
        f"{API}/2/media/upload",
        match=[matchers.query_param_matcher({"command": "STATUS", "media_id": "555"}), with_headers()],
        json={"data": {"id": "555", "processing_info": {"state": "succeeded", "progress_percent": 100}}},
    )
    mocked.post(
        TWEETS,
        # A media-only post still sends text, empty: X's schema defaults it to "" "so it is always sent".
        match=[
            matchers.json_params_matcher({"text": "", "media": {"media_ids": ["555"]}}, strict_match=True)
        ],
        **created("10"),
    )
    waits = []
    client.sleep = waits.append

    result = client.publish(payload("", video()))

    assert result.platform_post_id == "10"
    assert waits == [3]


def test_publish__video_processing_failed_is_invalid(client, mocked):
    mocked.get(VIDEO_URL, body=b"v" * 10, headers={"Content-Type": "video/mp4", "Content-Length": "10"})
    mocked.post(f"{API}/2/media/upload/initialize", json={"data": {"id": "9"}})
    mocked.post(f"{API}/2/media/upload/9/append", json={"data": {}})
    mocked.post(
        f"{API}/2/media/upload/9/finalize",
        json={
            "data": {"id": "9", "processing_info": {"state": "failed", "error": {"message": "InvalidMedia"}}}
        },
    )

    error = publish_error(lambda: client.publish(payload("clip", video())))

    assert error.kind == ErrorKind.INVALID
    assert "InvalidMedia" in error.message


def test_publish__image_over_5_mb_is_refused_before_uploading(client, mocked):
    mocked.get(
        IMAGE_URL, body=b"", headers={"Content-Type": "image/png", "Content-Length": str(5 * 1024 * 1024 + 1)}
    )

    error = publish_error(lambda: client.publish(payload("big", image())))

    assert error.kind == ErrorKind.INVALID
    assert "5 MB" in error.message


def uploaded_video(mocked, media_id: str = "555", size: int = 10) -> None:
    mocked.get(
        VIDEO_URL, body=b"v" * size, headers={"Content-Type": "video/mp4", "Content-Length": str(size)}
    )
    mocked.post(f"{API}/2/media/upload/initialize", json={"data": {"id": media_id}})
    mocked.post(f"{API}/2/media/upload/{media_id}/append", json={"data": {}})


def media_status(mocked, media_id: str, state: str, check_after: int = 5) -> None:
    info = {"state": state, "check_after_secs": check_after} if state else None
    mocked.get(
        f"{API}/2/media/upload",
        match=[matchers.query_param_matcher({"command": "STATUS", "media_id": media_id}), with_headers()],
        json={"data": {"id": media_id, **({"processing_info": info} if info else {})}},
    )


def test_publish__a_video_still_processing_is_handed_on_with_its_media_id_saved(client, mocked):
    """After a short wait the call ends "still processing" instead of polling for minutes (before: a
    TRANSIENT failure after 180 s, and the retry uploaded the video again)."""
    progress = Progress()
    client.save_progress = progress
    client.media_wait_seconds = 10
    uploaded_video(mocked)
    mocked.post(
        f"{API}/2/media/upload/555/finalize",
        json={"data": {"id": "555", "processing_info": {"state": "pending", "check_after_secs": 5}}},
    )
    media_status(mocked, "555", "in_progress", check_after=5)
    media_status(mocked, "555", "in_progress", check_after=8)
    waits = []
    client.sleep = waits.append

    with pytest.raises(StillProcessing) as caught:
        client.publish(payload("clip", video()))

    assert progress.saved == [{"media_ids": ["555"]}]
    assert caught.value.check_after == 8
    assert waits == [5, 5]
    assert not [call for call in mocked.calls if call.request.url == TWEETS]


def test_resume__makes_the_post_once_x_has_processed_the_saved_video(client, mocked):
    media_status(mocked, "555", "succeeded")
    mocked.post(
        TWEETS,
        match=[
            matchers.json_params_matcher({"text": "clip", "media": {"media_ids": ["555"]}}, strict_match=True)
        ],
        **created("12"),
    )

    assert client.resume(in_doubt(payload("clip", video()), media_ids=["555"])).platform_post_id == "12"
    assert not [call for call in mocked.calls if call.request.url.startswith(VIDEO_URL)], (
        "never uploaded again"
    )


def test_resume__still_processing_again(client, mocked):
    media_status(mocked, "555", "in_progress", check_after=30)

    with pytest.raises(StillProcessing) as caught:
        client.resume(in_doubt(payload("clip", video()), media_ids=["555"]))
    assert caught.value.check_after == 30


def test_resume__processing_that_failed_is_invalid(client, mocked):
    mocked.get(
        f"{API}/2/media/upload",
        json={
            "data": {
                "id": "555",
                "processing_info": {"state": "failed", "error": {"message": "InvalidMedia"}},
            }
        },
    )

    error = publish_error(lambda: client.resume(in_doubt(payload("clip", video()), media_ids=["555"])))
    assert error.kind == ErrorKind.INVALID and "InvalidMedia" in error.message


def test_resume__media_x_no_longer_has_is_uploaded_again(client, mocked):
    mocked.get(
        f"{API}/2/media/upload", **json_error(400, {"title": "Invalid Request", "detail": "bad media_id"})
    )
    uploaded_video(mocked, media_id="556")
    mocked.post(f"{API}/2/media/upload/556/finalize", json={"data": {"id": "556"}})
    mocked.post(
        TWEETS,
        match=[matchers.json_params_matcher({"text": "clip", "media": {"media_ids": ["556"]}})],
        **created("13"),
    )

    assert client.resume(in_doubt(payload("clip", video()), media_ids=["555"])).platform_post_id == "13"


def test_publish__a_video_over_512_mb_is_refused_before_uploading(client, mocked):
    mocked.get(VIDEO_URL, body=b"", headers={"Content-Type": "video/mp4", "Content-Length": str(512_000_001)})

    error = publish_error(lambda: client.publish(payload("big", video())))

    assert error.kind == ErrorKind.INVALID and "512 MB" in error.message
    assert len(mocked.calls) == 1, "only the download was opened"


def test_publish__gif_url_of_a_missing_file_is_invalid(client, mocked):
    gif = MediaItem(url="https://cdn.example.com/gone.gif", type="gif")
    mocked.get(gif.url, status=404)

    error = publish_error(lambda: client.publish(payload("", gif)))

    assert (error.kind, error.http_status) == (ErrorKind.INVALID, 404)
