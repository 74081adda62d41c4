"""One publisher run in a process of its own, for the race test: ``python -m tests.calendar_app.publisher.race_process``.

The fake platforms append every post they create to ``FAKE_SENDS_FILE`` (one O_APPEND write per send), so
the test counts sends outside the database under test. The process waits for a "go" file in
``RACE_BARRIER_DIR`` so that all racing runs start together, then prints its summary as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    import django

    django.setup()

    from calendar_app.publisher import publish_due_posts
    from tests.fakes import FakePlatform

    barrier = Path(os.environ["RACE_BARRIER_DIR"])
    (barrier / f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            sys.exit("race_process: no go signal within 60 s")
        time.sleep(0.005)
    platform = FakePlatform(
        latency=float(os.environ.get("FAKE_LATENCY", "0")), sends_file=os.environ["FAKE_SENDS_FILE"]
    )
    with platform.registered():
        summary = publish_due_posts(concurrency=int(os.environ.get("RACE_CONCURRENCY", "8")))
    print(json.dumps(summary.as_dict()))


if __name__ == "__main__":
    main()
