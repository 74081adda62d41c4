"""GET /api/cron/publish-scheduled-posts: the publisher's HTTP trigger and its security cases."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from calendar_app import views
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost

pytestmark = pytest.mark.django_db

SECRET = "cron-secret-0123456789-abcdefghijklmnopq"
URL = "/api/cron/publish-scheduled-posts"


@pytest.fixture
def cron_secret(settings):
    settings.CRON_SECRET = SECRET
    return SECRET


@pytest.fixture
def due_post(make_account, make_post):
    return make_post(make_account())


def assert_no_work_done(post: ScheduledPost, fake_platform) -> None:
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.lease_token is None
    assert fake_platform.calls == []


def test_trigger__url_is_the_contract():
    assert reverse("calendar_app:publish-scheduled-posts") == URL


@pytest.mark.django_db(transaction=True)  # the run's worker threads read what the test wrote
def test_trigger__runs_the_publisher_and_answers_its_figures(client, cron_secret, fake_platform, due_post):
    response = client.get(URL, headers={"Authorization": f"Bearer {SECRET}"})

    assert response.status_code == 200
    figures = response.json()
    assert {
        k: figures[k] for k in ("processed", "succeeded", "partial", "failed", "retrying", "needs_review")
    } == {
        "processed": 1,
        "succeeded": 1,
        "partial": 0,
        "failed": 0,
        "retrying": 0,
        "needs_review": 0,
    }
    assert isinstance(figures["duration_seconds"], float)
    due_post.refresh_from_db()
    assert due_post.status == PostStatus.PUBLISHED


def test_trigger__the_bearer_scheme_is_case_insensitive(
    client, cron_secret, fake_platform, settings, due_post
):
    settings.PUBLISH_CONCURRENCY = 1  # in the test's transaction
    response = client.get(URL, headers={"Authorization": f"bearer {SECRET}"})
    assert response.status_code == 200 and response.json()["succeeded"] == 1


@pytest.mark.parametrize(
    "authorization",
    [
        None,  # no header
        "",
        f"Basic {SECRET}",  # wrong scheme
        f"Token {SECRET}",
        SECRET,  # no scheme
        "Bearer",  # no credentials
        "Bearer ",
        # Wrong secrets: compared in constant time, each is refused whatever its length or content.
        "Bearer " + "x" * len(SECRET),  # wrong secret of the same length
        f"Bearer {SECRET[:-1]}z",  # the same length, only the last character differs
        f"bearer {'x' * len(SECRET)}",  # the scheme in lower case does not make a wrong secret right
        f"Bearer {SECRET[:-1]}",  # a prefix
        f"Bearer {SECRET[:8]}",
        f"Bearer {SECRET}x",  # longer
        f"Bearer {SECRET}{SECRET}",
        f"Bearer {SECRET.upper()}",
        "Bearer " + "é" * len(SECRET),  # non-ASCII, same number of characters
        f"Bearer {SECRET[:-1]}é",
        f"Bearer {SECRET} extra",  # the secret and something after it
    ],
)
def test_trigger__missing_malformed_or_wrong_secret_is_401_and_does_nothing(
    client, cron_secret, fake_platform, due_post, authorization, caplog
):
    caplog.set_level(logging.DEBUG)
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.get(URL, headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"error": "Authorization: Bearer <CRON_SECRET> is missing or wrong."}
    assert_no_work_done(due_post, fake_platform)
    if authorization:
        sent = authorization.partition(" ")[2] or authorization
        assert sent not in caplog.text, "what was sent is never logged"


def test_trigger__unset_secret_is_503_and_does_nothing(client, settings, fake_platform, due_post):
    settings.CRON_SECRET = ""

    for authorization in ("", "Bearer ", "Bearer anything"):
        response = client.get(URL, headers={"Authorization": authorization})
        assert response.status_code == 503
        assert "CRON_SECRET is not set" in response.json()["error"]
    assert_no_work_done(due_post, fake_platform)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "head", "options"])
def test_trigger__other_methods_are_405_and_do_nothing(cron_secret, fake_platform, due_post, method):
    # CSRF checks on, as for a real request: a POST must get the trigger's 405, not the CSRF 403 page.
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(URL, headers={"Authorization": f"Bearer {SECRET}"})

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    if method != "head":
        assert response.json() == {"error": "Only GET is allowed."}
    assert_no_work_done(due_post, fake_platform)


def test_trigger__takes_what_is_left_while_another_run_is_busy(
    client, cron_secret, fake_platform, settings, make_account, make_post
):
    settings.PUBLISH_CONCURRENCY = 1
    account = make_account()
    busy, free = make_post(account), make_post(account)
    other_run = uuid.uuid4()
    ScheduledPost.objects.filter(pk=busy.pk).update(
        status=PostStatus.PUBLISHING,
        lease_token=other_run,
        lease_expires_at=timezone.now() + timedelta(minutes=9),
    )

    response = client.get(URL, headers={"Authorization": f"Bearer {SECRET}"})

    assert response.status_code == 200 and response.json()["processed"] == 1
    assert fake_platform.texts_sent_to(account) == [free.content]
    busy.refresh_from_db()
    assert (busy.status, busy.lease_token) == (PostStatus.PUBLISHING, other_run)


def test_trigger__database_trouble_is_503_with_a_reason(client, cron_secret, monkeypatch):
    def unavailable(**options):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "publish_due_posts", unavailable)

    response = client.get(URL, headers={"Authorization": f"Bearer {SECRET}"})

    assert response.status_code == 503
    assert response.json() == {"error": "The database is unavailable; nothing was published."}


def test_trigger__bad_configuration_is_500_with_a_reason(client, cron_secret, settings):
    settings.PUBLISH_LEASE_SECONDS = 0

    response = client.get(URL, headers={"Authorization": f"Bearer {SECRET}"})

    assert response.status_code == 500
    assert response.json() == {
        "error": "Bad configuration: PUBLISH_LEASE_SECONDS must be a positive number, not 0."
    }
