"""Steps about running the publisher: the command, overlapping runs, a killed run, the HTTP trigger and
its cron secret, and time passing between runs."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import PostStatus
from calendar_app.models import PublisherRun
from calendar_app.models import QuotaScope
from calendar_app.models import QuotaSlot
from calendar_app.models import ScheduledPost
from notifications.models import EmailNotification
from notifications.models import WebhookDelivery

from .killed_run import kill_run_while_platform_holds_the_call
from .platforms import SimulatedPlatforms
from .story import PLATFORM
from .story import Story

TRIGGER_URL = "/api/cron/publish-scheduled-posts"


# --- the cron secret -----------------------------------------------------------------------------------


@given(parsers.parse('the cron secret is "{secret}"'))
def _(secret: str, settings) -> None:
    settings.CRON_SECRET = secret


@given("no cron secret is set")
def _(settings) -> None:
    settings.CRON_SECRET = ""


# --- time ----------------------------------------------------------------------------------------------


def make_retries_due() -> int:
    """Time moves on to the planned retries: the platforms' quota windows and blocks grow that much older."""
    waiting = ScheduledPost.objects.filter(status=PostStatus.SCHEDULED, next_attempt_at__isnull=False)
    latest = max(waiting.values_list("next_attempt_at", flat=True), default=None)
    if latest is not None and latest > timezone.now():
        delta = latest - timezone.now() + timedelta(seconds=1)
        QuotaSlot.objects.update(taken_at=F("taken_at") - delta)
        QuotaScope.objects.filter(blocked_until__isnull=False).update(
            blocked_until=F("blocked_until") - delta
        )
    return waiting.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@when("the planned retry is due")
def _() -> None:
    assert make_retries_due(), "no retry was planned"


@when(parsers.re(r"(?P<count>\d+) (?:more )?(?P<unit>minute|hour)s? pass(?:es)?$"), converters={"count": int})
def _(count: int, unit: str) -> None:
    """Time moves on: everything that waits (posts, their retries, the runs that finished, the webhooks and
    emails to try again) comes that much closer, and what the platforms' quotas counted grows that much older."""
    delta = timedelta(**{f"{unit}s": count})
    ScheduledPost.objects.update(scheduled_at=F("scheduled_at") - delta)
    ScheduledPost.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=F("next_attempt_at") - delta
    )
    # A post handed on to a later run (still processing) is checked when its released lease ends.
    ScheduledPost.objects.filter(lease_token__isnull=True, lease_expires_at__isnull=False).update(
        lease_expires_at=F("lease_expires_at") - delta
    )
    QuotaSlot.objects.update(taken_at=F("taken_at") - delta)
    QuotaScope.objects.filter(blocked_until__isnull=False).update(blocked_until=F("blocked_until") - delta)
    PublisherRun.objects.update(started_at=F("started_at") - delta)
    PublisherRun.objects.filter(finished_at__isnull=False).update(finished_at=F("finished_at") - delta)
    for queued in (WebhookDelivery, EmailNotification):
        queued.objects.update(next_attempt_at=F("next_attempt_at") - delta)


# --- running the publisher -----------------------------------------------------------------------------


def run_publisher(story: Story, platforms: SimulatedPlatforms) -> str:
    story.received_before_last_run = len(platforms.received)
    output = StringIO()
    call_command("publish_due_posts", stdout=output)
    story.outputs.append(output.getvalue())
    return output.getvalue()


@when("the publisher runs")
@when("the publisher runs again")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    run_publisher(story, platforms)


@when(parsers.parse("the publisher runs {count:d} times, each time once the planned retry is due"))
def _(count: int, story: Story, platforms: SimulatedPlatforms) -> None:
    for round_ in range(count):
        if round_:
            assert make_retries_due(), f"no retry was planned after run {round_}"
        run_publisher(story, platforms)


@when(parsers.re(r"(?P<crons>two|three) cron runs and a call of the HTTP trigger start at the same moment$"))
def _(crons: str, story: Story, settings) -> None:
    cron_runs = {"two": 2, "three": 3}[crons]
    start = threading.Barrier(cron_runs + 1)

    def cron_run() -> dict[str, int]:
        output = StringIO()
        start.wait()
        try:
            call_command("publish_due_posts", stdout=output)
        finally:
            connection.close()
        line = re.search(r"Processed (\d+) posts: (\d+) succeeded", output.getvalue())
        return {"processed": int(line.group(1)), "succeeded": int(line.group(2))}

    def trigger_call() -> dict[str, int]:
        client = Client()
        start.wait()
        try:
            response = client.get(TRIGGER_URL, headers={"Authorization": f"Bearer {settings.CRON_SECRET}"})
        finally:
            connection.close()
        assert response.status_code == 200, response.content
        return response.json()

    with ThreadPoolExecutor(max_workers=cron_runs + 1) as runs:
        started = [runs.submit(work) for work in (*[cron_run] * cron_runs, trigger_call)]
        story.run_figures = [run.result(timeout=60) for run in started]


@when(parsers.re(rf"a publisher run is killed while it waits for {PLATFORM}$"))
def _(platform: str, story: Story, platforms: SimulatedPlatforms, makes_the_post: bool) -> None:
    kill_run_while_platform_holds_the_call(
        platforms, platform=platform, post_id=story.the_post().pk, makes_post=makes_the_post
    )


@when("the killed run's lease expires")
def _(story: Story) -> None:
    post = story.the_post()
    assert post.status == PostStatus.PUBLISHING and post.lease_expires_at is not None
    deadline = post.lease_expires_at + timedelta(seconds=5)
    while ScheduledPost.objects.filter(pk=post.pk, lease_expires_at__gte=timezone.now()).exists():
        assert timezone.now() < deadline, "the lease never ran out"
        time.sleep(0.05)


# --- the HTTP trigger ----------------------------------------------------------------------------------


@when("the trigger is called with no Authorization header")
def _(story: Story, client) -> None:
    story.response = client.get(TRIGGER_URL)


@when(parsers.parse('the trigger is called with the header "{authorization}"'))
def _(authorization: str, story: Story, client) -> None:
    story.sent_authorization = authorization
    story.response = client.get(TRIGGER_URL, headers={"Authorization": authorization})


@then(parsers.parse("the trigger answers {status:d} with a reason that does not repeat what was sent"))
def _(status: int, story: Story) -> None:
    response = story.response
    assert response.status_code == status, response.content
    reason = response.json()["error"]
    assert isinstance(reason, str) and reason
    credentials = story.sent_authorization.partition(" ")[2]
    assert not credentials or credentials not in response.content.decode()


@then(parsers.parse("the trigger answers 200 with {processed:d} processed and {succeeded:d} succeeded"))
def _(processed: int, succeeded: int, story: Story) -> None:
    response = story.response
    assert response.status_code == 200, response.content
    figures = response.json()
    assert (figures["processed"], figures["succeeded"]) == (processed, succeeded), figures
