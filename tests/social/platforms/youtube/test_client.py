from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

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
from social.platforms.youtube.client import PACIFIC
from social.platforms.youtube.client import YouTubeClient
from social.platforms.youtube.client import seconds_until_quota_reset

from ..helpers import VIDEO_URL
from ..helpers import Progress
from ..helpers import body_is
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from ..helpers import with_headers
from ..helpers import without_authorization

START = "https://www.googleapis.com/upload/youtube/v3/videos"
SESSION = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=xa298sd_f"
KIB = 1024
CHUNK = 256 * KIB
VIDEO = bytes(range(256)) * (600 * KIB // 256)  # 614,400 bytes: chunks of 262,144, 262,144 and 90,112
TOTAL = len(VIDEO)
VIDEO_ID = "dQw4w9WgXcQ"
OPTIONS = {"title": "Launch video", "privacy_status": "unlisted", "tags": ["launch"]}


@pytest.fixture
def client(make_account, progress):
    client = YouTubeClient(
        make_account(Platform.YOUTUBE, external_id="UC_x5XG1OV2P6uZZ5FSM9Ttw"), on_progress=progress
    )
    client.chunk_size = CHUNK
    return client


def serve_video(mocked, body: bytes = VIDEO, length: int | None = None) -> None:
    headers = {"Content-Type": "video/mp4", "Content-Length": str(len(body) if length is None else length)}
    mocked.get(VIDEO_URL, body=body, headers=headers, match=[without_authorization()])


def start_session(mocked, video_status: dict | None = None, **response) -> None:
    mocked.post(
        START,
        match=[
            matchers.query_param_matcher({"uploadType": "resumable", "part": "snippet,status"}),
            with_headers(
                {
                    "Content-Type": "application/json; charset=UTF-8",
                    "X-Upload-Content-Length": str(TOTAL),
                    "X-Upload-Content-Type": "video/mp4",
                }
            ),
            matchers.json_params_matcher(
                {
                    "snippet": {"title": "Launch video", "description": "Our launch", "tags": ["launch"]},
                    "status": video_status or {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False},
                },
                strict_match=True,
            ),
        ],
        **(response or {"status": 200, "body": "", "headers": {"Location": SESSION}}),
    )


def put(mocked, start: int, end: int, progress: Progress | None = None, **response) -> None:
    match = [with_headers({"Content-Range": f"bytes {start}-{end}/{TOTAL}"}), body_is(VIDEO[start : end + 1])]
    if progress is not None:
        match.append(
            lambda request: (
                progress.last == {"upload_url": SESSION, "total_bytes": TOTAL},
                "the session was not saved before bytes were sent",
            )
        )
    mocked.put(SESSION, match=match, **response)


def incomplete(committed_to: int) -> dict:
    return {"status": 308, "body": "", "headers": {"Range": f"bytes=0-{committed_to}"}}


def done() -> dict:
    return {
        "status": 200,
        "json": {"kind": "youtube#video", "id": VIDEO_ID, "status": {"uploadStatus": "uploaded"}},
    }


def upload() -> object:
    return payload("Our launch", video(), **OPTIONS)


# --- Publishing ---------------------------------------------------------------------------------------


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


def youtube_error(status: int, reason: str, domain: str = "youtube.quota", **headers) -> dict:
    return json_error(
        status,
        {
            "error": {
                "code": status,
                "message": f"{reason} happened",
                "errors": [{"domain": domain, "reason": reason}],
            }
        },
        **headers,
    )


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


def in_hours(hours: float) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)


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


VIDEOS = "https://www.googleapis.com/youtube/v3/videos"


def video_status(mocked, **status) -> None:
    mocked.get(
        VIDEOS,
        match=[matchers.query_param_matcher({"part": "status", "id": VIDEO_ID}), with_headers()],
        json={"items": [{"id": VIDEO_ID, "status": status}] if status else []},
    )


def scheduled(hours: float) -> object:
    return in_doubt(upload(), video_id=VIDEO_ID, publish_at=in_hours(hours).isoformat(), upload_url=SESSION)


def test_resume__a_scheduled_video_made_public_is_published(client, mocked):
    video_status(mocked, uploadStatus="processed", privacyStatus="public")

    assert client.resume(scheduled(-0.1)) == PublishResult(
        VIDEO_ID, f"https://www.youtube.com/watch?v={VIDEO_ID}"
    )


def test_resume__before_its_time_it_is_still_scheduled(client, mocked):
    video_status(mocked, uploadStatus="processed", privacyStatus="private")

    with pytest.raises(StillProcessing) as caught:
        client.resume(scheduled(2))
    assert 2 * 3600 <= caught.value.check_after <= 2 * 3600 + 60


def test_resume__a_rejected_video_is_invalid(client, mocked):
    video_status(mocked, uploadStatus="rejected", rejectionReason="copyright")

    error = publish_error(lambda: client.resume(scheduled(-0.1)))
    assert error.kind == ErrorKind.INVALID and "copyright" in error.message


def test_resume__still_private_long_after_its_time_is_published_with_a_notice(client, mocked):
    video_status(mocked, uploadStatus="processed", privacyStatus="private")

    result = client.resume(scheduled(-2))

    assert result.platform_post_id == VIDEO_ID
    assert "has not made the video public at its time" in result.notice


def test_resume__a_saved_upload_session_alone_starts_over(client, mocked, progress):
    serve_video(mocked, VIDEO[:1000])
    mocked.post(START, headers={"Location": SESSION})
    mocked.put(SESSION, json={"id": VIDEO_ID})

    result = client.resume(in_doubt(upload(), upload_url="https://old-session", total_bytes=TOTAL))

    assert result.platform_post_id == VIDEO_ID


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


# --- Validation ---------------------------------------------------------------------------------------


def test_validate__title(client):
    assert client.validate(payload("", video(), title="t" * 100)) == []
    assert client.validate(payload("", video(), title="t" * 101)) == [
        "title of 101 characters, the limit is 100"
    ]
    assert client.validate(payload("", video())) == ["a video needs a title (the YouTube option 'title')"]
    assert client.validate(payload("", video(), title="a <b>")) == ["the title cannot contain < or >"]


def test_validate__description(client):
    assert client.validate(payload("d" * 5_000, video(), title="t")) == []
    assert client.validate(payload("d" * 5_001, video(), title="t")) == [
        "description of 5,001 characters, the limit is 5,000"
    ]
    assert client.validate(payload("1 < 2", video(), title="t")) == ["the description cannot contain < or >"]


def test_validate__media_and_privacy(client):
    assert client.validate(payload("", video(), title="t", privacy_status="private")) == []
    assert client.validate(payload("", video(), title="t", privacy_status="friends")) == [
        "privacy_status 'friends' is not one of public, unlisted, private"
    ]
    one_video = ["a YouTube post needs exactly one video and no other media"]
    assert client.validate(payload("", title="t")) == one_video
    assert client.validate(payload("", image(), title="t")) == one_video
    assert client.validate(payload("", video(), video(), title="t")) == one_video
    assert client.validate(payload("", MediaItem("file:///tmp/a.mp4", "video"), title="t")) == [
        "media 1 needs an http(s) URL"
    ]


@pytest.mark.parametrize(
    ("publish_at", "privacy", "problems"),
    [
        ("2030-01-01T10:00:00+01:00", "public", ["publish_at is more than 30 days ahead"]),
        (
            "tomorrow at ten",
            "public",
            [
                "publish_at 'tomorrow at ten' is not an ISO time with its offset (for example 2026-03-03T18:00+01:00)"
            ],
        ),
        (
            "2026-03-03T18:00",
            "public",
            [
                "publish_at '2026-03-03T18:00' is not an ISO time with its offset (for example 2026-03-03T18:00+01:00)"
            ],
        ),
        (None, "unlisted", []),
    ],
)
def test_validate__publish_at(client, publish_at, privacy, problems):
    options = {"title": "t", "privacy_status": privacy}
    if publish_at:
        options["publish_at"] = publish_at
    assert client.validate(payload("d", video(), **options)) == problems


def test_validate__publish_at_needs_a_public_video(client):
    soon = in_hours(5).isoformat()
    assert client.validate(payload("d", video(), title="t", publish_at=soon)) == []
    assert client.validate(payload("d", video(), title="t", publish_at=soon, privacy_status="unlisted")) == [
        "publish_at makes the video public at that time: leave the privacy public"
    ]


def test_seconds_until_quota_reset__midnight_pacific():
    assert seconds_until_quota_reset(datetime(2025, 3, 1, 23, 0, tzinfo=PACIFIC)) == 3600
    assert seconds_until_quota_reset(datetime(2025, 7, 1, 0, 0, tzinfo=PACIFIC)) == 24 * 3600


# --- Reconciliation -----------------------------------------------------------------------------------


def probe(mocked, **response) -> None:
    mocked.put(
        SESSION,
        match=[with_headers({"Content-Range": f"bytes */{TOTAL}", "Content-Length": "0"})],
        **response,
    )


def attempt(**state):
    return in_doubt(upload(), **({"upload_url": SESSION, "total_bytes": TOTAL} | state))


@pytest.mark.parametrize("status", [200, 201])
def test_reconcile__a_complete_upload_is_found(client, mocked, status):
    probe(mocked, status=status, json={"id": VIDEO_ID, "kind": "youtube#video"})

    assert client.reconcile(attempt()) == Found(VIDEO_ID, f"https://www.youtube.com/watch?v={VIDEO_ID}")


@pytest.mark.parametrize(
    "response",
    [
        incomplete(CHUNK - 1),
        {"status": 308, "body": ""},
        {"status": 404, "body": ""},
        {"status": 410, "body": ""},
    ],
    ids=["308-partial", "308-nothing", "404", "410"],
)
def test_reconcile__an_incomplete_or_expired_upload_is_not_found(client, mocked, response):
    probe(mocked, **response)

    assert isinstance(client.reconcile(attempt()), NotFound)


@pytest.mark.parametrize(
    "response",
    [
        {"status": 500, "body": ""},
        {"status": 401, "body": ""},
        {"body": requests.ReadTimeout()},
        {"status": 200, "body": "<html>"},
    ],
    ids=["500", "401", "timeout", "no-id"],
)
def test_reconcile__cannot_tell_otherwise(client, mocked, response):
    probe(mocked, **response)

    assert isinstance(client.reconcile(attempt()), CannotTell)


def test_reconcile__no_saved_session_means_no_byte_was_sent(client, mocked):
    assert isinstance(client.reconcile(in_doubt(upload())), NotFound)
    assert len(mocked.calls) == 0
