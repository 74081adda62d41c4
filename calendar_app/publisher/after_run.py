"""What follows a run's own work: the next occurrences of recurring posts, the publisher's health, and a
pass delivering notifications (token warnings, emails, webhooks).

A cron or trigger run does it once its posts are all recorded, on one of its own database connections (so
a run never holds more than ``PUBLISH_DB_CONNECTIONS``); the --watch loop does it on a thread of its own
(watch.py), so that it never holds up the next turn. It runs outside any transaction and never fails the
run: each part logs its error and the next run tries again. Delivery has its own time budget
(``NOTIFY_DELIVERY_MAX_SECONDS``); nothing here delays a post.
"""

from __future__ import annotations

import logging

from notifications.services import notifications_after_run

from .workers import is_connection_error

logger = logging.getLogger(__name__)


def publisher_after_run(*, group_key: str | None) -> None:
    """Run after a publisher run; ``group_key`` (the run's id) groups its emails into one per person."""
    from planning.services.recurrence import series_materialize

    from ..health import publisher_health_check

    for name, step in (
        ("Making the next occurrences of recurring posts", series_materialize),
        # Runs resumed: a stall is over. The deliveries below carry the news.
        ("Checking the publisher's health", lambda: publisher_health_check(deliver=False)),
    ):
        try:
            step()
        except Exception as exc:
            if is_connection_error(exc):
                logger.warning("%s failed (%s); the next run tries again", name, _one_line(exc))
            else:
                logger.exception("%s failed; the next run tries again", name)
    notifications_after_run(group_key=group_key)  # never raises


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
