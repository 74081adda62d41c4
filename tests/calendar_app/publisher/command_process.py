"""``manage.py publish_due_posts`` in a process of its own, with the fake platforms: for process tests.

``python -m tests.calendar_app.publisher.command_process``; the command's arguments come from
``PUBLISH_ARGS`` (``--watch`` for the watch loop). The fake platforms append every post they create to
``FAKE_SENDS_FILE`` (one O_APPEND write each) and sleep ``FAKE_LATENCY`` seconds per call. With
``RACE_BARRIER_DIR`` the process waits for a "go" file there, so that racing processes start together.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from tests.fakes import FakePlatform

    from .processes import wait_for_go

    if os.environ.get("RACE_BARRIER_DIR"):
        wait_for_go()
    platform = FakePlatform(
        latency=float(os.environ.get("FAKE_LATENCY", "0")), sends_file=os.environ["FAKE_SENDS_FILE"]
    )
    resuming = tuple(name for name in os.environ.get("FAKE_RESUMING", "").split(",") if name)
    with platform.registered(resuming=resuming):
        try:
            call_command("publish_due_posts", *os.environ.get("PUBLISH_ARGS", "").split())
        except CommandError as exc:  # as manage.py prints it: one line, exit 1
            sys.stderr.write(f"CommandError: {exc}\n")
            sys.exit(1)


if __name__ == "__main__":
    main()
