"""The publisher's health: ``GET /healthz``, ``check_publisher`` and the stalled/recovered events."""

from __future__ import annotations

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from calendar_app import health as health_module
from calendar_app.health import publisher_health
from calendar_app.health import publisher_health_check
from calendar_app.models import PostStatus
from calendar_app.models import PublisherRun
from config.settings.base import mailer_from_url
from notifications.models import EmailNotification
from notifications.models import Event
from notifications.models import EventType
from social.models import SocialAccountStatus
from tests.notifications.servers import smtp_server

pytestmark = pytest.mark.django_db

URL = "/healthz"
KEYS = {"status", "last_run_finished_at", "seconds_since_last_run", "due_unsent", "oldest_due_seconds"}


def finished_run(*, ago: timedelta, error: str = "") -> PublisherRun:
    ended = timezone.now() - ago
    return PublisherRun.objects.create(
        host="web-1",
        pid=os.getpid(),
        trigger=PublisherRun.Trigger.CRON,
        started_at=ended - timedelta(seconds=2),
        finished_at=ended,
        error=error,
    )


def stall_events() -> list[str]:
    return list(
        Event.objects.filter(type__in=[EventType.PUBLISHER_STALLED, EventType.PUBLISHER_RECOVERED])
        .order_by("created_at", "type")
        .values_list("type", flat=True)
    )


@pytest.fixture
def stall_after(settings):
    settings.PUBLISH_STALL_AFTER = 300
    return 300


def get(client: Client):
    response = client.get(URL)
    return response.status_code, response.json()


# --- the states -----------------------------------------------------------------------------------------


def test_healthz__a_fresh_install_is_ok_with_the_five_keys_and_nothing_else(client, stall_after):
    status, body = get(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "last_run_finished_at": None,
        "seconds_since_last_run": None,
        "due_unsent": 0,
        "oldest_due_seconds": None,
    }


def test_healthz__ok_while_due_posts_are_younger_than_the_stall_time(
    client, make_account, make_post, stall_after
):
    finished_run(ago=timedelta(hours=3))  # an idle --watch publisher leaves no rows while idle
    make_post(make_account(), ago=timedelta(minutes=4))

    status, body = get(client)

    assert status == 200 and body["status"] == "ok"
    assert body["due_unsent"] == 1
    assert 4 * 60 - 5 <= body["oldest_due_seconds"] <= 4 * 60 + 5
    assert 3 * 3600 - 5 <= body["seconds_since_last_run"] <= 3 * 3600 + 5
    assert body["last_run_finished_at"].endswith("Z")


def test_healthz__stalled_when_due_posts_wait_past_the_stall_time_and_no_run_finished(
    client, make_account, make_post, stall_after
):
    finished_run(ago=timedelta(minutes=6))
    make_post(make_account(), ago=timedelta(minutes=5, seconds=10))
    make_post(make_account(), ago=timedelta(minutes=1))

    status, body = get(client)

    assert (status, body["status"], body["due_unsent"]) == (503, "stalled", 2)
    assert 310 - 5 <= body["oldest_due_seconds"] <= 310 + 5
    assert set(body) == KEYS


def test_healthz__stalled_when_no_run_ever_finished(client, make_account, make_post, stall_after):
    make_post(make_account(), ago=timedelta(minutes=10))

    status, body = get(client)

    assert (status, body["status"], body["last_run_finished_at"]) == (503, "stalled", None)


def test_healthz__a_post_left_publishing_by_a_dead_run_counts_as_due(
    client, make_account, make_post, stall_after
):
    finished_run(ago=timedelta(minutes=30))
    make_post(
        make_account(),
        ago=timedelta(minutes=20),
        status=PostStatus.PUBLISHING,
        lease_expires_at=timezone.now() - timedelta(minutes=10),
    )
    make_post(  # still under a live lease: being published
        make_account(),
        ago=timedelta(minutes=20),
        status=PostStatus.PUBLISHING,
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )

    status, body = get(client)

    assert (status, body["status"], body["due_unsent"]) == (503, "stalled", 1)


def test_healthz__degraded_when_runs_finish_but_posts_wait_past_the_stall_time(
    client, make_account, make_post, stall_after
):
    finished_run(ago=timedelta(seconds=20))
    make_post(make_account(), ago=timedelta(minutes=8))

    status, body = get(client)
    health = publisher_health()

    assert (status, body["status"]) == (503, "degraded")
    assert any("behind" in problem for problem in health.problems)


def test_healthz__degraded_when_the_last_run_stopped_early(client, stall_after):
    finished_run(ago=timedelta(minutes=2), error="The database failed mid-run (connection refused)")
    finished_run(ago=timedelta(minutes=20))

    status, body = get(client)

    assert (status, body["status"]) == (503, "degraded")
    assert "stopped early" in publisher_health().line()

    finished_run(ago=timedelta(seconds=5))  # the next run completed
    assert get(client) == (200, get(client)[1]) and get(client)[1]["status"] == "ok"


def test_healthz__degraded_while_an_account_needs_reconnecting(client, make_account, stall_after):
    account = make_account(status=SocialAccountStatus.NEEDS_RECONNECT)

    status, body = get(client)

    assert (status, body["status"]) == (503, "degraded")
    assert "1 account needs reconnecting" in publisher_health().line()
    account.status = SocialAccountStatus.ACTIVE
    account.save()
    assert get(client)[0] == 200


def test_healthz__no_secret_and_no_content_in_the_answer(client, make_account, make_post, stall_after):
    account = make_account(access_token="tok-SECRET-1234567890")
    make_post(account, content="An unannounced launch", ago=timedelta(minutes=10))

    response = client.get(URL)

    assert set(response.json()) == KEYS
    text = response.content.decode()
    assert "SECRET" not in text and "unannounced" not in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz__get_and_head_only(client, stall_after):
    assert client.head(URL).status_code == 200
    assert Client(enforce_csrf_checks=True).post(URL).status_code == 405, "405, not a CSRF 403"


def test_healthz__a_few_indexed_queries_however_many_posts_and_runs(
    client, make_account, make_post, stall_after, django_assert_max_num_queries
):
    account = make_account()
    for minutes in range(40):
        finished_run(ago=timedelta(minutes=minutes + 1))
        make_post(account, ago=timedelta(seconds=30 + minutes))
    # The last run, due posts, posts left by dead runs, accounts to reconnect, the last stall.
    with django_assert_max_num_queries(5):
        assert client.get(URL).status_code == 200


def test_healthz__a_database_that_is_down_is_degraded_not_a_traceback(client, monkeypatch, stall_after):
    def unavailable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health_module, "publisher_health", unavailable)

    status, body = get(client)

    assert (status, body["status"], set(body)) == (503, "degraded", KEYS)


# --- stalled and recovered, once each ---------------------------------------------------------------


def test_check__a_stall_is_recorded_once_however_often_it_is_seen(make_account, make_post, stall_after):
    finished_run(ago=timedelta(minutes=9))
    make_post(make_account(), ago=timedelta(minutes=7))

    for _ in range(3):
        assert publisher_health_check(deliver=False).status == "stalled"

    [event] = Event.objects.filter(type=EventType.PUBLISHER_STALLED)
    assert event.data["status"] == "stalled" and event.data["due_unsent"] == 1
    assert 7 * 60 - 5 <= event.data["oldest_due_seconds"] <= 7 * 60 + 5
    assert event.data["admin_url"].endswith("/admin/")


def test_check__runs_resuming_record_the_recovery_once_then_a_new_stall_is_a_new_event(
    make_account, make_post, stall_after
):
    finished_run(ago=timedelta(minutes=9))
    post = make_post(make_account(), ago=timedelta(minutes=7))
    publisher_health_check(deliver=False)

    post.status = PostStatus.PUBLISHED
    post.save()
    finished_run(ago=timedelta(seconds=1))
    for _ in range(3):
        assert publisher_health_check(deliver=False).status == "ok"
    assert stall_events() == [EventType.PUBLISHER_STALLED, EventType.PUBLISHER_RECOVERED]

    PublisherRun.objects.update(finished_at=timezone.now() - timedelta(minutes=20))  # it died again
    make_post(make_account(), ago=timedelta(minutes=6))
    publisher_health_check(deliver=False)
    publisher_health_check(deliver=False)
    assert stall_events() == [EventType.PUBLISHER_STALLED, EventType.PUBLISHER_RECOVERED] * 1 + [
        EventType.PUBLISHER_STALLED
    ]


def test_check__a_recovery_nobody_saw_is_recorded_before_the_next_stall(make_account, make_post, stall_after):
    finished_run(ago=timedelta(minutes=30))
    make_post(make_account(), ago=timedelta(minutes=25))
    publisher_health_check(deliver=False)
    finished_run(ago=timedelta(minutes=10))  # runs resumed, then stopped again, unobserved

    publisher_health_check(deliver=False)

    assert stall_events() == [
        EventType.PUBLISHER_STALLED,
        EventType.PUBLISHER_RECOVERED,
        EventType.PUBLISHER_STALLED,
    ]
    assert publisher_health_check(deliver=False).status == "stalled"
    assert len(stall_events()) == 3


def test_check__the_web_delivers_the_stall_at_once_because_the_publisher_cannot(
    make_account, make_post, stall_after, settings
):
    settings.SITE_URL = "https://scheduler.example.com"
    settings.NOTIFY_EMAIL_TO = ["ops@example.com"]
    make_post(make_account(), ago=timedelta(minutes=10))
    with smtp_server() as (inbox, port):
        settings.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{port}", timeout=5)}
        publisher_health_check()
        publisher_health_check()

    [message] = inbox.to("ops@example.com")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "The publisher has stopped" in message["Subject"]
    assert "1 due post is waiting, the oldest for 10 minutes" in body
    assert "https://scheduler.example.com/admin/" in body
    assert EmailNotification.objects.get().status == "DELIVERED"


# --- check_publisher --------------------------------------------------------------------------------------


def test_check_publisher__ok_prints_one_line_and_exits_0(stall_after):
    finished_run(ago=timedelta(seconds=40))
    out = StringIO()

    call_command("check_publisher", stdout=out)

    [line] = out.getvalue().splitlines()
    assert line.startswith("ok: the last run finished 40 s ago; 0 due posts unsent.")


def test_check_publisher__stalled_prints_why_records_the_event_and_exits_1(
    make_account, make_post, stall_after
):
    finished_run(ago=timedelta(minutes=12))
    make_post(make_account(), ago=timedelta(minutes=11))
    out = StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("check_publisher", stdout=out)

    assert exited.value.code == 1
    [line] = out.getvalue().splitlines()
    assert line.startswith(
        "stalled: the last run finished 12 min ago; 1 due post unsent, the oldest due 11 min"
    )
    assert "check the cron line" in line
    assert Event.objects.filter(type=EventType.PUBLISHER_STALLED).count() == 1


def test_check_publisher__degraded_exits_0_and_says_why(make_account, stall_after):
    make_account(status=SocialAccountStatus.NEEDS_RECONNECT)
    out = StringIO()

    call_command("check_publisher", stdout=out)

    assert out.getvalue().startswith("degraded: no run has finished yet; 0 due posts unsent.")
    assert "needs reconnecting" in out.getvalue()


def test_check_publisher__a_database_that_is_down_is_one_line(monkeypatch, stall_after):
    def unavailable(**kwargs):
        raise OperationalError("could not connect to server\nDETAIL: more")

    monkeypatch.setattr(
        "calendar_app.management.commands.check_publisher.publisher_health_check", unavailable
    )

    with pytest.raises(CommandError, match=r"^The database is unavailable: could not connect to server$"):
        call_command("check_publisher")


def test_check_publisher__a_bad_stall_time_is_one_line(settings):
    settings.PUBLISH_STALL_AFTER = 0

    with pytest.raises(CommandError, match="PUBLISH_STALL_AFTER must be a positive number"):
        call_command("check_publisher")
