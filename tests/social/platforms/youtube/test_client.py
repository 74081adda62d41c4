"""The YouTube client: a resumable upload in chunks, scheduled publishing, and the errors on the way."""

from __future__ import annotations

import pytest
import requests
from responses import matchers

from social.platforms import ErrorKind
from social.platforms import PublishResult
from social.platforms import StillProcessing
from social.platforms.youtube.client import PACIFIC
from social.platforms.youtube.client import seconds_until_quota_reset

from ..helpers import VIDEO_URL
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from .wire import CHUNK
from .wire import OPTIONS
from .wire import SESSION
from .wire import START
from .wire import TOTAL
from .wire import VIDEO
from .wire import VIDEO_ID
from .wire import done
from .wire import in_hours
from .wire import incomplete
from .wire import put
from .wire import serve_video
from .wire import start_session
from .wire import upload
from .wire import youtube_error


def test_publish__resumable_upload_in_chunks(client, mocked, progress):
    serve_video(mocked)
    start_session(mocked)
    put(mocked, 0, CHUNK - 1, progress, **incomplete(CHUNK - 1))
    put(mocked, CHUNK, 2 * CHUNK - 1, **incomplete(2 * CHUNK - 1))
    put(mocked, 2 * CHUNK, TOTAL - 1, **done())

    result = client.publish(upload())

    assert result == PublishResult(VIDEO_ID, f"https://www.youtube.com/watch?v={VIDEO_ID}")
    assert progress.saved == [{"upload_url": SESSION, "total_bytes": TOTAL}]


def test_publish__resends_what_youtube_did_not_commit(client, mocked):
    serve_video(mocked)
    start_session(mocked)
    put(mocked, 0, CHUNK - 1, **incomplete(99_999))  # only the first 100,000 bytes arrived
    put(mocked, 100_000, CHUNK - 1, **incomplete(CHUNK - 1))
    put(mocked, CHUNK, 2 * CHUNK - 1, **incomplete(2 * CHUNK - 1))
    put(mocked, 2 * CHUNK, TOTAL - 1, status=201, json={"id": VIDEO_ID})

    assert client.publish(upload()).platform_post_id == VIDEO_ID


def test_publish__quota_exceeded_waits_until_midnight_pacific(client, mocked):
    serve_video(mocked)
    start_session(mocked, **youtube_error(403, "quotaExceeded"))

    error = publish_error(lambda: client.publish(upload()))

    assert error.kind == ErrorKind.TRANSIENT
    assert abs(error.retry_after - seconds_until_quota_reset()) < 5
    assert "quotaExceeded" in error.message
    assert error.limit == "app", "the API project's quota: every channel's uploads wait for it"


def test_publish__tells_the_author_when_youtube_forced_the_video_private(client, mocked):
    """An unaudited API project's uploads are private whatever was asked: read status.privacyStatus."""
    body = VIDEO[:1000]
    serve_video(mocked, body)
    mocked.post(START, headers={"Location": SESSION})
    mocked.put(
        SESSION, json={"id": VIDEO_ID, "status": {"uploadStatus": "uploaded", "privacyStatus": "private"}}
    )

    result = client.publish(payload("Our launch", video(), title="Launch video", privacy_status="unlisted"))

    assert result.platform_post_id == VIDEO_ID
    assert "YouTube made the video private although unlisted was asked" in result.notice
    assert "audit" in result.notice


def test_publish__the_privacy_asked_for_is_no_notice(client, mocked):
    serve_video(mocked, VIDEO[:1000])
    mocked.post(START, headers={"Location": SESSION})
    mocked.put(SESSION, json={"id": VIDEO_ID, "status": {"privacyStatus": "unlisted"}})

    result = client.publish(payload("Our launch", video(), title="Launch video", privacy_status="unlisted"))

    assert result.notice == ""


def test_publish__publish_at_uploads_now_private_and_scheduled_then_waits_for_that_time(
    client, mocked, progress
):
    when = in_hours(3)
    serve_video(mocked)
    start_session(
        mocked,
        video_status={
            "privacyStatus": "private",
            "selfDeclaredMadeForKids": False,
            "publishAt": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    put(mocked, 0, CHUNK - 1, **incomplete(CHUNK - 1))
    put(mocked, CHUNK, 2 * CHUNK - 1, **incomplete(2 * CHUNK - 1))
    put(
        mocked,
        2 * CHUNK,
        TOTAL - 1,
        json={"id": VIDEO_ID, "status": {"privacyStatus": "private", "publishAt": when.isoformat()}},
    )
    options = {**OPTIONS, "privacy_status": "public", "publish_at": when.astimezone(PACIFIC).isoformat()}

    with pytest.raises(StillProcessing) as caught:
        client.publish(payload("Our launch", video(), **options))

    assert progress.last["video_id"] == VIDEO_ID and progress.last["publish_at"] == when.isoformat()
    assert 3 * 3600 <= caught.value.check_after <= 3 * 3600 + 60
    assert VIDEO_ID in caught.value.message


def test_publish__a_publish_at_that_has_come_is_uploaded_as_asked(client, mocked):
    serve_video(mocked, VIDEO[:1000])
    mocked.post(
        START,
        match=[
            matchers.json_params_matcher(
                {"status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False}}, strict_match=False
            )
        ],
        headers={"Location": SESSION},
    )
    mocked.put(SESSION, json={"id": VIDEO_ID, "status": {"privacyStatus": "public"}})
    past = in_hours(-1).isoformat()

    result = client.publish(payload("Late", video(), title="Late", publish_at=past))

    assert (result.platform_post_id, result.notice) == (VIDEO_ID, "")


@pytest.mark.parametrize(
    ("response", "kind", "retry_after"),
    [
        (
            youtube_error(403, "rateLimitExceeded", "usageLimits", **{"Retry-After": "30"}),
            ErrorKind.TRANSIENT,
            30,
        ),
        (youtube_error(403, "userRateLimitExceeded", "usageLimits"), ErrorKind.TRANSIENT, None),
        (youtube_error(400, "uploadLimitExceeded", "youtube.video"), ErrorKind.TRANSIENT, 86400),
        (youtube_error(401, "authError", "global"), ErrorKind.AUTH, None),
        (youtube_error(400, "invalidTitle", "youtube.video"), ErrorKind.INVALID, None),
        (youtube_error(403, "youtubeSignupRequired", "youtube.header"), ErrorKind.INVALID, None),
        ({"status": 429, "body": ""}, ErrorKind.TRANSIENT, None),
        ({"status": 503, "body": "<html>"}, ErrorKind.TRANSIENT, None),
        ({"status": 200, "body": ""}, ErrorKind.TRANSIENT, None),  # no Location: no session
    ],
    ids=[
        "rateLimit",
        "userRateLimit",
        "uploadLimit",
        "401",
        "invalidTitle",
        "noChannel",
        "429",
        "503",
        "no-location",
    ],
)
def test_publish__errors_starting_the_session(client, mocked, response, kind, retry_after):
    serve_video(mocked)
    start_session(mocked, **response)

    error = publish_error(lambda: client.publish(upload()))

    assert (error.kind, error.retry_after) == (kind, retry_after)


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        ({"status": 503, "body": ""}, ErrorKind.UNKNOWN),
        ({"body": requests.ReadTimeout()}, ErrorKind.UNKNOWN),
        ({"body": requests.ConnectionError("Connection aborted.")}, ErrorKind.UNKNOWN),
        ({"status": 200, "body": "<html>", "content_type": "text/html"}, ErrorKind.UNKNOWN),
        ({"status": 200, "json": {"kind": "youtube#video"}}, ErrorKind.UNKNOWN),
        (youtube_error(401, "authError", "global"), ErrorKind.AUTH),
    ],
    ids=["503", "timeout", "connection-lost", "html", "no-id", "401"],
)
def test_publish__failures_of_the_last_put(client, mocked, response, kind):
    serve_video(mocked)
    start_session(mocked)
    put(mocked, 0, CHUNK - 1, **incomplete(CHUNK - 1))
    put(mocked, CHUNK, 2 * CHUNK - 1, **incomplete(2 * CHUNK - 1))
    put(mocked, 2 * CHUNK, TOTAL - 1, **response)

    assert publish_error(lambda: client.publish(upload())).kind == kind


@pytest.mark.parametrize(
    "response",
    [{"status": 503, "body": ""}, {"body": requests.ReadTimeout()}],
    ids=["503", "timeout"],
)
def test_publish__failures_of_an_earlier_put_are_transient(client, mocked, response):
    serve_video(mocked)
    start_session(mocked)
    put(mocked, 0, CHUNK - 1, **response)

    assert publish_error(lambda: client.publish(upload())).kind == ErrorKind.TRANSIENT


@pytest.mark.parametrize("status", [404, 410])
@pytest.mark.parametrize("last", [False, True], ids=["earlier-put", "last-put"])
def test_publish__an_expired_upload_session_is_transient(client, mocked, status, last):
    serve_video(mocked)
    start_session(mocked)
    if last:
        put(mocked, 0, CHUNK - 1, **incomplete(CHUNK - 1))
        put(mocked, CHUNK, 2 * CHUNK - 1, **incomplete(2 * CHUNK - 1))
        put(mocked, 2 * CHUNK, TOTAL - 1, status=status, body="")
    else:
        put(mocked, 0, CHUNK - 1, status=status, body="")

    error = publish_error(lambda: client.publish(upload()))

    assert (error.kind, error.http_status) == (ErrorKind.TRANSIENT, status)
    assert "upload session" in error.message and "expired" in error.message


def test_publish__a_source_shorter_than_announced_never_sends_the_last_byte(client, mocked):
    serve_video(mocked, body=VIDEO[: CHUNK + 10], length=TOTAL)
    start_session(mocked)
    put(mocked, 0, CHUNK - 1, **incomplete(CHUNK - 1))

    error = publish_error(lambda: client.publish(upload()))

    assert error.kind == ErrorKind.TRANSIENT
    assert "broke off" in error.message
    assert [call.request.method for call in mocked.calls] == ["GET", "POST", "PUT"]


def test_publish__a_source_without_content_length_is_refused(client, mocked):
    mocked.get(VIDEO_URL, body=VIDEO, content_type="video/mp4")

    error = publish_error(lambda: client.publish(upload()))

    assert error.kind == ErrorKind.INVALID
    assert "Content-Length" in error.message
