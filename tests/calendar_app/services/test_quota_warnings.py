"""Scheduling a post where a platform's posting quota is full: a warning naming the platform and the day,
never an error (the post is saved; what does not fit waits for the window)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.services.post_input import PostInput
from calendar_app.services.post_input import post_input_check
from calendar_app.services.quota_warnings import post_quota_warnings
from social.models import Platform

from ..factories import make_account
from ..factories import make_post

pytestmark = pytest.mark.django_db

TUESDAY = datetime(2030, 7, 2, 10, 0, tzinfo=UTC)  # 12:00 in Paris


def instagram_with_limit(user, limit: int):
    return make_account(
        user, platform=Platform.INSTAGRAM, name="shop", extra={"publishing_limit": {"quota_total": limit}}
    )


def test_post_quota_warnings__a_day_over_an_accounts_limit_names_the_platform_and_the_day(user):
    shop = instagram_with_limit(user, 2)
    for hours in (-5, 3):
        make_post(user, accounts=[shop], scheduled_at=TUESDAY + timedelta(hours=hours))

    (warning,) = post_quota_warnings(accounts=[shop], scheduled_at=TUESDAY, timezone_name="Europe/Paris")

    assert warning.startswith("Instagram: shop would have 3 posts around Tuesday 2 July 2030, 12:00")
    assert "Instagram allows 2 posts per day per account" in warning
    assert "wait until the window frees" in warning


def test_post_quota_warnings__what_fits_or_does_not_count_is_no_warning(user):
    shop = instagram_with_limit(user, 2)
    make_post(user, accounts=[shop], scheduled_at=TUESDAY - timedelta(hours=25))  # outside the 24 hours
    make_post(user, accounts=[shop], scheduled_at=TUESDAY + timedelta(hours=1), status=PostStatus.DRAFT)
    make_post(user, accounts=[shop], scheduled_at=TUESDAY + timedelta(hours=2), status=PostStatus.CANCELLED)
    make_post(user, accounts={shop: AccountStatus.FAILED}, scheduled_at=TUESDAY, status=PostStatus.FAILED)
    edited = make_post(user, accounts=[shop], scheduled_at=TUESDAY)  # the post being edited itself
    make_post(user, accounts=[shop], scheduled_at=TUESDAY + timedelta(hours=4))

    assert (
        post_quota_warnings(accounts=[shop], scheduled_at=TUESDAY, timezone_name="UTC", post_id=edited.pk)
        == []
    )


def test_post_quota_warnings__the_apps_daily_quota_counts_every_channel_of_the_pacific_day(user):
    """YouTube: 100 uploads per API project per day, the day starting at midnight Pacific."""
    channels = [make_account(user, platform=Platform.YOUTUBE) for _ in range(2)]
    pacific_midnight = datetime(2030, 7, 2, 7, 0, tzinfo=UTC)  # 00:00 PDT
    for number in range(100):
        make_post(
            user, accounts=[channels[number % 2]], scheduled_at=pacific_midnight + timedelta(minutes=number)
        )
    make_post(
        user, accounts=[channels[0]], scheduled_at=pacific_midnight - timedelta(minutes=1)
    )  # the day before

    (warning,) = post_quota_warnings(
        accounts=channels, scheduled_at=pacific_midnight + timedelta(hours=20), timezone_name="Europe/Paris"
    )
    assert warning.startswith("YouTube: this app's accounts would have 101 posts on Tuesday 2 July 2030")
    assert "(America/Los_Angeles time)" in warning and "for the whole app" in warning
    assert (
        post_quota_warnings(
            accounts=channels, scheduled_at=pacific_midnight + timedelta(hours=24), timezone_name="UTC"
        )
        == []
    )


def test_post_input_check__a_quota_warning_never_stops_the_save(user):
    shop = instagram_with_limit(user, 1)
    make_post(user, accounts=[shop], scheduled_at=TUESDAY)
    data = PostInput(
        content="New arrivals",
        account_ids=(shop.pk,),
        timezone_name="UTC",
        local_time=TUESDAY.replace(tzinfo=None) + timedelta(minutes=30),
        status=PostStatus.SCHEDULED,
        extra_metadata={"media": [{"url": "https://cdn.example.com/a.jpg", "type": "image"}]},
    )

    check = post_input_check(data=data, now=TUESDAY - timedelta(days=1), quota_warnings=True)

    assert check.errors == {}
    assert len(check.warnings) == 1 and check.warnings[0].startswith("Instagram: shop would have 2 posts")
    assert post_input_check(data=data, now=TUESDAY - timedelta(days=1)).warnings == [], "off unless asked"
