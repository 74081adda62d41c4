"""The composer's endpoint: staff only, POST with the CSRF token, the real clients' counts as JSON."""

from __future__ import annotations

import json
from datetime import time

import pytest
from django.test import Client

from planning.models import QueueEntry
from social.models import Platform
from tests.media_library.files import make_jpeg
from tests.media_library.posts import add_file
from tests.planning.factories import every_day
from tests.planning.factories import make_schedule

from ..factories import make_account
from ..factories import make_staff

pytestmark = pytest.mark.django_db

TEXT_COUNTS = "/admin/calendar_app/scheduledpost/text-counts/"
LINK = "https://example.com/spring/collection/2030"
LIBRARY_ITEM = 'A library "media" item is {"asset": id, "alt_text": "..."}.'


def ask(client, body, **headers):
    return client.post(TEXT_COUNTS, json.dumps(body), content_type="application/json", **headers)


def test_text_counts__answers_each_platform_s_count_limit_problems_and_preview(staff_client, staff_user):
    x = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    bluesky = make_account(staff_user, platform=Platform.BLUESKY, name="acme.bsky.social")
    text = " ".join([LINK] * 12) + " end"  # 12 x 23 + 11 spaces + 4 = 291 on X
    response = ask(
        staff_client,
        {
            "content": text,
            "account_ids": [x.pk, bluesky.pk],
            "media": [{"url": "https://cdn.example.com/a.jpg", "type": "image", "alt_text": "A cup"}],
            "platform_options": {"BLUESKY": {"content": "Short on Bluesky"}},
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    x_count, bluesky_count = response.json()["platforms"]
    assert {key: x_count[key] for key in ("platform", "name", "accounts", "count", "limit", "over")} == {
        "platform": "TWITTER",
        "name": "X",
        "accounts": ["@acme"],
        "count": 291,
        "limit": 280,
        "over": True,
    }
    assert x_count["problems"][0].startswith("291 characters as X counts them")
    assert x_count["preview"]["media"] == [
        {"url": "https://cdn.example.com/a.jpg", "type": "image", "alt_text": "A cup"}
    ]
    assert [segment["weight"] for segment in x_count["preview"]["segments"] if segment["link"]] == [23] * 12
    assert (bluesky_count["count"], bluesky_count["limit"], bluesky_count["over"]) == (16, 300, False)
    assert bluesky_count["preview"]["segments"] == [
        {"text": "Short on Bluesky", "link": False, "weight": None}
    ]


def test_text_counts__the_advanced_json_counts_and_a_bad_one_is_a_problem_document(staff_client, staff_user):
    x = make_account(staff_user, platform=Platform.TWITTER)
    good = ask(
        staff_client,
        {
            "content": "a" * 500,
            "account_ids": [x.pk],
            "metadata": {"platforms": {"TWITTER": {"content": "ok"}}},
        },
    )
    assert good.json()["platforms"][0]["count"] == 2
    bad = ask(
        staff_client, {"content": "Hi", "account_ids": [x.pk], "metadata": {"platforms": {"TWITTER": []}}}
    )
    assert (bad.status_code, bad["Content-Type"]) == (400, "application/problem+json")
    assert bad.json()["detail"] == '"platforms".TWITTER must be an object.'


def test_text_counts__library_media_count_as_their_assets_shared_or_a_platform_s_own(
    staff_client, staff_user, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cup = add_file(staff_user, make_jpeg(tmp_path / "cup.jpg", 1080, 1080))
    instagram = make_account(staff_user, platform=Platform.INSTAGRAM)
    x = make_account(staff_user, platform=Platform.TWITTER)
    own = ask(
        staff_client,
        {
            "content": "Hi",
            "account_ids": [instagram.pk, x.pk],
            "platform_options": {"INSTAGRAM": {"media": [{"asset": cup.pk, "alt_text": "A cup"}]}},
        },
    )
    counts = {count["platform"]: count for count in own.json()["platforms"]}
    assert counts["INSTAGRAM"]["problems"] == []
    assert counts["INSTAGRAM"]["preview"]["media"] == [{"url": "", "type": "image", "alt_text": "A cup"}]
    assert counts["TWITTER"]["preview"]["media"] == []

    shared = ask(staff_client, {"content": "Hi", "account_ids": [instagram.pk], "media": [{"asset": cup.pk}]})
    [count] = shared.json()["platforms"]
    assert (count["problems"], count["preview"]["media"]) == (
        [],
        [{"url": "", "type": "image", "alt_text": ""}],
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("not json", "The request body is not JSON."),
        ([1], "Send a JSON object."),
        ({"content": 3}, '"content" must be text.'),
        ({"account_ids": ["1"]}, '"account_ids" must be a list of account ids.'),
        ({"media": [{"url": 1}]}, 'Each "media" item is {"url", "type", "alt_text"}, each text.'),
        (
            {"media": [{"url": "https://a.example/x", "type": "pdf"}]},
            "A media type is one of image, video, gif.",
        ),
        (
            {"platform_options": {"TWITTER": {"content": 1}}},
            '"platform_options" must be {"PLATFORM": {"option": "text"}}.',
        ),
        ({"media": [{"asset": "12"}]}, LIBRARY_ITEM),
        ({"platform_options": {"INSTAGRAM": {"media": [{"url": "https://a.example/x"}]}}}, LIBRARY_ITEM),
    ],
)
def test_text_counts__a_request_it_cannot_read_is_a_400_saying_why(staff_client, body, detail):
    payload = body if isinstance(body, str) else json.dumps(body)
    response = staff_client.post(TEXT_COUNTS, payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"type": "about:blank", "title": "Bad request", "status": 400, "detail": detail}


def test_text_counts__post_only_with_the_csrf_token(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.get(TEXT_COUNTS).status_code == 405
    assert ask(client, {"content": "Hi"}).status_code == 403  # no CSRF token
    client.get("/admin/calendar_app/scheduledpost/add/")
    token = client.cookies["csrftoken"].value
    assert ask(client, {"content": "Hi"}, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_text_counts__staff_with_a_post_permission_only(client, django_user_model, user):
    assert ask(client, {"content": "Hi"}).status_code == 302  # to the admin's login
    client.force_login(user)  # not staff
    assert ask(client, {"content": "Hi"}).status_code == 302
    client.force_login(make_staff(django_user_model, "reader", "view_scheduledpost"))
    assert ask(client, {"content": "Hi"}).status_code == 403
    client.force_login(make_staff(django_user_model, "writer", "add_scheduledpost"))
    assert ask(client, {"content": "Hi"}).status_code == 200


def test_text_counts__tells_the_next_free_slot_of_the_queue_without_taking_it(staff_client, staff_user):
    x = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    make_schedule(account=x, zone="Europe/Paris", slots=every_day(time(9, 0)), name="Acme on X")
    answer = ask(
        staff_client, {"content": "Hi", "account_ids": [x.pk], "queue": True, "timezone": "Europe/Paris"}
    )
    queue = answer.json()["queue"]
    assert queue["schedule"] == "Acme on X"
    assert queue["slot"].endswith(("09:00 CET", "09:00 CEST"))
    assert not QueueEntry.objects.exists()
    linkedin = make_account(staff_user, platform=Platform.LINKEDIN)
    uncovered = ask(staff_client, {"content": "Hi", "account_ids": [x.pk, linkedin.pk], "queue": True})
    assert uncovered.json()["queue"]["problem"].startswith(
        "No posting schedule plans for all of this post's accounts"
    )
