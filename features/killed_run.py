"""A publisher run in its own process, killed for real (SIGKILL) while a platform holds its call.

The process runs ``manage.py publish_due_posts`` against the test database, with every platform's API URL
(and the server of every account on a server of its own, Mastodon's) pointed at the scenario's simulated
platforms served on loopback. The platform takes the call (and makes the post, or not) and never answers.
Once the account is PUBLISHING in the database and the platform has the call, the process is killed; its
lease (one second) then runs out like a dead run's.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from bench.simulation import HoldCall
from calendar_app.models import AccountStatus
from calendar_app.models import ScheduledPostAccount
from social.models import SocialAccount
from social.platforms import platform_specs
from tests.subprocesses import subprocess_env

from .platforms import PLATFORM_NAMES
from .platforms import SimulatedPlatforms

LEASE_SECONDS = 1
WAIT_SECONDS = 30


def kill_run_while_platform_holds_the_call(
    platforms: SimulatedPlatforms, *, platform: str, post_id: int, makes_post: bool
) -> None:
    """Start a publisher process, wait until ``platform`` (its name in the scenarios, "X") has the post's
    call in hand, and SIGKILL the process."""
    platforms.answer_next(platform, HoldCall(seconds=WAIT_SECONDS * 2, creates=makes_post))
    with platforms.loopback() as loopback, _account_servers_at(loopback):
        api_urls = {spec.setting_name("API_URL"): loopback for spec in platform_specs()}
        run = subprocess.Popen(
            [sys.executable, "manage.py", "publish_due_posts", "--concurrency", "1"],
            cwd=Path(settings.BASE_DIR),
            env=subprocess_env(
                **api_urls,
                PUBLISH_LEASE_SECONDS=str(LEASE_SECONDS),
                PLATFORM_READ_TIMEOUT=str(WAIT_SECONDS * 2),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_until_the_platform_holds_the_call(platforms, run, platform=platform, post_id=post_id)
        finally:
            run.send_signal(signal.SIGKILL)
            run.communicate(timeout=WAIT_SECONDS)
    assert run.returncode == -signal.SIGKILL, (
        f"the run ended by itself ({run.returncode}) before it was killed"
    )


@contextmanager
def _account_servers_at(loopback: str) -> Iterator[None]:
    """Accounts whose server is their own (``extra["server_url"]``) reach the loopback meanwhile."""
    moved = {
        account.pk: account.extra
        for account in SocialAccount.objects.all()
        if (account.extra or {}).get("server_url")
    }
    for pk, extra in moved.items():
        SocialAccount.objects.filter(pk=pk).update(extra={**extra, "server_url": loopback})
    try:
        yield
    finally:
        for pk, extra in moved.items():
            SocialAccount.objects.filter(pk=pk).update(extra=extra)


def _wait_until_the_platform_holds_the_call(
    platforms: SimulatedPlatforms, run: subprocess.Popen, *, platform: str, post_id: int
) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        in_flight = ScheduledPostAccount.objects.filter(
            post_id=post_id, account__platform=PLATFORM_NAMES[platform], status=AccountStatus.PUBLISHING
        ).exists()
        if in_flight and platforms.received_by(platform=platform):
            return
        if run.poll() is not None:
            _, stderr = run.communicate()
            raise AssertionError(
                f"the publisher process ended before {platform} had the call: {stderr[-2000:]}"
            )
        time.sleep(0.02)
    raise AssertionError(f"{platform} did not get the call within {WAIT_SECONDS} s")
