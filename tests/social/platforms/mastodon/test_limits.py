"""Each server's limits: read from /api/v2/instance, cached on the account, refreshed when stale where a post
is saved, kept when a refresh fails."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import requests
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError

from calendar_app.models import ScheduledPost
from calendar_app.services.posts import post_create
from social.models import Platform
from social.models import SocialAccount
from social.platforms.mastodon.limits import InstanceReadError
from social.platforms.mastodon.limits import ServerLimits
from social.platforms.mastodon.limits import server_limits_fetch
from social.platforms.mastodon.services import mastodon_account_refresh_limits
from tests.calendar_app.factories import post_input

from ..helpers import json_error

SERVER = "https://mastodon.example"
INSTANCE = {
    "domain": "mastodon.example",
    "configuration": {
        "statuses": {"max_characters": 1000, "max_media_attachments": 6, "characters_reserved_per_url": 30},
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "video/mp4"],
            "description_limit": 1500,
            "image_size_limit": 10485760,
            "video_size_limit": 41943040,
        },
    },
}
TIMEOUT = (3.0, 10.0)


def cached(limits: ServerLimits) -> dict:
    return {"server_url": SERVER, "username": "acme", "instance": limits.as_extra()}


@pytest.fixture
def mastodon_account(make_account):
    def make(**extra) -> SocialAccount:
        return make_account(Platform.MASTODON, external_id="109@mastodon.example", **extra)

    return make


def test_fetch__reads_the_statuses_and_media_configuration(mocked):
    mocked.add("GET", f"{SERVER}/api/v2/instance", json=INSTANCE)

    limits = server_limits_fetch(SERVER, timeout=TIMEOUT)

    assert (limits.max_characters, limits.characters_reserved_per_url, limits.max_media_attachments) == (
        1000,
        30,
        6,
    )
    assert (limits.image_size_limit, limits.video_size_limit, limits.description_limit) == (
        10485760,
        41943040,
        1500,
    )
    assert limits.supported_mime_types == ("image/jpeg", "image/png", "video/mp4")
    assert limits.fetched_at is not None and not limits.is_stale()
    assert "Authorization" not in mocked.calls[0].request.headers


def test_fetch__a_server_before_mastodon_4_answers_v1(mocked):
    mocked.add("GET", f"{SERVER}/api/v2/instance", status=404)
    mocked.add(
        "GET", f"{SERVER}/api/v1/instance", json={"configuration": {"statuses": {"max_characters": 700}}}
    )

    limits = server_limits_fetch(SERVER, timeout=TIMEOUT)

    assert limits.max_characters == 700 and limits.characters_reserved_per_url == 23  # the rest: defaults


@pytest.mark.parametrize(
    "answer",
    [
        json_error(503, {"error": "down"}),
        {"body": "<html>"},
        {"json": {"domain": "x"}},
        {"body": requests.ConnectionError()},
    ],
    ids=["503", "not json", "no configuration", "unreachable"],
)
def test_fetch__failures_are_one_named_error(mocked, answer):
    mocked.add("GET", f"{SERVER}/api/v2/instance", **answer)

    with pytest.raises(InstanceReadError):
        server_limits_fetch(SERVER, timeout=TIMEOUT)


def test_limits__nonsense_values_keep_the_defaults():
    limits = ServerLimits.from_instance(
        {"configuration": {"statuses": {"max_characters": "lots", "characters_reserved_per_url": -1}}},
        fetched_at=datetime.now(UTC),
    )
    assert (limits.max_characters, limits.characters_reserved_per_url) == (500, 23)
    assert ServerLimits.of_account({}) == ServerLimits()
    assert ServerLimits.of_account({}).is_stale()


def test_refresh__stale_limits_are_read_again_and_saved_on_the_account(mastodon_account, mocked):
    stale = ServerLimits(max_characters=500, fetched_at=datetime.now(UTC) - timedelta(days=2))
    account = mastodon_account(**cached(stale))
    mocked.add("GET", f"{SERVER}/api/v2/instance", json=INSTANCE)

    limits = mastodon_account_refresh_limits(account)

    stored = SocialAccount.objects.get(pk=account.pk)
    assert limits.max_characters == 1000
    assert stored.extra["instance"]["max_characters"] == 1000 == account.extra["instance"]["max_characters"]
    assert stored.extra["username"] == "acme"  # the rest of extra is kept
    assert stored.access_token == account.access_token


def test_refresh__fresh_limits_are_not_read_again(mastodon_account, mocked):
    account = mastodon_account(**cached(ServerLimits(max_characters=800, fetched_at=datetime.now(UTC))))

    assert mastodon_account_refresh_limits(account).max_characters == 800
    assert len(mocked.calls) == 0


def test_refresh__a_failed_read_keeps_the_cached_limits(mastodon_account, mocked):
    stale = ServerLimits(max_characters=800, fetched_at=datetime.now(UTC) - timedelta(days=2))
    account = mastodon_account(**cached(stale))
    mocked.add("GET", f"{SERVER}/api/v2/instance", **json_error(502, {"error": "Bad gateway"}))

    assert mastodon_account_refresh_limits(account).max_characters == 800
    assert SocialAccount.objects.get(pk=account.pk).extra["instance"] == stale.as_extra()


def test_saving_a_post__refreshes_stale_limits_before_checking_against_them(mastodon_account, mocked):
    stale = ServerLimits(max_characters=500, fetched_at=datetime.now(UTC) - timedelta(days=2))
    account = mastodon_account(**cached(stale))
    mocked.add("GET", f"{SERVER}/api/v2/instance", json=INSTANCE)

    fits_now = post_create(
        created_by=account.owner, data=post_input(content="a" * 900, account_ids=(account.pk,))
    )
    with pytest.raises(ValidationError) as too_long:
        post_create(created_by=account.owner, data=post_input(content="a" * 1001, account_ids=(account.pk,)))

    assert ScheduledPost.objects.get().pk == fits_now.pk
    assert too_long.value.message_dict == {
        NON_FIELD_ERRORS: [
            "Mastodon: 1,001 characters as Mastodon counts them (links 30, @user@domain as @user, the content "
            "warning included), the limit on mastodon.example is 1,000"
        ]
    }
    assert len(mocked.calls) == 1  # read once, then cached
