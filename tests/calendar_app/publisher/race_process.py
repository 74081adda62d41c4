"""One publisher run in a process of its own, for the race test: ``python -m tests.calendar_app.publisher.race_process``.

The fake platforms append every post they create to ``FAKE_SENDS_FILE`` (one O_APPEND write per send), so
the test counts sends outside the database under test. The process waits for a "go" file in
``RACE_BARRIER_DIR`` so that all racing runs start together, then prints its summary as JSON.
"""

from __future__ import annotations

import json
import os


def main() -> None:
    import django

    django.setup()

    from calendar_app.publisher import publish_due_posts
    from tests.fakes import FakePlatform

    from .processes import wait_for_go

    wait_for_go()
    platform = FakePlatform(
        latency=float(os.environ.get("FAKE_LATENCY", "0")), sends_file=os.environ["FAKE_SENDS_FILE"]
    )
    resuming = tuple(name for name in os.environ.get("FAKE_RESUMING", "").split(",") if name)
    with platform.registered(resuming=resuming):
        summary = publish_due_posts(concurrency=int(os.environ.get("RACE_CONCURRENCY", "8")))
    print(json.dumps(summary.as_dict()))


if __name__ == "__main__":
    main()
