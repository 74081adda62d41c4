"""Shared test data and assertions for the platform client tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest
import requests
from responses import matchers

from social.platforms import InDoubtAttempt
from social.platforms import MediaItem
from social.platforms import PublishError
from social.platforms import PublishPayload
from social.platforms import StillProcessing

TOKEN = "tok-ACCESS-s3cr3t-0123456789"
REFRESH_TOKEN = "tok-REFRESH-s3cr3t-9876543210"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
STARTED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

IMAGE_URL = "https://cdn.example.com/photo.png"
VIDEO_URL = "https://cdn.example.com/clip.mp4"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def image(url: str = IMAGE_URL, alt_text: str = "") -> MediaItem:
    return MediaItem(url=url, type="image", alt_text=alt_text)


def video(url: str = VIDEO_URL) -> MediaItem:
    return MediaItem(url=url, type="video")


def payload(text: str = "", *media: MediaItem, **options: Any) -> PublishPayload:
    return PublishPayload(text=text, media=tuple(media), options=options)


def in_doubt(sent: PublishPayload, **state: Any) -> InDoubtAttempt:
    return InDoubtAttempt(payload=sent, started_at=STARTED_AT, state=state)


def publish_error(publish: Callable[[], Any]) -> PublishError:
    """Run a publish that must fail; check the error never carries a token, and return it."""
    with pytest.raises(PublishError) as caught:
        publish()
    error = caught.value
    for text in (error.message, str(error), repr(error)):
        assert TOKEN not in text and REFRESH_TOKEN not in text
    return error


def still_processing(call: Callable[[], Any]) -> StillProcessing:
    """Run a publish or resume that must end "still processing"; return what it raised."""
    with pytest.raises(StillProcessing) as caught:
        call()
    return caught.value


def with_headers(extra: dict[str, str] | None = None) -> Any:
    """A matcher requiring the bearer token plus the given headers, values exact."""
    return matchers.header_matcher({**BEARER, **(extra or {})})


def without_authorization() -> Any:
    """A matcher for requests to third-party hosts (media downloads): they must carry no token."""

    def match(request):
        present = "Authorization" in request.headers
        return (not present, "the request carried an Authorization header" if present else "")

    return match


def json_error(status: int, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    return {
        "status": status,
        "body": json.dumps(body),
        "content_type": "application/json",
        "headers": headers,
    }


class Progress:
    """Collects what a client hands to save_progress, as the publisher would persist it."""

    def __init__(self) -> None:
        self.saved: list[dict[str, Any]] = []

    def __call__(self, state: dict[str, Any]) -> None:
        self.saved.append(dict(state))

    @property
    def last(self) -> dict[str, Any]:
        return self.saved[-1] if self.saved else {}


def body_is(expected: bytes) -> Any:
    """A matcher for a raw (binary) request body."""

    def match(request):
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        return (body == expected, f"body of {len(body)} bytes is not the expected {len(expected)} bytes")

    return match


# Every way reading a Meta (Instagram, Threads) container can fail: a refused token, a 503, a broken
# connection, a page that is not JSON. Reconciling cannot tell from any of them.
when_the_container_cannot_be_read = pytest.mark.parametrize(
    "response",
    [
        json_error(400, {"error": {"message": "error 190", "type": "OAuthException", "code": 190}}),
        {"status": 503, "body": ""},
        {"body": requests.ConnectionError("reset")},
        {"body": "<html>"},
    ],
    ids=["auth", "503", "connection", "html"],
)
