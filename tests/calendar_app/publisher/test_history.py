"""PublisherRun: a row for every run, read-only in the admin, pruned after 30 days."""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from calendar_app.models import PublisherRun
from calendar_app.models import QuotaSlot
from calendar_app.publisher import publish_due_posts
from calendar_app.publisher.history import publisher_runs_prune

from .helpers import run

pytestmark = pytest.mark.django_db

THREADS_GRAPH = "https://graph.threads.net/v1.0"


def test_history__every_run_leaves_a_row_with_its_figures(fake_platform, make_account, make_post):
    account = make_account()
    make_post(account)
    make_post(account)

    summary = publish_due_posts(concurrency=1)

    run = PublisherRun.objects.get()
    assert (run.host, run.pid, run.trigger) == (socket.gethostname(), os.getpid(), PublisherRun.Trigger.CRON)
    assert run.started_at <= run.finished_at <= timezone.now()
    assert (run.processed, run.succeeded, run.claimed, run.error) == (2, 2, 2, "")
    assert run.duration_seconds == pytest.approx(summary.duration_seconds)


@pytest.mark.django_db(transaction=True)
def test_history__the_trigger_is_named(fake_platform, settings, client):
    settings.CRON_SECRET = "s" * 40
    client.get("/api/cron/publish-scheduled-posts", headers={"Authorization": f"Bearer {'s' * 40}"})

    assert PublisherRun.objects.get().trigger == PublisherRun.Trigger.HTTP


def test_history__an_idle_watch_turn_leaves_no_row_but_a_busy_one_does(
    fake_platform, make_account, make_post
):
    publish_due_posts(concurrency=1, trigger=PublisherRun.Trigger.WATCH, keep_claiming=True)
    assert not PublisherRun.objects.exists()

    make_post(make_account())
    publish_due_posts(concurrency=1, trigger=PublisherRun.Trigger.WATCH, keep_claiming=True)
    run = PublisherRun.objects.get()
    assert (run.trigger, run.succeeded) == (PublisherRun.Trigger.WATCH, 1)


def test_history__a_stopped_watch_run_says_what_it_gave_back(fake_platform, make_account, make_post):
    make_post(make_account())
    stop = threading.Event()
    stop.set()

    summary = publish_due_posts(concurrency=1, trigger=PublisherRun.Trigger.WATCH, stop=stop)

    assert summary.processed == 0 and fake_platform.calls == []


def test_history__runs_older_than_30_days_are_pruned_by_the_next_run(fake_platform):
    now = timezone.now()
    old = PublisherRun.objects.create(host="h", pid=1, trigger="cron", started_at=now - timedelta(days=31))
    kept = PublisherRun.objects.create(host="h", pid=1, trigger="cron", started_at=now - timedelta(days=29))

    publish_due_posts(concurrency=1)

    assert not PublisherRun.objects.filter(pk=old.pk).exists()
    assert PublisherRun.objects.filter(pk=kept.pk).exists()
    assert publisher_runs_prune() == 0


def test_admin__runs_are_listed_read_only(client, staff_user):
    PublisherRun.objects.create(
        host="web-1",
        pid=42,
        trigger="watch",
        started_at=timezone.now(),
        processed=3,
        deferred=1,
        processing=2,
        error="The database failed",
    )
    client.force_login(staff_user)

    listing = client.get(reverse("admin:calendar_app_publisherrun_changelist"))
    assert listing.status_code == 200
    assert b"web-1" in listing.content
    assert b'class="field-deferred">1<' in listing.content
    assert b'class="field-processing">2<' in listing.content
    assert client.get(reverse("admin:calendar_app_publisherrun_add")).status_code == 403
    run = PublisherRun.objects.get()
    page = client.get(reverse("admin:calendar_app_publisherrun_change", args=[run.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content


@pytest.fixture
def wire():
    """The platforms' HTTP APIs: a request nobody expects fails the test."""
    with responses.RequestsMock() as mock:
        yield mock


def test_history__a_run_keeps_how_many_posts_it_deferred_for_a_quota(make_account, make_post, wire):
    x = make_account("TWITTER")
    QuotaSlot.objects.bulk_create(
        QuotaSlot(account=x, platform=x.platform, taken_at=timezone.now() - timedelta(minutes=2))
        for _ in range(100)
    )
    make_post(x)

    summary = run()

    run_row = PublisherRun.objects.get()
    assert (summary.deferred, summary.processing) == (1, 0)
    assert (run_row.retrying, run_row.deferred, run_row.processing) == (1, 1, 0)
    assert len(wire.calls) == 0, "nothing was sent over the limit"


def test_history__a_run_keeps_how_many_posts_it_left_processing(make_account, make_post, wire):
    threads = make_account("THREADS")
    make_post(threads, content="Launch day")
    user_url = f"{THREADS_GRAPH}/{threads.external_id}"
    wire.get(
        f"{user_url}/threads_publishing_limit",
        json={"data": [{"quota_usage": 3, "config": {"quota_total": 250, "quota_duration": 86400}}]},
    )
    wire.post(f"{user_url}/threads", json={"id": "17889615691921648"})
    wire.get(f"{THREADS_GRAPH}/17889615691921648", json={"status": "IN_PROGRESS", "id": "17889615691921648"})

    summary = run()

    run_row = PublisherRun.objects.get()
    assert (summary.deferred, summary.processing) == (0, 1)
    assert (run_row.retrying, run_row.deferred, run_row.processing) == (1, 0, 1)
