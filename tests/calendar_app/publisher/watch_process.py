"""``publish_due_posts --watch`` in a process of its own, with the fake platforms: for the watch tests.

``python -m tests.calendar_app.publisher.watch_process``. The fake platforms append every post they create
to ``FAKE_SENDS_FILE`` (one O_APPEND write each) and sleep ``FAKE_LATENCY`` seconds per call.
"""

from __future__ import annotations

import os


def main() -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from tests.fakes import FakePlatform

    platform = FakePlatform(
        latency=float(os.environ.get("FAKE_LATENCY", "0")), sends_file=os.environ["FAKE_SENDS_FILE"]
    )
    with platform.registered():
        try:
            call_command("publish_due_posts", "--watch", *os.environ.get("WATCH_ARGS", "").split())
        except CommandError as exc:
            raise SystemExit(f"CommandError: {exc}") from None


if __name__ == "__main__":
    main()
