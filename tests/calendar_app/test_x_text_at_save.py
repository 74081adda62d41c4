"""A text X would refuse is refused when the post is saved, with X's real counting (no fake client)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError

from calendar_app.models import ScheduledPost
from calendar_app.services.posts import post_create
from social.models import Platform

from .factories import make_account
from .factories import post_input

pytestmark = pytest.mark.django_db

ADD = "/admin/calendar_app/scheduledpost/add/"
OVER_280 = "X: {} characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 " + (
    "(25,000 if the account has X Premium and long posts turned on)"
)


def form_data(content: str, *accounts) -> dict:
    return {
        "content": content,
        "social_accounts": [account.pk for account in accounts],
        "scheduled_local": "2030-07-01T09:30",
        "timezone": "Europe/Paris",
        "status": "SCHEDULED",
        **{f"media_{index}_type": "image" for index in range(1, 5)},
    }


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("a" * 262 + " example.de", OVER_280.format(286)),
        ("a" * 262 + " shop.club", OVER_280.format(286)),
        ("詳細はこちら https://example.com/news" + "日本語" * 70, OVER_280.format(456)),
        (
            "\ufeffLaunch day!",
            "X: the text contains U+FEFF, which X refuses (an invisible character, often pasted in from "
            "another app); remove it",
        ),
    ],
    ids=["bare-cctld", "bare-new-gtld", "cjk-after-a-link", "byte-order-mark"],
)
def test_add__a_text_x_would_refuse_is_refused_naming_x_and_the_rule(
    staff_client, staff_user, content, error
):
    x = make_account(staff_user, platform=Platform.TWITTER)

    response = staff_client.post(ADD, form_data(content, x))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [error]
    assert response.context["adminform"].form["content"].value() == content  # nothing typed is lost
    assert not ScheduledPost.objects.exists()


@pytest.mark.parametrize(
    "content",
    ["a" * 256 + " https://en.wikipedia.org/wiki/Foo_(bar)", "a" * 256 + " bbc.co.uk"],
    ids=["parentheses-in-the-link", "second-level-cctld"],
)
def test_add__a_text_x_counts_as_280_is_saved(staff_client, staff_user, content):
    x = make_account(staff_user, platform=Platform.TWITTER)

    response = staff_client.post(ADD, form_data(content, x))

    assert response.status_code == 302
    assert ScheduledPost.objects.get().content == content


def test_add__a_long_post_is_saved_for_an_x_premium_account_only(staff_client, staff_user):
    premium = make_account(staff_user, platform=Platform.TWITTER, extra={"long_posts": True})
    basic = make_account(staff_user, platform=Platform.TWITTER)
    content = " ".join(["A long thought."] * 200)  # 3,199 characters

    refused = staff_client.post(ADD, form_data(content, premium, basic))
    assert refused.context["adminform"].form.non_field_errors() == [OVER_280.format("3,199")]

    assert staff_client.post(ADD, form_data(content, premium)).status_code == 302
    assert ScheduledPost.objects.get().post_accounts.get().account == premium


def test_post_create__refuses_what_x_refuses_and_saves_nothing(user):
    x = make_account(user, platform=Platform.TWITTER)

    with pytest.raises(ValidationError) as error:
        post_create(
            created_by=user,
            data=post_input(
                content="a" * 262 + " example.de", account_ids=(x.pk,), local_time=datetime(2030, 7, 1, 9, 30)
            ),
        )

    assert error.value.message_dict == {NON_FIELD_ERRORS: [OVER_280.format(286)]}
    assert not ScheduledPost.objects.exists()


def test_post_create__refuses_a_video_x_refuses_when_its_size_and_length_are_known(user):
    """A media item whose metadata states its size and length (a media library asset): checked at save."""
    x = make_account(user, platform=Platform.TWITTER)
    clip = {"url": "https://cdn.example.com/clip.mp4", "type": "video", "size_bytes": 600_000_000}

    with pytest.raises(ValidationError) as error:
        post_create(
            created_by=user,
            data=post_input(
                content="Launch",
                account_ids=(x.pk,),
                extra_metadata={"media": [{**clip, "duration_seconds": 141.0}]},
            ),
        )

    assert error.value.message_dict == {
        NON_FIELD_ERRORS: [
            "X: media 1 is 600.0 MB; X takes a video up to 512 MB",
            "X: media 1 is a video of 141 s; X takes videos of 0.5 to 140 seconds",
        ]
    }
