"""``publish_due_posts --watch``: a long-running publisher that publishes posts on the second.

Each turn runs the publisher (which keeps claiming while it has calls in flight), then sleeps until the
next post falls due, at most ``PUBLISH_WATCH_POLL_SECONDS``. On PostgreSQL it also LISTENs on the channel a
trigger on the posts table notifies whenever a post may have become due sooner (scheduled, "publish now",
a retry, a post released by a run), so it wakes at once; on SQLite it polls.

The after-run step (after_run.py) runs on a thread of its own, with a connection of its own, so that a slow
webhook receiver never holds up the next turn: after each turn that took posts, and at least every
``IDLE_PASS_SECONDS`` while there is nothing to publish (token warnings, deliveries due for a retry).

``stop`` (set by SIGTERM/SIGINT in the command) drains: the current run claims and starts nothing more,
finishes its calls in flight, gives back what it claimed but did not start, and the loop returns. A
database that goes away (a restart, a failover) costs a log line and a pause; the loop keeps going and
picks up where it was once the database answers again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db import connection
from django.db import connections
from django.db.models import F
from django.db.models import Min
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.functions import Greatest
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.models import PublisherRun
from calendar_app.models import ScheduledPost

from .after_run import publisher_after_run
from .history import run_group_key
from .run import publish_due_posts
from .summary import PublishRunSummary
from .workers import is_connection_error

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "publisher_due"  # the trigger of migration 0004 notifies here
LISTEN_SLICE_SECONDS = 0.25  # how often a wait looks at ``stop``
LISTEN_CONNECT_TIMEOUT = 5  # an unreachable host must not hold up the loop
MAX_BACKOFF_SECONDS = 30
IDLE_TURN_SECONDS = 0.2  # the least pause after a turn that took nothing
IDLE_PASS_SECONDS = 60  # the longest between after-run passes while nothing is published


def publisher_watch(
    *,
    stop: threading.Event,
    concurrency: int | None = None,
    poll_seconds: float | None = None,
    on_run: Callable[[PublishRunSummary], None] | None = None,
) -> None:
    """Publish due posts as they fall due until ``stop`` is set."""
    poll = settings.PUBLISH_WATCH_POLL_SECONDS if poll_seconds is None else poll_seconds
    if not poll > 0:
        raise ImproperlyConfigured(f"PUBLISH_WATCH_POLL_SECONDS must be a positive number, not {poll!r}.")
    listener = DueListener() if connection.vendor == "postgresql" else None
    after_runs = AfterRuns()
    failures = 0
    try:
        while not stop.is_set():
            if listener is not None:
                listener.ensure_listening()  # before the run, so nothing that falls due meanwhile is missed
            try:
                summary = publish_due_posts(
                    trigger=PublisherRun.Trigger.WATCH,
                    stop=stop,
                    keep_claiming=True,
                    concurrency=concurrency,
                    after_run=False,
                )
                problem = summary.error
                took = summary.claimed or summary.recovered
                if took:
                    after_runs.after_turn(run_id=summary.run_id)
                if on_run is not None and (summary.processed or summary.released or summary.lost):
                    on_run(summary)
                wait = 0.0 if problem else _seconds_until_next_due(cap=poll)
                if not took:
                    # Something looks due yet none could be taken (another run holds it this instant):
                    # never spin on it.
                    wait = max(wait, IDLE_TURN_SECONDS)
            except DatabaseError as exc:
                if not is_connection_error(exc):
                    raise
                problem, wait = _one_line(exc), poll
            finally:
                with contextlib.suppress(DatabaseError):  # a connection the database dropped may not close
                    connection.close()  # between turns the loop holds only its LISTEN connection
            if problem:
                failures += 1
                wait = min(MAX_BACKOFF_SECONDS, poll * failures)
                if failures == 1 or failures % 10 == 0:
                    logger.error(
                        "The publisher cannot reach the database (%s); trying again in %.0f s", problem, wait
                    )
            elif failures:
                logger.warning("The publisher reaches the database again after %s failed turns", failures)
                failures = 0
            if wait > 0:
                if listener is not None:
                    listener.wait(wait, stop)
                else:
                    stop.wait(wait)
    finally:
        after_runs.close()
        if listener is not None:
            listener.close()


class AfterRuns:
    """The watch loop's after-run passes, one at a time on a thread of their own: one right away, one after
    each turn that took posts (its emails go at once), and one at least every ``IDLE_PASS_SECONDS``. Turns
    that end during a pass are served by the next. Closing lets the pass in flight finish (it has its own
    time budget) and starts no other: what is left goes with the next publisher's pass."""

    def __init__(self, *, idle_seconds: float = IDLE_PASS_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._turns: list[int | None] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._wake.set()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._work, name="publisher-after-run", daemon=True)
        self._thread.start()

    def after_turn(self, *, run_id: int | None) -> None:
        with self._lock:
            self._turns.append(run_id)
        self._wake.set()

    def close(self) -> None:
        self._closing.set()
        self._wake.set()
        self._thread.join()

    def _work(self) -> None:
        try:
            while not self._closing.is_set():
                self._wake.wait(self._idle_seconds)
                self._wake.clear()
                if self._closing.is_set():
                    return
                with self._lock:
                    turns, self._turns = self._turns, []
                for run_id in dict.fromkeys(turns) or [None]:
                    publisher_after_run(group_key=run_group_key(run_id))
                    if self._closing.is_set():
                        return
                with contextlib.suppress(DatabaseError):  # between passes this thread holds none
                    connection.close()
        finally:
            connections.close_all()


def _seconds_until_next_due(*, cap: float) -> float:
    """Until the next post falls due (or a lease runs out), at most ``cap``; 0 when one is due now."""
    # The claim takes a post once both its time and its retry time have come (post_due_queryset).
    due_at = Greatest(F("scheduled_at"), Coalesce(F("next_attempt_at"), F("scheduled_at")))
    due = ScheduledPost.objects.aggregate(
        scheduled=Min(due_at, filter=Q(status=PostStatus.SCHEDULED)),
        lease=Min("lease_expires_at", filter=Q(status=PostStatus.PUBLISHING)),
    )
    times = [at for at in due.values() if at is not None]
    if not times:
        return cap
    return max(0.0, min(cap, (min(times) - timezone.now()).total_seconds()))


class DueListener:
    """A PostgreSQL connection of its own that LISTENs for "a post may be due sooner"."""

    def __init__(self) -> None:
        self._conn: psycopg.Connection | None = None

    def ensure_listening(self) -> None:
        if self._conn is not None and not self._conn.closed:
            return
        try:
            self._conn = psycopg.connect(
                **{"connect_timeout": LISTEN_CONNECT_TIMEOUT, **_connect_arguments()}, autocommit=True
            )
            self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error as exc:
            self._conn = None
            logger.debug("Cannot LISTEN for due posts (%s); polling until the database answers", exc)

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Sleep up to ``seconds``; True when a notification came (or ``stop`` was set)."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self._conn is None:
                stop.wait(min(left, LISTEN_SLICE_SECONDS))
                continue
            try:
                # The generator holds the connection's lock until it ends: let it end before draining.
                woken = any(
                    True for _ in self._conn.notifies(timeout=min(left, LISTEN_SLICE_SECONDS), stop_after=1)
                )
                if woken:
                    self._drain()
                    return True
            except psycopg.Error:
                self.close()  # the database went away: poll until the next turn reconnects
        return True

    def _drain(self) -> None:
        """Notifications that queued up meanwhile say nothing more: one look at the queue serves them all."""
        if self._conn is not None:
            for _ in self._conn.notifies(timeout=0.001):
                pass

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _connect_arguments() -> dict[str, object]:
    """psycopg's connection arguments for Django's default database."""
    arguments = connection.get_connection_params()
    arguments.pop("cursor_factory", None)
    arguments.pop("context", None)
    arguments.pop("prepare_threshold", None)
    arguments.pop("server_side_binding", None)
    return arguments


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
