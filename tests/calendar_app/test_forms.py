from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from django.utils import timezone

from calendar_app.forms import ScheduledPostForm
from calendar_app.forms import split_metadata
from calendar_app.services.post_input import post_metadata_build
from social.platforms import MediaItem

from .factories import METADATA_EXAMPLE
from .factories import make_account


def rebuild(metadata: dict) -> dict:
    """What the form shows for ``metadata``, put back together by the service as a save would."""
    fields, advanced = split_metadata(metadata)
    media = []
    for index in range(1, 5):
        if url := fields.get(f"media_{index}_url"):
            media.append(
                MediaItem(
                    url=url, type=fields[f"media_{index}_type"], alt_text=fields[f"media_{index}_alt_text"]
                )
            )
    options: dict[str, dict[str, str]] = {}
    for name, platform, key in [
        ("twitter_content", "TWITTER", "content"),
        ("linkedin_visibility", "LINKEDIN", "visibility"),
        ("youtube_title", "YOUTUBE", "title"),
        ("youtube_privacy_status", "YOUTUBE", "privacy_status"),
    ]:
        if name in fields:
            options.setdefault(platform, {})[key] = fields[name]
    return post_metadata_build(media=media, platform_options=options, extra_metadata=advanced)


def test_split_metadata__the_design_example_goes_into_plain_fields_and_back():
    fields, advanced = split_metadata(METADATA_EXAMPLE)
    assert fields == {
        "media_1_url": "https://cdn.example.com/a.jpg",
        "media_1_type": "image",
        "media_1_alt_text": "...",
        "twitter_content": "shorter text for X",
        "youtube_title": "...",
        "youtube_privacy_status": "public",
        "linkedin_visibility": "PUBLIC",
    }
    # Only what has no plain field is left for the advanced JSON.
    assert advanced == {
        "platforms": {"YOUTUBE": {"media": [{"url": "https://cdn.example.com/v.mp4", "type": "video"}]}}
    }
    assert rebuild(METADATA_EXAMPLE) == METADATA_EXAMPLE


def test_split_metadata__what_the_fields_cannot_hold_stays_in_the_advanced_json():
    many = [{"url": f"https://cdn.example.com/{index}.jpg", "type": "image"} for index in range(6)]
    # CONTAINER: a LinkedIn visibility (group posts) that neither the form nor the client offers.
    metadata = {"media": many, "platforms": {"LINKEDIN": {"visibility": "CONTAINER"}}, "campaign": "spring"}
    fields, advanced = split_metadata(metadata)
    assert fields == {}
    assert advanced == metadata
    assert rebuild(metadata) == metadata


@pytest.mark.parametrize("visibility", ["PUBLIC", "CONNECTIONS", "LOGGED_IN"])
def test_split_metadata__every_linkedin_visibility_the_client_accepts_is_a_plain_field(visibility):
    metadata = {"platforms": {"LINKEDIN": {"visibility": visibility}}}
    fields, advanced = split_metadata(metadata)
    assert (fields, advanced) == ({"linkedin_visibility": visibility}, {})
    assert rebuild(metadata) == metadata


@pytest.mark.django_db
def test_form__the_time_is_read_in_the_posts_zone_not_the_viewers(user):
    account = make_account(user)
    data = {
        "content": "Hello",
        "social_accounts": [account.pk],
        "scheduled_local": "2030-11-03T01:30",  # happens twice in New York that night
        "timezone": "America/New_York",
        "status": "SCHEDULED",
        **{f"media_{index}_type": "image" for index in range(1, 5)},
    }
    with timezone.override("Asia/Tokyo"):
        form = ScheduledPostForm(data=data)
        assert form.is_valid(), form.errors
    # The first 01:30, still on daylight-saving time (UTC-4).
    assert form.post_check.scheduled_at == datetime(2030, 11, 3, 5, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_form__an_unknown_time_zone_is_refused(user):
    form = ScheduledPostForm(
        data={
            "content": "Hi",
            "scheduled_local": "2030-01-01T10:00",
            "timezone": "Mars/Olympus",
            "status": "DRAFT",
        }
    )
    assert not form.is_valid()
    assert "Mars/Olympus is not one of the available choices" in form.errors["timezone"][0]


@pytest.mark.django_db
def test_form__a_time_that_is_not_a_time_is_refused(user):
    form = ScheduledPostForm(
        data={"content": "Hi", "scheduled_local": "tomorrow", "timezone": "UTC", "status": "DRAFT"}
    )
    assert not form.is_valid()
    assert form.errors["scheduled_local"] == ["Enter a date and time, e.g. 2026-03-08T14:05."]
