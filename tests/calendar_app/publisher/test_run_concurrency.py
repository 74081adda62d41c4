"""The publisher with real threads and processes: fan-out, leases kept alive, and overlapping runs.

Sends are counted outside the database under test (the fake platform's memory, or an append-only file for
processes): every (post, account) must be sent exactly once and every post must end in a final state.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.publisher import publish_due_posts
from social.models import SocialAccount
from tests.fakes import FakePlatform
from tests.fakes import created_then_lost
from tests.fakes import fail
from tests.fakes import lost_before_creating
from tests.fakes import ok
from tests.subprocesses import subprocess_env

from .helpers import runs_at_once
from .processes import run_together

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_ROOT = Path(django_settings.BASE_DIR)
FINAL = {PostStatus.PUBLISHED, PostStatus.PARTIALLY_PUBLISHED, PostStatus.FAILED}


def make_backlog(user, *, posts: int, accounts: list[SocialAccount]) -> list[ScheduledPost]:
    """``posts`` due posts, each to every account, with one text per post so sends can be told apart."""
    due = timezone.now() - timedelta(minutes=2)
    created = ScheduledPost.objects.bulk_create(
        ScheduledPost(
            content=f"backlog post {n}", scheduled_at=due, status=PostStatus.SCHEDULED, created_by=user
        )
        for n in range(posts)
    )
    ScheduledPostAccount.objects.bulk_create(
        ScheduledPostAccount(post=post, account=account) for post in created for account in accounts
    )
    return created


@contextmanager
def repeated_alongside(
    step: Callable[[], None], *, every: float, after: threading.Event | None = None
) -> Iterator[None]:
    """``step`` again and again on a thread of its own (its own connection) while the block runs: from
    ``after`` is set (or 5 s), every ``every`` seconds, until the block ends."""
    done = threading.Event()

    def repeat() -> None:
        if after is not None:
            after.wait(5)
        while not done.is_set():
            step()
            time.sleep(every)
        connection.close()

    thread = threading.Thread(target=repeat)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_fan_out__a_slow_platform_does_not_hold_up_the_others(fake_platform, make_account, make_post):
    x, slow_platform = make_account("TWITTER"), make_account("LINKEDIN")
    for _ in range(6):
        make_post(x, slow_platform)
    # Shown by what happens, not by a clock: each slow call waits until all six slow calls are in flight
    # together (a run that sent them one after another would break the barrier), and until every post to
    # the fast platform is out (a run that made those wait for the slow ones would never get there).
    slow_in_flight = threading.Barrier(6, timeout=30)
    fast_sent = threading.Semaphore(0)
    waited = []

    def fast(platform, client, payload):
        answer = platform.create(client, payload)
        fast_sent.release()
        return answer

    def slow_until_all_are_in_flight(platform, client, payload):
        slow_in_flight.wait()
        waited.append(fast_sent.acquire(timeout=30))  # one fast post out per slow call: all six in the end
        return platform.create(client, payload)

    fake_platform.will(x, *[fast] * 6)
    fake_platform.will(slow_platform, *[slow_until_all_are_in_flight] * 6)

    summary = publish_due_posts(concurrency=12)

    assert summary.succeeded == 6
    assert waited == [True] * 6, "a slow call waited for a fast post that never went out"
    assert not slow_in_flight.broken


def test_heartbeat__a_long_call_keeps_its_lease_so_no_other_run_recovers_it(
    fake_platform, make_account, make_post, settings
):
    settings.PUBLISH_LEASE_SECONDS = 1
    account = make_account()
    post = make_post(account)
    recovered, call_started, call_at = [], threading.Event(), []
    runs_after_expiry = threading.Semaphore(0)

    def expired_by(moment: float) -> bool:  # the call's lease would have run out by then, but for heartbeats
        return moment > call_at[0] + 1.5

    def long_upload(platform, client, payload):
        # Longer than the lease: it returns once three other runs have started after the lease it took
        # would have expired without the heartbeat (waiting on them, not on a clock; 30 s at most).
        call_at.append(time.monotonic())
        call_started.set()
        for _ in range(3):
            runs_after_expiry.acquire(timeout=30)
        return platform.create(client, payload)

    fake_platform.will(account, long_upload)

    def another_run() -> None:
        started = time.monotonic()
        recovered.append((started, publish_due_posts(concurrency=1).recovered))
        if expired_by(started):
            runs_after_expiry.release()

    with repeated_alongside(another_run, every=0.1, after=call_started):
        summary = publish_due_posts(concurrency=2)

    assert len([started for started, _ in recovered if expired_by(started)]) >= 3
    assert sum(found for _, found in recovered) == 0
    assert summary.succeeded == 1
    assert len(fake_platform.calls) == 1 and fake_platform.reconciles == []
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


@pytest.mark.postgres_only(reason="pg_stat_activity")
def test_threads__every_worker_closes_its_connection(
    fake_platform, make_account, make_post, backends_of_this_database
):
    open_connections = backends_of_this_database
    account = make_account()
    for _ in range(20):
        make_post(account)
    before = open_connections()

    summary = publish_due_posts(concurrency=8)

    assert summary.succeeded == 20
    # A closed connection's backend leaves pg_stat_activity a moment later, and backends of earlier tests
    # may still be leaving: wait briefly for the count to come back down, never up.
    deadline = time.monotonic() + 5
    while (after := open_connections()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert after <= before


def test_race__overlapping_runs_in_threads_send_each_account_once(user, make_account, settings):
    settings.PUBLISH_RETRY_BASE_SECONDS = 0  # retries are due at once, so overlapping runs race for them too
    settings.PUBLISH_QUOTAS = False  # 240 posts to one X account: over X's quota (test_quotas.py races it)
    accounts = [make_account("TWITTER"), make_account("FACEBOOK"), make_account("LINKEDIN")]
    posts = make_backlog(user, posts=240, accounts=accounts)
    platform = FakePlatform(latency=0.002)
    # A few calls go wrong on the way: the answer is lost after the post was made, or before; a 503.
    platform.will(accounts[0], created_then_lost, ok, created_then_lost)
    platform.will(accounts[1], lost_before_creating, fail("TRANSIENT", "503"), lost_before_creating)
    with platform.registered():
        summaries = runs_at_once(4, concurrency=8)
        leftovers = publish_due_posts(concurrency=4)  # retries that came due after the racing runs stopped

    sends = Counter((send.account_id, send.text) for send in platform.sends)
    assert len(sends) == 240 * 3
    assert set(sends.values()) == {1}, [key for key, count in sends.items() if count > 1]
    assert sum(s.processed for s in summaries) + leftovers.processed >= 240
    assert sum(1 for s in summaries if s.claimed) >= 2, "the runs really overlapped"
    statuses = Counter(
        ScheduledPost.objects.filter(pk__in=[p.pk for p in posts]).values_list("status", flat=True)
    )
    assert statuses == {PostStatus.PUBLISHED: 240}
    assert not ScheduledPostAccount.objects.exclude(status=AccountStatus.PUBLISHED).exists()


def test_race__overlapping_runs_in_processes_send_each_account_once(user, make_account, tmp_path):
    accounts = [make_account("TWITTER"), make_account("FACEBOOK"), make_account("LINKEDIN")]
    posts = make_backlog(user, posts=240, accounts=accounts)
    sends_file = tmp_path / "sends.log"
    env = subprocess_env(
        FAKE_SENDS_FILE=str(sends_file),
        FAKE_LATENCY="0.002",
        RACE_CONCURRENCY="8",
        PUBLISH_QUOTAS="false",  # 240 posts to one X account: over X's quota (test_quotas.py races it)
    )
    results = run_together(
        "tests.calendar_app.publisher.race_process", count=4, env=env, barrier=tmp_path / "barrier"
    )

    for returncode, _, stderr in results:
        assert returncode == 0, stderr
    outputs = [(stdout, stderr) for _, stdout, stderr in results]
    summaries = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]
    lines = sends_file.read_text().splitlines()
    sends = Counter(lines)
    assert len(sends) == 240 * 3
    assert set(sends.values()) == {1}, [line for line, count in sends.items() if count > 1]
    assert sum(s["processed"] for s in summaries) == 240
    assert sum(s["succeeded"] for s in summaries) == 240
    assert sum(1 for s in summaries if s["claimed"]) >= 2, "the runs really overlapped"
    assert set(
        ScheduledPost.objects.filter(pk__in=[p.pk for p in posts]).values_list("status", flat=True)
    ) == {PostStatus.PUBLISHED}


@pytest.mark.postgres_only(reason="the batched statements; SQLite writes each account alone")
def test_queries__a_wide_run_needs_at_most_half_the_statements_per_post_of_one_call_per_connection(
    user, fake_platform, make_account, all_queries
):
    """The engine before group commit ran 7.3 statements per post (3 accounts); batched, at most half."""
    accounts = [make_account("TWITTER"), make_account("FACEBOOK"), make_account("LINKEDIN")]
    make_backlog(user, posts=90, accounts=accounts)
    fake_platform.latency = 0.02

    with all_queries() as queries:
        summary = publish_due_posts(concurrency=32)

    assert summary.succeeded == 90
    print(f"{len(queries) / 90:.2f} statements per post")
    assert len(queries) / 90 <= 7.3 / 2, f"{len(queries) / 90:.2f} statements per post"


@pytest.mark.postgres_only(reason="pg_stat_activity")
def test_connections__a_run_holds_at_most_its_database_connections_whatever_its_width(
    user, fake_platform, make_account, settings, backends_of_this_database
):
    settings.PUBLISH_DB_CONNECTIONS = 2
    accounts = [make_account("TWITTER"), make_account("FACEBOOK"), make_account("LINKEDIN")]
    make_backlog(user, posts=40, accounts=accounts)
    fake_platform.latency = 0.1
    before = backends_of_this_database()
    peak = [0]

    def look() -> None:
        peak[0] = max(peak[0], backends_of_this_database() - before)

    with repeated_alongside(look, every=0.01):
        summary = publish_due_posts(concurrency=48)

    assert summary.succeeded == 40
    # 120 calls, up to 48 in flight at once; the watcher's own connection is the one more.
    assert 1 <= peak[0] <= 2 + 1, peak[0]
