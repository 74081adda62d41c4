"""A publisher run in its own process, killed for real (SIGKILL) while a platform holds its call.

The process runs ``manage.py publish_due_posts`` against the test database, with every platform's API URL
pointed at a loopback server that reads the call, hands it to the simulated platform (which may make the
post) and never answers. Once the account is PUBLISHING in the database and the platform has the call, the
process is killed; its lease (one second) then runs out like a dead run's.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from calendar_app.models import AccountStatus, ScheduledPostAccount
from tests.social.platforms.servers import read_request, tcp_server
from tests.subprocesses import subprocess_env

from .platforms import SimulatedPlatforms

API_URL_SETTINGS = (
    "TWITTER_API_URL",
    "FACEBOOK_API_URL",
    "INSTAGRAM_API_URL",
    "LINKEDIN_API_URL",
    "YOUTUBE_API_URL",
)
LEASE_SECONDS = 1
WAIT_SECONDS = 30


def kill_run_while_x_holds_the_call(platforms: SimulatedPlatforms, *, post_id: int, makes_post: bool) -> None:
    """Start a publisher process, wait until X has the post's call in hand, and SIGKILL the process."""

    def hold(conn, stop) -> None:
        head, _, body = read_request(conn).partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
        method, path, _ = request_line.split(" ", 2)
        if method == "POST" and path == "/2/tweets":
            token = headers.get("Authorization", "").removeprefix("Bearer ")
            platforms.take_call_without_answering("X", token, json.loads(body)["text"], makes_post=makes_post)
        stop.wait(WAIT_SECONDS)  # never answer

    with tcp_server(hold) as port:
        loopback = f"http://127.0.0.1:{port}"
        run = subprocess.Popen(
            [sys.executable, "manage.py", "publish_due_posts", "--concurrency", "1"],
            cwd=Path(settings.BASE_DIR),
            env=subprocess_env(
                **dict.fromkeys(API_URL_SETTINGS, loopback),
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
