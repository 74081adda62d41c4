"""The YouTube client resuming: a scheduled video made public, or an upload started over."""

from __future__ import annotations

import pytest
from responses import matchers

from social.platforms import ErrorKind
from social.platforms import PublishResult
from social.platforms import StillProcessing

from ..helpers import in_doubt
from ..helpers import publish_error
from ..helpers import with_headers
from .wire import SESSION
from .wire import START
from .wire import TOTAL
from .wire import VIDEO
from .wire import VIDEO_ID
from .wire import in_hours
from .wire import serve_video
from .wire import upload

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
