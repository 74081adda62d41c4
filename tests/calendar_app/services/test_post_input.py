"""Checking what a person entered for a post (services/post_input.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.services.post_input import post_input_check
from calendar_app.services.post_input import post_metadata_build
from social.models import Platform
from social.models import SocialAccountStatus
from social.platforms import MediaItem
from social.platforms.registry import enabled_specs

from ..factories import METADATA_EXAMPLE
from ..factories import make_account
from ..factories import post_input

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * 312


# --- Metadata -----------------------------------------------------------------------------------------


def test_post_metadata_build__makes_the_design_shape_and_leaves_out_empty_values():
    metadata = post_metadata_build(
        media=[MediaItem(url="https://cdn.example.com/a.jpg", type="image", alt_text="...")],
        platform_options={
            Platform.TWITTER: {"content": "shorter text for X"},
            Platform.YOUTUBE: {"title": "...", "privacy_status": "public", "content": ""},
            Platform.LINKEDIN: {"visibility": "PUBLIC"},
            Platform.BLUESKY: {"content": ""},
        },
        extra_metadata={
            "platforms": {
                Platform.YOUTUBE: {"media": [{"url": "https://cdn.example.com/v.mp4", "type": "video"}]}
            }
        },
    )
    assert metadata == METADATA_EXAMPLE


# --- Checking input -----------------------------------------------------------------------------------


def test_post_input_check__names_the_platform_in_each_validation_message(user, fake_clients):
    x = make_account(user, platform=Platform.TWITTER)
    facebook = make_account(user, platform=Platform.FACEBOOK)
    check = post_input_check(data=post_input(content=TOO_LONG, account_ids=(x.pk, facebook.pk)))
    assert check.errors == {NON_FIELD_ERRORS: ["X: 312 characters, the limit is 280"]}


def test_post_input_check__uses_the_per_platform_text(user, fake_clients):
    x = make_account(user, platform=Platform.TWITTER)
    data = post_input(
        content=TOO_LONG, account_ids=(x.pk,), platform_options={"TWITTER": {"content": "short"}}
    )
    assert post_input_check(data=data).errors == {}


def test_post_input_check__same_problem_on_two_accounts_is_said_once(user, fake_clients):
    accounts = [make_account(user, platform=Platform.TWITTER) for _ in range(2)]
    check = post_input_check(data=post_input(content=TOO_LONG, account_ids=tuple(a.pk for a in accounts)))
    assert check.errors[NON_FIELD_ERRORS] == ["X: 312 characters, the limit is 280"]


def test_post_input_check__a_draft_keeps_platform_problems_as_warnings(user, fake_clients):
    x = make_account(user, platform=Platform.TWITTER)
    check = post_input_check(data=post_input(content=TOO_LONG, account_ids=(x.pk,), status=PostStatus.DRAFT))
    assert check.errors == {}
    assert check.platform_problems == ["X: 312 characters, the limit is 280"]


@pytest.mark.parametrize(
    ("platform", "emoji", "at_limit", "media", "problems"),
    [
        pytest.param(
            Platform.BLUESKY,
            "👍🏽",
            300,  # emoji with skin tones: 300 graphemes but 2,400 bytes, within both limits
            tuple(MediaItem(url=f"https://cdn.example.com/{n}.jpg", type="image") for n in range(5)),
            [
                "Bluesky: 301 characters (grapheme clusters, as Bluesky counts them), the limit is 300",
                "Bluesky: 5 images, the limit is 4",
            ],
            id="bluesky_counts_graphemes_bytes_and_images",
        ),
        pytest.param(
            Platform.THREADS,
            "🥖",
            125,  # 500 UTF-8 bytes: exactly the limit
            (MediaItem(url="https://cdn.example.com/a.gif", type="gif"),),
            [
                "Threads: 504 characters (emoji count as their UTF-8 bytes, as Threads counts them), the limit is 500",
                "Threads: media 1 is a gif; Threads takes images and videos",
            ],
            id="threads_counts_emoji_as_their_bytes",
        ),
    ],
)
def test_post_input_check__counts_as_the_platform_does_and_names_it(
    user, platform, emoji, at_limit, media, problems
):
    account = make_account(user, platform=platform)

    over = post_input(content=emoji * (at_limit + 1), account_ids=(account.pk,), media=media)

    assert post_input_check(data=over).errors == {NON_FIELD_ERRORS: problems}
    within = post_input(content=emoji * at_limit, account_ids=(account.pk,))
    assert post_input_check(data=within).errors == {}


def test_post_input_check__a_platform_without_a_client_is_not_validated(user, monkeypatch):
    # A deployment without a LinkedIn client: nothing to validate against, and no crash.
    monkeypatch.delitem(enabled_specs(), Platform.LINKEDIN, raising=False)
    linkedin = make_account(user, platform=Platform.LINKEDIN)
    assert post_input_check(data=post_input(content=TOO_LONG * 20, account_ids=(linkedin.pk,))).errors == {}


def test_post_input_check__a_past_time_is_refused_unless_publishing_now(user):
    account = make_account(user)
    past = (timezone.now() - timedelta(hours=2)).replace(tzinfo=None)
    errors = post_input_check(data=post_input(account_ids=(account.pk,), local_time=past)).errors
    assert list(errors) == ["local_time"] and "is in the past" in errors["local_time"][0]
    assert (
        post_input_check(data=post_input(account_ids=(account.pk,), local_time=past, publish_now=True)).errors
        == {}
    )
    assert (
        post_input_check(data=post_input(account_ids=(account.pk,), local_time=past, status="DRAFT")).errors
        == {}
    )


def test_post_input_check__the_current_minute_is_not_the_past(user):
    account = make_account(user)
    this_minute = timezone.now().replace(tzinfo=None, second=0, microsecond=0)
    assert post_input_check(data=post_input(account_ids=(account.pk,), local_time=this_minute)).errors == {}


def test_post_input_check__scheduling_needs_active_accounts(user):
    gone = make_account(user, name="@gone", status=SocialAccountStatus.NEEDS_RECONNECT)
    assert post_input_check(data=post_input(account_ids=())).errors == {
        "account_ids": ["Choose at least one account to publish to."]
    }
    assert post_input_check(data=post_input(account_ids=(gone.pk,))).errors == {
        "account_ids": ["X (Twitter): @gone needs reconnecting; reconnect it first."]
    }
    assert post_input_check(data=post_input(account_ids=(gone.pk,), status="DRAFT")).errors == {}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([1, 2], "Metadata must be a JSON object"),
        ({"platforms": {"MYSPACE": {}}}, "unknown platform 'MYSPACE'"),
        ({"platforms": {"TWITTER": {"content": 5}}}, '"platforms".TWITTER.content must be text.'),
        ({"media": [{"url": "ftp://x/y.png"}]}, "is not an http(s) URL"),
        (
            {"media": [{"url": "https://x.example/y.png", "type": "audio"}]},
            "type must be one of image, video, gif",
        ),
    ],
)
def test_post_input_check__refuses_malformed_advanced_metadata(user, extra, expected):
    account = make_account(user)
    errors = post_input_check(data=post_input(account_ids=(account.pk,), extra_metadata=extra)).errors
    assert expected in " ".join(errors["extra_metadata"])


def test_post_input_check__the_same_thing_in_a_field_and_in_the_advanced_json_is_refused(user):
    account = make_account(user)
    data = post_input(
        account_ids=(account.pk,),
        media=(MediaItem(url="https://cdn.example.com/a.jpg", type="image"),),
        platform_options={"TWITTER": {"content": "short"}},
        extra_metadata={
            "media": [{"url": "https://cdn.example.com/b.jpg"}],
            "platforms": {"TWITTER": {"content": "other"}},
        },
    )
    assert post_input_check(data=data).errors == {
        "extra_metadata": [
            "Media is set both in the media rows and in the advanced JSON; keep one of them.",
            "TWITTER.content is set both in its field and in the advanced JSON; keep one.",
        ]
    }
