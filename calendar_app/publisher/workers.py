"""The threads of a publisher run: platform calls on many threads, database work on a few.

A run's width (platform calls in flight) and its database connections are separate budgets:

- ``CallPool``: up to ``PUBLISH_CONCURRENCY`` threads that make platform calls. They never touch the ORM:
  in Django any ORM use opens a connection for the thread that makes it, so a thread per call would be a
  connection per call. Each call thread's database handle is replaced by ``_NoDatabase``, which raises at
  once, so a write that forgot to go through the lanes fails loudly in tests instead of quietly opening a
  connection.
- ``DbLanes``: up to ``PUBLISH_DB_CONNECTIONS`` threads, each with its own connection. Every database
  action of a run is a job on a lane. A lane that loses its connection, or cannot open one, retries the job
  a few times; when it still cannot connect it hands the job to the other lanes and retires, and the run is
  told (``failed``) so that it stops starting work.

A pool of one (``inline``) runs each job in the caller's thread at once, with the caller's connection (and
transaction, in tests).

Each call thread also keeps one HTTP session for the jobs it runs one after another
(``pool_http_session``), so successive calls to a platform reuse their connection instead of opening a new
one per post. The session accepts no cookies, so nothing one account's calls receive is ever sent with
another's; its connections close when the pool closes.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from typing import TypeVar

import requests
from django.db import DEFAULT_DB_ALIAS
from django.db import InterfaceError
from django.db import OperationalError
from django.db import connections

logger = logging.getLogger(__name__)

Job = Callable[[], None]
T = TypeVar("T")

_thread = threading.local()

# How a lane retries a job whose connection failed: the pauses between tries, in seconds.
LANE_RETRY_PAUSES = (0.1, 0.4, 1.0)


def pool_http_session() -> requests.Session | None:
    """The HTTP session of the pool worker running the current job; None outside a pool's job."""
    return getattr(_thread, "http_session", None)


def _new_http_session() -> requests.Session:
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # no domain may set a cookie
    if not requests.utils.getproxies():
        # With no proxy configured, read the environment once here instead of on every call (requests
        # otherwise looks up proxies, ~/.netrc and the CA bundle variables per request).
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return session


class NoDatabaseOnCallThread(RuntimeError):
    pass


class _NoDatabase:
    """The database handle of a platform-call thread: any use is a bug (route it through the lanes)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def close(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        raise NoDatabaseOnCallThread(
            "A platform-call thread has no database connection: send the write through the run's "
            "database lanes."
        )


def _forbid_database_on_this_thread() -> None:
    for alias in connections:
        connections[alias] = _NoDatabase(alias)


class WorkerPool:
    """At most ``size`` jobs at once, threads started only as work arrives.

    ``database=False`` makes its threads platform-call threads (no ORM). A pool of one runs each job in
    the caller's thread at once: there is nothing to overlap, and the caller's connection is used.
    """

    def __init__(self, *, size: int, name: str = "publisher", database: bool = True) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.size = size
        self.name = name
        self.database = database
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._inline_session: requests.Session | None = None
        self._lock = threading.Lock()

    @property
    def inline(self) -> bool:
        return self.size == 1

    def submit(self, job: Job) -> None:
        if self._closed:
            raise RuntimeError("the pool is closed")
        if self.inline:
            self._run_inline(job)
            return
        with self._lock:
            if len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        self._jobs.put(job)

    def close(self) -> None:
        """Let every submitted job finish, then stop the threads (each closes its own connections)."""
        if self._closed:
            return
        self._closed = True
        _stop_threads(self._jobs, self._threads, self._lock)
        if self._inline_session is not None:
            self._inline_session.close()

    def _run_inline(self, job: Job) -> None:
        if self._inline_session is None:
            self._inline_session = _new_http_session()
        outer = pool_http_session()
        _thread.http_session = self._inline_session
        try:
            job()
        finally:
            _thread.http_session = outer

    def _work(self) -> None:
        if not self.database:
            _forbid_database_on_this_thread()
        _thread.http_session = session = _new_http_session()
        try:
            while (job := self._jobs.get()) is not None:
                try:
                    job()
                except Exception:  # a job records its own failures; this only keeps the worker alive
                    logger.exception("A publisher job failed unexpectedly")
        finally:
            _thread.http_session = None
            try:
                session.close()
            finally:
                connections.close_all()


def _stop_threads(jobs: queue.SimpleQueue, threads: list[threading.Thread], lock: threading.Lock) -> None:
    """One stop mark per thread after the queued jobs, then wait for each to finish them."""
    with lock:
        started = list(threads)
    for _ in started:
        jobs.put(None)
    for thread in started:
        thread.join()


def is_connection_error(exc: BaseException) -> bool:
    """A refused, dropped or exhausted database connection (not a bad statement)."""
    return isinstance(exc, (OperationalError, InterfaceError))


class DbLanes:
    """At most ``size`` database connections; ``submit`` runs a function on one of them.

    ``on_failure`` is called once (with the error) when a lane gives up on its connection. Jobs must
    never wait for other lane jobs (with one lane that would wait forever).
    """

    def __init__(
        self,
        *,
        size: int,
        inline: bool = False,
        name: str = "publisher-db",
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("a run needs at least one database connection")
        self.size = size
        self.inline = inline
        self.name = name
        self._on_failure = on_failure
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._alive = 0
        self._busy = 0
        self._lock = threading.Lock()
        self._closed = False
        self.failure: BaseException | None = None

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        if self.inline:
            _run_into(fn, future)
            return future
        if self._closed:
            raise RuntimeError("the lanes are closed")
        with self._lock:
            # A new lane (connection) only when every open one is busy: a quiet run keeps one.
            if len(self._threads) < self.size and self._jobs.qsize() >= self._alive - self._busy:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                self._alive += 1
                thread.start()
        self._jobs.put((fn, future))
        return future

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on a lane and wait for its result (not from a lane job)."""
        return self.submit(fn).result()

    def close(self) -> None:
        """Finish the queued jobs, then stop the lanes (each closes its own connection)."""
        if self._closed or self.inline:
            self._closed = True
            return
        self._closed = True
        _stop_threads(self._jobs, self._threads, self._lock)

    @property
    def opened(self) -> int:
        """How many lanes (connections) were started."""
        return len(self._threads)

    def _work(self) -> None:
        try:
            while (item := self._jobs.get()) is not None:
                fn, future = item
                with self._lock:
                    self._busy += 1
                try:
                    if not self._run_with_retries(fn, future):
                        return  # retired: the job went back to the other lanes
                finally:
                    with self._lock:
                        self._busy -= 1
        finally:
            connections.close_all()

    def _run_with_retries(self, fn: Callable[[], Any], future: Future) -> bool:
        """Run a job, retrying a failed connection; False when this lane retired and handed the job on."""
        for pause in (*LANE_RETRY_PAUSES, None):
            try:
                future.set_result(fn())
                return True
            except BaseException as exc:
                if not is_connection_error(exc):
                    future.set_exception(exc)
                    return True
                _close_broken_connection()
                if pause is not None:
                    time.sleep(pause)
                    continue
                self._fail(exc)
                with self._lock:
                    others = self._alive - 1
                    if others > 0:
                        self._alive -= 1
                if others > 0:
                    self._jobs.put((fn, future))
                    return False
                future.set_exception(exc)
                return True
        return True  # pragma: no cover - the loop always returns

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            first = self.failure is None
            if first:
                self.failure = exc
        if first and self._on_failure is not None:
            self._on_failure(exc)


def _run_into[T](fn: Callable[[], T], future: Future[T]) -> None:
    try:
        future.set_result(fn())
    except BaseException as exc:
        future.set_exception(exc)


def _close_broken_connection() -> None:
    """Drop this thread's connection so that the next try opens a new one."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        connection.close()
    except Exception:  # closing a dead connection may itself fail; it is gone either way
        connection.connection = None


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds in its own thread, from ``start()`` until ``stop()``."""

    def __init__(self, *, beat: Callable[[], object], interval: float, name: str = "publisher-lease") -> None:
        self._beat = beat
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        """Idempotent: the first call starts the thread."""
        if not self._started and not self._stopping.is_set():
            self._started = True
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._started:
            self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stopping.wait(self._interval):
                try:
                    self._beat()
                except Exception as exc:
                    if is_connection_error(exc):
                        logger.warning("Could not extend the publisher's leases (%s); will try again", exc)
                    else:
                        logger.exception("Could not extend the publisher's leases; will try again")
        finally:
            connections.close_all()


class Batcher:
    """Group commit: items added from any thread are written many at a time by one lane job.

    While one batch is being written the next ones gather, so the number of transactions follows the
    database's pace, not the number of items. ``write(items)`` runs on a lane and returns what
    ``done(items, result)`` receives once it has committed; ``failed(items, error)`` gets a batch that
    could not be written.
    """

    def __init__(
        self,
        *,
        lanes: DbLanes,
        write: Callable[[list[Any]], Any],
        done: Callable[[list[Any], Any], None],
        failed: Callable[[list[Any], BaseException], None],
        max_items: int = 500,
    ) -> None:
        self._lanes = lanes
        self._write = write
        self._done = done
        self._failed = failed
        self._max_items = max_items
        self._queue: list[Any] = []
        self._scheduled = False
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def add(self, item: Any) -> None:
        with self._lock:
            self._queue.append(item)
            if self._scheduled:
                return
            self._scheduled = True
        self._schedule()

    def _schedule(self) -> None:
        batch: list[Any] = []

        def flush() -> Any:
            if not batch:  # a retried flush writes the same items again
                with self._lock:
                    batch.extend(self._queue[: self._max_items])
                    del self._queue[: self._max_items]
            return self._write(batch)

        self._lanes.submit(flush).add_done_callback(lambda future: self._after(batch, future))

    def _after(self, batch: list[Any], future: Future) -> None:
        try:
            error = future.exception()
            if error is None:
                self._done(batch, future.result())
            else:
                self._failed(batch, error)
        finally:
            with self._lock:
                more = bool(self._queue)
                self._scheduled = more
                if not more:
                    self._idle.notify_all()
            if more:
                self._schedule()

    def wait_idle(self) -> None:
        """Until every item added so far has been written (or failed)."""
        with self._lock:
            while self._scheduled:
                self._idle.wait()
