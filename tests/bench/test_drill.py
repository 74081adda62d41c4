"""The fault drill, small: a real ``manage.py publish_due_posts`` killed with SIGKILL mid-flight, then
recovery after the lease. Nothing lost, nothing posted twice, and the database agrees with the platforms."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bench import scenarios
from bench.audit import audit
from bench.harness import ALL_PLATFORMS
from bench.harness import Bench
from bench.harness import make_accounts
from bench.harness import seed_backlog
from bench.processes import FakePlatformsProcess
from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.platforms import PublishPayload
from social.platforms import client_for
from tests.subprocesses import subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bench(tmp_path):
    with FakePlatformsProcess(log_dir=tmp_path) as platforms:
        yield Bench(platforms=platforms, env=subprocess_env(DJANGO_DEBUG="0"), log_dir=tmp_path)


def test_drill__a_run_killed_mid_flight_loses_nothing_and_posts_nothing_twice(bench):
    result = scenarios.drill(
        bench,
        posts=50,
        kills=1,
        latency_ms=40,
        concurrency=8,
        lease_seconds=2,
        platforms=ALL_PLATFORMS,
        seed=3,
    )

    (kill,) = result["kills"]
    assert kill["killed"], "the run was killed before it finished"
    assert 0 < kill["creates_seen_by_platforms"] < 50 * len(ALL_PLATFORMS)
    assert kill["in_flight"] > 0, "the kill left calls in flight, so recovery had something to reconcile"
    assert result["recovery_runs"][0]["recovered"] > 0
    outcome = result["audit"]
    assert outcome["not_final"] == 0
    assert outcome["duplicates"] == 0
    assert outcome["clean"], outcome
    assert sum(outcome["reconciles"].values()) >= kill["in_flight"]
    # Every account either went out exactly once, or was left for a person to check.
    assert outcome["accounts"].get(AccountStatus.PUBLISHED, 0) + outcome["needs_review"] == 50 * len(
        ALL_PLATFORMS
    )


def test_audit__tells_a_lost_post_a_duplicate_and_a_false_published_apart(bench, settings):
    for name, value in bench.platforms.settings().items():
        setattr(settings, name, value)
    accounts = make_accounts(bench, ["TWITTER"])
    lost, duplicated, false_published = seed_backlog(bench, posts=3, accounts=accounts, label="audit")
    ScheduledPost.objects.filter(pk__in=[duplicated, false_published]).update(status=PostStatus.PUBLISHED)
    ScheduledPostAccount.objects.filter(post_id__in=[duplicated, false_published]).update(
        status=AccountStatus.PUBLISHED, platform_post_id="1", published_at=timezone.now()
    )
    text = ScheduledPost.objects.get(pk=duplicated).content
    for _ in range(2):
        client_for(accounts[0]).publish(PublishPayload(text=text))

    outcome = audit([lost, duplicated, false_published], bench.platforms.stats())

    assert outcome.not_final == 1
    assert outcome.duplicates == 1
    assert outcome.published_without_post == 1
    assert outcome.wrong_post_id == 1  # "1" is not an id the platform gave
    assert not outcome.clean
