"""YouTube's resumable upload at the wire for the client tests: the session, its PUTs and their answers."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from responses import matchers

from ..helpers import VIDEO_URL
from ..helpers import Progress
from ..helpers import body_is
from ..helpers import json_error
from ..helpers import payload
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


def in_hours(hours: float) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)
