"""A run SIGKILLed after its batched start marks committed, before its calls landed: a real process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.publisher import publish_due_posts
from tests.fakes import FakePlatform
from tests.fakes import processing

from .processes import command_killed_when
from .test_run_concurrency import make_backlog

pytestmark = pytest.mark.django_db(transaction=True)


def test_killed_run__accounts_marked_in_one_batch_are_reconciled_never_resent_blind(
    user, make_account, tmp_path
):
    accounts = [make_account("TWITTER"), make_account("FACEBOOK")]
    posts = make_backlog(user, posts=6, accounts=accounts)
    sends_file = tmp_path / "sends.log"
    marked = ScheduledPostAccount.objects.filter(status=AccountStatus.PUBLISHING)
    # Each call takes 30 s to reach the platform: the kill falls between the start marks and the calls.
    command_killed_when(
        lambda: marked.count() >= 12,
        FAKE_SENDS_FILE=str(sends_file),
        FAKE_LATENCY="30",
        PUBLISH_ARGS="--concurrency 16",
    )

    assert marked.count() == 12, "every account was marked before any call went out"
    open_attempts = PublishAttempt.objects.filter(
        outcome=AttemptOutcome.IN_PROGRESS, action=AttemptAction.PUBLISH
    )
    assert open_attempts.count() == 12
    assert not sends_file.exists(), "no call reached the platform"

    # The dead run's leases run out; the next run recovers its posts.
    ScheduledPost.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    platform = FakePlatform(sends_file=sends_file)
    with platform.registered():
        summary = publish_due_posts(concurrency=8)

        assert summary.recovered == 6
        assert len(platform.reconciles) == 12, "every in-doubt call was checked with the platform"
        assert platform.calls == [], "and none was sent again blind"
        assert not marked.exists()
        assert set(ScheduledPost.objects.values_list("status", flat=True)) == {PostStatus.SCHEDULED}

        # The platform confirmed none landed: the retry round sends each account once.
        ScheduledPost.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        summary = publish_due_posts(concurrency=8)

    assert summary.succeeded == 6
    assert sorted(sends_file.read_text().splitlines()) == sorted(
        f"{account.pk}\t{post.content}" for post in posts for account in accounts
    )


def test_killed_run__killed_while_resuming_a_processing_account_it_is_reconciled_then_resumed_once(
    make_account, make_post, tmp_path
):
    """SIGKILL during the resume of an account its platform was processing: the open call is checked with
    the platform, never resumed blind; the retry goes on with the same saved container, and one post is
    made."""
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    container = {"container_id": "17889455560051444"}
    sends_file = tmp_path / "sends.log"
    first = FakePlatform(sends_file=sends_file)
    first.will(instagram, processing(container))
    with first.registered(resuming=("INSTAGRAM",)):
        publish_due_posts(concurrency=1)
    entry = ScheduledPostAccount.objects.get(post=post)
    assert (entry.status, entry.publish_state) == (AccountStatus.PUBLISHING, container)

    # The check time comes; a run takes the post and is killed while its resume call is out (30 s).
    ScheduledPost.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    resuming = PublishAttempt.objects.filter(post_account=entry, outcome=AttemptOutcome.IN_PROGRESS)
    command_killed_when(
        resuming.exists, FAKE_SENDS_FILE=str(sends_file), FAKE_LATENCY="30", FAKE_RESUMING="INSTAGRAM"
    )

    assert resuming.count() == 1, "the resume call was started (committed) before it went out"
    entry.refresh_from_db()
    assert (entry.status, entry.publish_state) == (AccountStatus.PUBLISHING, container)
    assert not sends_file.exists()

    ScheduledPost.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    recovery = FakePlatform(sends_file=sends_file)
    with recovery.registered(resuming=("INSTAGRAM",)):
        publish_due_posts(concurrency=1)
        assert [account_id for account_id, _ in recovery.reconciles] == [instagram.pk]
        assert recovery.resumes == [] and recovery.calls == [], "reconciled, never resumed blind"
        entry.refresh_from_db()
        assert (entry.status, entry.publish_state) == (AccountStatus.PENDING, container)

        ScheduledPost.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        publish_due_posts(concurrency=1)

    assert [dict(attempt.state) for _, attempt in recovery.resumes] == [container], "the same container"
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert sends_file.read_text().splitlines() == [f"{instagram.pk}\t{post.content}"]
