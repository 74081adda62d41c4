"""A run SIGKILLed after its batched start marks committed, before its calls landed: a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from calendar_app.models import (
    AccountStatus,
    AttemptAction,
    AttemptOutcome,
    PostStatus,
    PublishAttempt,
    ScheduledPost,
    ScheduledPostAccount,
)
from calendar_app.publisher import publish_due_posts
from tests.fakes import FakePlatform
from tests.subprocesses import subprocess_env

from .test_run_concurrency import make_backlog

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_ROOT = Path(django_settings.BASE_DIR)


def test_killed_run__accounts_marked_in_one_batch_are_reconciled_never_resent_blind(
    user, make_account, tmp_path
):
    accounts = [make_account("TWITTER"), make_account("FACEBOOK")]
    posts = make_backlog(user, posts=6, accounts=accounts)
    sends_file = tmp_path / "sends.log"
    run = subprocess.Popen(
        [sys.executable, "-m", "tests.calendar_app.publisher.command_process"],
        cwd=PROJECT_ROOT,
        # Each call takes 30 s to reach the platform: the kill falls between the start marks and the calls.
        env=subprocess_env(
            FAKE_SENDS_FILE=str(sends_file), FAKE_LATENCY="30", PUBLISH_ARGS="--concurrency 16"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    marked = ScheduledPostAccount.objects.filter(status=AccountStatus.PUBLISHING)
    try:
        deadline = time.monotonic() + 60
        while marked.count() < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()

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
