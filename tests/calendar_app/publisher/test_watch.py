"""``publish_due_posts --watch`` as a real process: woken by NOTIFY, drained by a real SIGTERM.

Sends are counted outside the database under test (the fake platforms' append-only file). No assertion
here is a timing: "at once" is shown by a poll interval far longer than the test's patience.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import PublisherRun
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.publisher import publish_due_posts
from calendar_app.publisher import watch as watch_module
from calendar_app.publisher.watch import _seconds_until_next_due
from calendar_app.services.posts import post_publish_now
from notifications.models import Event
from notifications.models import WebhookEndpoint
from notifications.services import webhook_secret_generate
from tests.conftest import REQUIRE_ALL
from tests.fakes import FakePlatform
from tests.notifications.servers import webhook_receiver
from tests.subprocesses import subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_ROOT = Path(django_settings.BASE_DIR)


class WatchProcess:
    """``manage.py publish_due_posts --watch`` with fake platforms, in a process of its own."""

    def __init__(self, tmp_path: Path, *, database_url: str | None = None, **env: str) -> None:
        self.sends_file = tmp_path / "sends.log"
        self.log = tmp_path / "watch.log"
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.calendar_app.publisher.command_process"],
            cwd=PROJECT_ROOT,
            env=subprocess_env(
                database_url=database_url,
                FAKE_SENDS_FILE=str(self.sends_file),
                **{"PUBLISH_ARGS": "--watch", **env},
            ),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def output(self) -> str:
        return self.log.read_text()

    def sends(self) -> Counter:
        return Counter(self.sends_file.read_text().splitlines()) if self.sends_file.exists() else Counter()

    def wait_for(self, what, *, timeout: float = 30, message: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the watch process ended: {self.output()}")
            if what():
                return
            time.sleep(0.05)
        raise AssertionError(f"{message or 'condition'} not met within {timeout} s: {self.output()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def watch_process(tmp_path):
    started = []

    def start(**env) -> WatchProcess:
        process = WatchProcess(tmp_path, **env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


def status_of(post: ScheduledPost) -> str:
    return ScheduledPost.objects.values_list("status", flat=True).get(pk=post.pk)


def listening(channel: str = "publisher_due") -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = %s",
            [f"LISTEN {channel}"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres_only(reason="LISTEN/NOTIFY")
def test_watch__publish_now_wakes_it_at_once_through_notify(watch_process, make_account, make_post):
    account = make_account()
    post = make_post(account, ago=-timedelta(hours=1))  # due in an hour
    watch = watch_process(PUBLISH_WATCH_POLL_SECONDS="600")
    watch.wait_for(listening, message="the watch LISTENs")
    time.sleep(0.5)  # let it finish its first look at the queue and go to sleep for the poll interval

    post_publish_now(post_id=post.pk)

    watch.wait_for(lambda: status_of(post) == PostStatus.PUBLISHED, message="published long before a poll")
    assert watch.stop() == 0, watch.output()
    assert list(watch.sends().values()) == [1]
    assert "Stopped: nothing in flight, nothing held" in watch.output()


def test_watch__without_notify_it_polls(watch_process, make_account, make_post):
    """What SQLite does (no NOTIFY there): the post due in a moment is found by the next look."""
    account = make_account()
    post = make_post(account, ago=-timedelta(seconds=1))
    watch = watch_process(PUBLISH_WATCH_POLL_SECONDS="0.2")

    watch.wait_for(lambda: status_of(post) == PostStatus.PUBLISHED, message="published by polling")

    assert watch.stop(signal.SIGINT) == 0, watch.output()
    assert list(watch.sends().values()) == [1]


def test_watch__sigterm_finishes_calls_in_flight_and_gives_back_the_rest(
    watch_process, make_account, make_post, tmp_path
):
    account = make_account()
    posts = [make_post(account, content=f"drain {n}") for n in range(8)]
    watch = watch_process(FAKE_LATENCY="1.5", PUBLISH_ARGS="--watch --concurrency 2")
    in_flight = ScheduledPostAccount.objects.filter(status=AccountStatus.PUBLISHING)
    watch.wait_for(in_flight.exists, message="calls in flight")

    assert watch.stop() == 0, watch.output()

    assert not in_flight.exists(), "the calls in flight finished and were recorded"
    statuses = dict(ScheduledPost.objects.filter(pk__in=[p.pk for p in posts]).values_list("pk", "status"))
    published = [pk for pk, status in statuses.items() if status == PostStatus.PUBLISHED]
    given_back = ScheduledPost.objects.filter(
        status=PostStatus.SCHEDULED, lease_token__isnull=True, retry_count=0
    )
    assert published and len(published) < 8
    assert given_back.count() == 8 - len(published), statuses
    assert sum(watch.sends().values()) == len(published) and set(watch.sends().values()) == {1}

    # What was given back goes out with the next run, once each.
    with FakePlatform(sends_file=watch.sends_file).registered():
        summary = publish_due_posts(concurrency=4)
    assert summary.succeeded == 8 - len(published)
    assert set(watch.sends().values()) == {1} and len(watch.sends()) == 8


class PrivateCluster:
    """A throwaway PostgreSQL cluster of this test's own (initdb into a temporary folder, its own port),
    run as the postgres OS user, so the test may stop and start it: never the shared server."""

    def __init__(self, bin_dir: Path, data_dir: Path, port: int) -> None:
        self.bin_dir, self.data_dir, self.port = bin_dir, data_dir, port

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb refuses root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.data_dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def _postgres_bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


@pytest.fixture
def private_cluster():
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        if REQUIRE_ALL:
            pytest.fail(
                "CI_REQUIRE_ALL=1 but PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
            )
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
    data_dir = Path(tempfile.mkdtemp(prefix="sched-engine-cluster-"))
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = PrivateCluster(bin_dir, data_dir, port)
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def manage(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=subprocess_env(database_url=database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.postgres_only(reason="a private PostgreSQL cluster to restart")
def test_watch__keeps_publishing_across_a_database_restart(private_cluster, tmp_path):
    with psycopg.connect(private_cluster.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE restart_drill")
    database_url = private_cluster.url("restart_drill")
    manage(database_url, "manage.py", "migrate", "-v0")
    watch = WatchProcess(tmp_path, database_url=database_url, PUBLISH_WATCH_POLL_SECONDS="0.5")
    try:
        manage(database_url, "-m", "tests.calendar_app.publisher.seed_post", "before the restart")
        watch.wait_for(lambda: sum(watch.sends().values()) == 1, message="the first post went out")

        private_cluster.stop()
        watch.wait_for(lambda: "cannot reach the database" in watch.output(), message="the outage noticed")
        private_cluster.start()
        manage(database_url, "-m", "tests.calendar_app.publisher.seed_post", "after the restart")

        watch.wait_for(lambda: sum(watch.sends().values()) == 2, message="published after the restart")
        assert watch.stop() == 0, watch.output()
    finally:
        watch.close()
    assert set(watch.sends().values()) == {1}
    assert "Traceback" not in watch.output()


def test_next_due__a_post_counts_once_the_claim_would_take_it(make_account, make_post):
    """A retry time already past does not make a post due before its own time (the claim's rule)."""
    account = make_account()
    make_post(account, ago=-timedelta(minutes=10), next_attempt_at=timezone.now() - timedelta(minutes=1))

    assert 590 <= _seconds_until_next_due(cap=3600) <= 600
    assert _seconds_until_next_due(cap=5) == 5

    make_post(account, ago=timedelta(seconds=1))
    assert _seconds_until_next_due(cap=5) == 0


# --- the after-run step of a watching publisher ----------------------------------------------------------


def test_watch__its_own_after_run_pass_delivers_what_its_turns_recorded(
    watch_process, make_account, make_post
):
    """No cron run and nobody running deliver_notifications: the watching publisher's own pass delivers."""
    with webhook_receiver(webhook_secret_generate()) as receiver:
        WebhookEndpoint.objects.create(url=receiver.url, secret=receiver.secret, events=["post.published"])
        post = make_post(make_account())
        watch = watch_process(PUBLISH_WATCH_POLL_SECONDS="0.2", WEBHOOK_ALLOW_PRIVATE="true")

        watch.wait_for(lambda: len(receiver.received) == 1, message="the event delivered")
        assert watch.stop() == 0, watch.output()

    [delivered] = receiver.received
    assert delivered.verified and delivered.payload["data"]["post_id"] == post.pk
    event = Event.objects.get()
    assert event.group_key == str(PublisherRun.objects.get(trigger=PublisherRun.Trigger.WATCH).pk)


def test_after_runs__a_pass_at_start_after_each_busy_turn_and_while_idle(monkeypatch):
    passes = []
    monkeypatch.setattr(watch_module, "publisher_after_run", lambda *, group_key: passes.append(group_key))
    after_runs = watch_module.AfterRuns(idle_seconds=0.05)
    try:
        wait_until(lambda: passes[:1] == [None], message="the pass at start")
        after_runs.after_turn(run_id=41)
        wait_until(lambda: "41" in passes, message="the busy turn's pass, its emails flushed by its run id")
        wait_until(lambda: passes[passes.index("41") + 1 :].count(None) >= 2, message="passes while idle")
    finally:
        after_runs.close()
    assert not after_runs._thread.is_alive(), "closed: no pass after"


def wait_until(condition, *, message: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{message}: not within {timeout} s"
        time.sleep(0.01)
