"""A publisher run in its own process, killed for real (SIGKILL) while X holds its call.

The process runs ``manage.py publish_due_posts`` against the test database, with every platform's API URL
pointed at the scenario's simulated platforms served on loopback. X takes the call (and makes the post, or
not) and never answers. Once the account is PUBLISHING in the database and X has the call, the process is
killed; its lease (one second) then runs out like a dead run's.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from bench.simulation import HoldCall
from calendar_app.models import AccountStatus, ScheduledPostAccount
from social.platforms import platform_specs
from tests.subprocesses import subprocess_env

from .platforms import SimulatedPlatforms

LEASE_SECONDS = 1
WAIT_SECONDS = 30


def kill_run_while_x_holds_the_call(platforms: SimulatedPlatforms, *, post_id: int, makes_post: bool) -> None:
    """Start a publisher process, wait until X has the post's call in hand, and SIGKILL the process."""
    platforms.answer_next("X", HoldCall(seconds=WAIT_SECONDS * 2, creates=makes_post))
    with platforms.loopback() as loopback:
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
            _wait_until_x_holds_the_call(platforms, run, post_id=post_id)
        finally:
            run.send_signal(signal.SIGKILL)
            run.communicate(timeout=WAIT_SECONDS)
    assert run.returncode == -signal.SIGKILL, (
        f"the run ended by itself ({run.returncode}) before it was killed"
    )


def _wait_until_x_holds_the_call(
    platforms: SimulatedPlatforms, run: subprocess.Popen, *, post_id: int
) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        in_flight = ScheduledPostAccount.objects.filter(
            post_id=post_id, account__platform="TWITTER", status=AccountStatus.PUBLISHING
        ).exists()
        if in_flight and platforms.received_by(platform="X"):
            return
        if run.poll() is not None:
            _, stderr = run.communicate()
            raise AssertionError(f"the publisher process ended before X had the call: {stderr[-2000:]}")
        time.sleep(0.02)
    raise AssertionError(f"X did not get the call within {WAIT_SECONDS} s")
