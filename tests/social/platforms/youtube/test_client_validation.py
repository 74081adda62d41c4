"""The YouTube client's validation: title, description, media, privacy and publish_at."""

from __future__ import annotations

from datetime import datetime

import pytest

from social.platforms import MediaItem
from social.platforms.youtube.client import PACIFIC
from social.platforms.youtube.client import seconds_until_quota_reset

from ..helpers import image
from ..helpers import payload
from ..helpers import video
from .wire import in_hours

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
