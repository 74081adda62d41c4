"""Recovery of a run that died, and the stale-writer guard: a run that lost its posts writes nothing over
the run that took them. Real rows, real threads where a race is the point; fake platforms at the client
boundary.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.db import transaction
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptOutcome
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.publisher import publish_due_posts
from notifications.models import Event
from social.platforms import PublishError
from social.platforms import PublishPayload

from .helpers import database_refusing
from .helpers import make_due_again
from .helpers import post_account
from .helpers import run

pytestmark = pytest.mark.django_db


# --- recovery and the stale-writer guard ------------------------------------------------------------


def hold_as_dead_run(post: ScheduledPost, *, expired: bool = True) -> uuid.UUID:
    """Leave ``post`` as a run that was killed would: PUBLISHING under a lease that ran out."""
    token = uuid.uuid4()
    ScheduledPost.objects.filter(pk=post.pk).update(
        status=PostStatus.PUBLISHING,
        lease_token=token,
        lease_expires_at=timezone.now() + timedelta(minutes=-1 if expired else 10),
    )
    return token


def test_recovery__a_call_in_flight_is_reconciled_not_resent(fake_platform, make_account, make_post):
    in_flight, pending = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(in_flight, pending, content="Launch day")
    hold_as_dead_run(post)
    # The dead run had marked one account and called the platform, which created the post.
    fake_platform.create(fake_platform.client_class("TWITTER")(in_flight), PublishPayload(text="Launch day"))
    started = timezone.now() - timedelta(minutes=11)
    ScheduledPostAccount.objects.filter(post=post, account=in_flight).update(
        status=AccountStatus.PUBLISHING, attempt_count=1, publish_state={"step": "create"}
    )
    dangling = PublishAttempt.objects.create(post_account=post_account(post, in_flight), started_at=started)

    summary = run()

    assert summary.recovered == 1 and summary.claimed == 0 and summary.succeeded == 1
    assert len(fake_platform.calls_to(in_flight)) == 1, "only the dead run's call"
    assert fake_platform.texts_sent_to(pending) == ["Launch day"]
    [(_, in_doubt)] = fake_platform.reconciles
    assert in_doubt.started_at == started and in_doubt.state == {"step": "create"}
    dangling.refresh_from_db()
    assert (dangling.outcome, dangling.error_kind) == (AttemptOutcome.FAILED, ErrorKind.UNKNOWN)
    assert dangling.finished_at is not None
    row = post_account(post, in_flight)
    assert row.status == AccountStatus.PUBLISHED and row.attempt_count == 1
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_recovery__an_in_flight_call_that_never_landed_is_retried_later(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account)
    hold_as_dead_run(post)
    ScheduledPostAccount.objects.filter(post=post).update(status=AccountStatus.PUBLISHING)

    summary = run()

    assert fake_platform.calls == [], "reconciled in this run, sent again only in a later round"
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and summary.retrying == 1
    make_due_again(post)
    run()
    assert len(fake_platform.sends) == 1


def test_recovery__a_run_that_died_before_finalizing_is_rolled_up_without_calls(
    fake_platform, make_account, make_post
):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook)
    hold_as_dead_run(post)
    ScheduledPostAccount.objects.filter(post=post, account=x).update(
        status=AccountStatus.PUBLISHED, platform_post_id="1", published_at=timezone.now()
    )
    ScheduledPostAccount.objects.filter(post=post, account=facebook).update(
        status=AccountStatus.FAILED, error_kind=ErrorKind.INVALID
    )

    summary = run()

    assert fake_platform.calls == [] and fake_platform.reconciles == []
    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED and post.lease_token is None
    assert (summary.recovered, summary.partial) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_recovery__a_post_whose_result_could_not_be_written_is_reconciled_not_resent(
    fake_platform, make_account, make_post, caplog
):
    """The database refuses the result of a call that did publish: the post goes to recovery at once."""
    account = make_account()
    post = make_post(account)
    row = post_account(post, account)
    table = ScheduledPostAccount._meta.db_table
    with database_refusing(
        table=table, operation="UPDATE", when=f"NEW.status = 'PUBLISHED' AND NEW.id = {int(row.pk)}"
    ):
        summary = publish_due_posts(concurrency=2)

    assert (summary.processed, summary.errors) == (0, 1)
    assert len(fake_platform.sends) == 1
    assert "could not be written" in caplog.text or "failed" in caplog.text
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING
    assert post.lease_token is None and post.lease_expires_at <= timezone.now(), "released at once"
    assert post_account(post, account).status == AccountStatus.PUBLISHING, "the call may have landed"

    summary = publish_due_posts(concurrency=2)

    assert (summary.recovered, summary.succeeded) == (1, 1)
    assert len(fake_platform.sends) == 1, "reconciled: found on the platform, never sent again"
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_recovery__a_live_lease_is_left_alone(fake_platform, make_account, make_post):
    account = make_account()
    post = make_post(account)
    token = hold_as_dead_run(post, expired=False)

    summary = run()

    assert summary.processed == 0 and fake_platform.calls == []
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING and post.lease_token == token


def test_stale_writer__a_run_that_lost_its_post_does_not_overwrite_the_new_holder(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account)
    newer = uuid.uuid4()

    def taken_over_during_the_call(platform, client, payload):
        # Meanwhile another run recovered the post (this run looked dead) and is checking the account.
        ScheduledPost.objects.filter(pk=post.pk).update(lease_token=newer)
        return platform.create(client, payload)

    fake_platform.will(account, taken_over_during_the_call)

    summary = run()

    assert (summary.processed, summary.lost) == (0, 1)
    post.refresh_from_db()
    assert (post.status, post.lease_token) == (PostStatus.PUBLISHING, newer)
    row = post_account(post, account)
    assert row.status == AccountStatus.PUBLISHING, "left for the run that holds the post"
    # The call's answer is history and is kept.
    assert row.attempts.get().outcome == AttemptOutcome.PUBLISHED
    assert not Event.objects.exists(), "the run that holds the post now tells, once"


@pytest.mark.postgres_only  # SQLite locks the whole database: the takeover cannot fall between two writes
@pytest.mark.django_db(transaction=True)
def test_stale_writer__finalize_does_not_touch_a_post_taken_over(fake_platform, make_account, make_post):
    """Another run takes the post over between the account's result and the post's roll-up: real threads.

    This test holds the post's row lock while the run records the account's result, so the run's roll-up
    waits on the lock; the test then takes the post over (a new lease) and commits, and the roll-up, which
    PostgreSQL re-checks against the row as the test left it, must update nothing.
    """
    account = make_account()
    post = make_post(account, max_retries=0)
    called, answer = threading.Event(), threading.Event()

    def transient_after_a_pause(platform, client, payload):
        called.set()
        answer.wait(10)
        platform.record(client, payload, created=None)
        raise PublishError(ErrorKind.TRANSIENT, "503")

    fake_platform.will(account, transient_after_a_pause)
    newer = uuid.uuid4()
    results = []
    run_thread = threading.Thread(target=lambda: results.append(publish_due_posts(concurrency=2)))
    run_thread.start()
    try:
        assert called.wait(10)
        with transaction.atomic():
            ScheduledPost.objects.select_for_update().get(pk=post.pk)
            answer.set()
            wait_until_a_backend_waits_for_a_lock()
            ScheduledPost.objects.filter(pk=post.pk).update(lease_token=newer)
    finally:
        answer.set()
        run_thread.join(20)

    [summary] = results
    assert (summary.processed, summary.failed, summary.lost) == (0, 0, 1)
    post.refresh_from_db()
    assert (post.status, post.lease_token) == (PostStatus.PUBLISHING, newer)
    assert post_account(post, account).status == AccountStatus.PENDING, "not ended FAILED by the stale run"
    assert not Event.objects.exists(), "nor announced: its event goes with the end it did not make"


def wait_until_a_backend_waits_for_a_lock(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction otherwise sees one snapshot
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the run never waited for the post's row lock")
