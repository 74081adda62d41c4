"""Steps about the publisher's engine: the long-running publisher and the database's connections.

Imported into ``conftest.py`` so every feature may use them.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.db import connections
from django.db.backends.signals import connection_created
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.publisher.watch import publisher_watch
from calendar_app.services.posts import post_publish_now

WAIT_SECONDS = 30  # patience for "well before": far shorter than the watched poll interval


class ConnectionCounter:
    """Samples, from a thread of its own, how many connections the runs of the scenario hold at once.

    Only the runs' own connections count: each connection opened while counting by a thread started
    since counting began (the runs' threads and their database lanes; not the scenario's, not the
    counter's, not a thread an earlier test left behind) is noted by its server process id, and the
    sampler counts those still open in pg_stat_activity. A connection of an earlier test (or process)
    closing or opening late is not one of them, so it cannot skew the peak.
    """

    def __init__(self) -> None:
        self.peak = 0
        self._pids: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="connection-counter", daemon=True)
        self._watched: set[int | None] = set()

    def start(self) -> None:
        self._watched = {thread.ident for thread in threading.enumerate()}
        connection_created.connect(self._note, weak=False)
        self._thread.start()

    def stop(self) -> int:
        connection_created.disconnect(self._note)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak

    @property
    def noted(self) -> int:
        with self._lock:
            return len(self._pids)

    def _note(self, sender, connection, **kwargs) -> None:
        if threading.get_ident() in self._watched or connection.vendor != "postgresql":
            return
        with self._lock:
            self._pids.add(connection.connection.info.backend_pid)

    def _sample(self) -> None:
        self._watched.add(threading.get_ident())  # before its own connection opens
        try:
            with connections["default"].cursor() as cursor:
                while not self._stop.is_set():
                    with self._lock:
                        pids = list(self._pids)
                    if pids:
                        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
                        self.peak = max(self.peak, cursor.fetchone()[0])
                    time.sleep(0.005)
        finally:
            connection.close()


@pytest.fixture
def connection_counter():
    counter = ConnectionCounter()
    yield counter
    counter.stop()


@given(
    parsers.parse(
        "each run makes at most {calls:d} platform calls at a time through at most {connections_:d} database "
        "connections"
    )
)
def _(calls: int, connections_: int, settings) -> None:
    settings.PUBLISH_CONCURRENCY = calls
    settings.PUBLISH_DB_CONNECTIONS = connections_


@given("the database's connections are counted")
def _(connection_counter: ConnectionCounter) -> None:
    connection_counter.start()


@then(parsers.parse("the four runs held at most {most:d} database connections at once"))
def _(most: int, connection_counter: ConnectionCounter) -> None:
    peak = connection_counter.stop()
    assert connection_counter.noted >= 4, "each run opened connections of its own"
    assert 1 <= peak <= most, peak


@pytest.fixture
def watcher():
    state = {"stop": threading.Event(), "thread": None, "errors": []}
    yield state
    state["stop"].set()
    if state["thread"] is not None:
        state["thread"].join(WAIT_SECONDS)


@given(
    parsers.parse(
        "the long-running publisher is watching, looking at the queue only every {minutes:d} minutes"
    )
)
def _(minutes: int, watcher) -> None:
    def watch() -> None:
        try:
            publisher_watch(stop=watcher["stop"], poll_seconds=minutes * 60)
        except Exception as exc:  # reported by the step that stops it
            watcher["errors"].append(exc)
        finally:
            connection.close()

    watcher["thread"] = threading.Thread(target=watch, daemon=True)
    watcher["thread"].start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not _listening():  # it has looked at the queue and sleeps, waiting for a NOTIFY
        assert time.monotonic() < deadline, "the publisher never started listening"
        time.sleep(0.05)
    time.sleep(0.3)


def _listening() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = 'LISTEN publisher_due'"
        )
        return cursor.fetchone()[0] > 0


@when(parsers.parse('the author publishes "{text}" now'))
def _(text: str, story) -> None:
    post_publish_now(post_id=story.posts[text].pk)


@then("X and LinkedIn receive it well before the publisher's next look")
def _(story, platforms) -> None:
    text = story.the_post().content
    deadline = time.monotonic() + WAIT_SECONDS
    while sorted(call.platform for call in platforms.received if call.text == text) != [
        "LINKEDIN",
        "TWITTER",
    ]:
        assert time.monotonic() < deadline, [(call.platform, call.text) for call in platforms.received]
        time.sleep(0.02)
    while ScheduledPost.objects.filter(pk=story.the_post().pk, status=PostStatus.PUBLISHING).exists():
        assert time.monotonic() < deadline, "the post was never rolled up"
        time.sleep(0.02)


@when("the long-running publisher is stopped")
def _(watcher) -> None:
    watcher["stop"].set()
    watcher["thread"].join(WAIT_SECONDS)
    assert not watcher["thread"].is_alive(), "it did not stop"


@then("it stopped holding nothing")
def _(watcher) -> None:
    assert watcher["errors"] == []
    assert not ScheduledPost.objects.filter(status=PostStatus.PUBLISHING).exists()
