"""Publisher runs tell people and integrators: real runs of the publisher, the real SMTP server (aiosmtpd)
and webhook receiver (verifying every Standard Webhooks signature) on loopback; fake platforms at the
client boundary. And a run SIGKILLed mid-way loses no event and invents none (a real process)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import PublisherRun
from calendar_app.models import ScheduledPost
from calendar_app.publisher import publish_due_posts
from notifications.models import DeliveryStatus
from notifications.models import EmailNotification
from notifications.models import Event
from notifications.models import WebhookDelivery
from tests.fakes import FakePlatform
from tests.fakes import fail
from tests.subprocesses import subprocess_env

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(django_settings.BASE_DIR)
POST_EVENTS = ["post.published", "post.partially_published", "post.failed", "post_account.needs_review"]


@pytest.fixture
def fake_platform():
    with FakePlatform().registered() as platform:
        yield platform


@pytest.fixture
def subscribed(receiver, make_endpoint):
    """The verifying receiver, subscribed to the post events."""
    make_endpoint(receiver, events=POST_EVENTS)
    return receiver


def due_post(make_post, *accounts, **fields):
    return make_post(*accounts, status=PostStatus.SCHEDULED, **fields)


def run(**options):
    """One cron run in the test's thread (its after-run step included), as ``manage.py publish_due_posts``."""
    options.setdefault("concurrency", 1)
    return publish_due_posts(**options)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_failed_post_emails_its_author_with_the_reason_and_the_link(
    smtp, site, fake_platform, make_account, make_post
):
    account = make_account("LINKEDIN", name="Acme Inc.")
    post = due_post(make_post, account, content="Launch day: our new product is live")
    fake_platform.will(account, fail(ErrorKind.INVALID, "422 Content is a duplicate", http_status=422))

    run()  # the run's own after-run step sends it: nobody runs deliver_notifications

    [message] = smtp.to("author@example.com")
    body = text_of(message)
    assert "was not published" in message["Subject"] and "Launch day" in message["Subject"]
    assert "LinkedIn (Acme Inc.): failed" in body
    assert "The platform refused the post itself" in body, "why, in plain words"
    assert "The platform said: 422 Content is a duplicate" in body
    assert f"{site.SITE_URL}/admin/calendar_app/scheduledpost/{post.pk}/change/" in body
    assert "PLAINTEXT" not in body, "never a token"


def test_the_failures_of_one_run_reach_their_author_as_one_email(
    smtp, fake_platform, make_account, make_post
):
    account = make_account("LINKEDIN")
    posts = [due_post(make_post, account, content=f"Post number {n}") for n in range(3)]
    fake_platform.will(account, *[fail(ErrorKind.INVALID, "422")] * 3)

    run()

    [message] = smtp.to("author@example.com")
    assert message["Subject"] == "[Scheduler] 3 publishing problems need your attention"
    assert all(f"scheduledpost/{post.pk}/change/" in text_of(message) for post in posts)
    run_id = str(PublisherRun.objects.get().pk)
    assert set(EmailNotification.objects.values_list("group_key", flat=True)) == {run_id}


@pytest.mark.django_db(transaction=True)
def test_each_event_of_a_run_reaches_the_receiver_once_signed(
    subscribed, site, fake_platform, make_account, make_post
):
    x, linkedin = make_account("TWITTER"), make_account("LINKEDIN")
    published = due_post(make_post, x)
    partial = due_post(make_post, x, linkedin)
    failed = due_post(make_post, linkedin)
    fake_platform.will(linkedin, fail(ErrorKind.INVALID, "422"), fail(ErrorKind.INVALID, "422"))

    publish_due_posts(concurrency=4)

    assert len(subscribed.received) == 3 and len(subscribed.verified) == 3
    by_post = {item.payload["data"]["post_id"]: item for item in subscribed.received}
    assert by_post[published.pk].payload["type"] == "post.published"
    assert by_post[partial.pk].payload["type"] == "post.partially_published"
    assert by_post[failed.pk].payload["type"] == "post.failed"
    assert sorted(subscribed.ids()) == sorted(str(pk) for pk in Event.objects.values_list("pk", flat=True))
    assert by_post[failed.pk].payload["data"]["admin_url"] == (
        f"{site.SITE_URL}/admin/calendar_app/scheduledpost/{failed.pk}/change/"
    )

    publish_due_posts(concurrency=4)  # the next run delivers nothing twice
    assert len(subscribed.received) == 3


def test_a_receiver_that_answers_500_gets_the_event_from_a_later_run(
    subscribed, fake_platform, make_account, make_post
):
    answers = iter([500, 200])
    subscribed.answer = lambda n: (next(answers), {}, 0.0)
    due_post(make_post, make_account())

    run()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status, delivery.attempt_count) == (
        DeliveryStatus.PENDING,
        500,
        1,
    )
    assert delivery.next_attempt_at > timezone.now(), "backed off, not hammered"
    run()
    assert len(subscribed.received) == 1, "not before its next try"

    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    run()  # a run with nothing to publish still delivers

    first, second = subscribed.received
    assert first.verified and second.verified
    assert first.headers["webhook-id"] == second.headers["webhook-id"], "the same event id on the retry"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.DELIVERED, 200)


def test_a_retry_round_is_no_event_and_its_end_is_one(subscribed, fake_platform, make_account, make_post):
    account = make_account()
    post = due_post(make_post, account)
    fake_platform.will(account, fail(ErrorKind.TRANSIENT, "503"))

    run()
    assert subscribed.received == []
    ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    run()

    [item] = subscribed.received
    assert item.verified and item.payload["type"] == "post.published"


# --- a real process killed mid-run ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_killed_run_loses_no_event_and_invents_none(
    make_account, make_post, receiver, make_endpoint, tmp_path
):
    """The run publishes one post at a time (1 s a call) and is SIGKILLed after its second post ended:
    the ended posts have their events (committed with their end), the others none. The next runs recover
    and end the rest: in the end every post has exactly one event, and the receiver gets each once."""
    account = make_account()
    posts = [due_post(make_post, account, content=f"Killed run post {n}") for n in range(6)]
    ended = ScheduledPost.objects.filter(pk__in=[post.pk for post in posts], status=PostStatus.PUBLISHED)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.calendar_app.publisher.command_process"],
        cwd=PROJECT_ROOT,
        env=subprocess_env(
            FAKE_SENDS_FILE=str(tmp_path / "sends.log"), FAKE_LATENCY="1", PUBLISH_ARGS="--concurrency 1"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while ended.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    published = set(ended.values_list("pk", flat=True))
    assert 2 <= len(published) < 6, "killed mid-run"
    events = Counter(Event.objects.values_list("post_id", flat=True))
    assert set(events) == published, "each ended post has its event, no other post has one"
    assert set(events.values()) == {1}

    make_endpoint(receiver, events=POST_EVENTS)
    ScheduledPost.objects.filter(status=PostStatus.PUBLISHING).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with FakePlatform().registered():
        for _ in range(3):  # recovery; the call in flight was not found, so a retry round
            publish_due_posts(concurrency=2)
            ScheduledPost.objects.filter(status=PostStatus.SCHEDULED).update(
                next_attempt_at=timezone.now() - timedelta(seconds=1)
            )

    assert set(ScheduledPost.objects.values_list("status", flat=True)) == {PostStatus.PUBLISHED}
    events = Counter(Event.objects.values_list("post_id", flat=True))
    assert events == Counter({post.pk: 1 for post in posts}), "one event per post in all"
    assert Counter(receiver.ids()) == Counter(str(pk) for pk in Event.objects.values_list("pk", flat=True))
    assert len(receiver.verified) == 6
