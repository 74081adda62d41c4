"""The threads of a publisher run: a bounded pool for platform calls and a lease heartbeat.

Django gives each thread its own database connection; both classes close their threads' connections when
they stop, so runs never leak connections (several runs x 16 threads must fit PostgreSQL's default 100).

Each worker also keeps one HTTP session for the jobs it runs one after another (``pool_http_session``), so
successive calls to a platform reuse their connection instead of opening a new one per post: on loopback
that is a sixth of the publisher's CPU per account (BENCHMARKS.md), on the real hosts it is also a TLS
handshake and a round trip per call. The session accepts no cookies, so nothing one account's calls
receive is ever sent with another's; its connections close when the worker stops, at the end of the run.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from http.cookiejar import DefaultCookiePolicy

import requests
from django.db import connections

logger = logging.getLogger(__name__)

Job = Callable[[], None]

_thread = threading.local()


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


class WorkerPool:
    """At most ``size`` jobs at once, threads started only as work arrives.

    A pool of one runs each job in the caller's thread at once: there is nothing to overlap, and the
    caller's connection (and transaction, in tests) is used.
    """

    def __init__(self, *, size: int, name: str = "publisher") -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.size = size
        self.name = name
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._inline_session: requests.Session | None = None

    @property
    def inline(self) -> bool:
        return self.size == 1

    def submit(self, job: Job) -> None:
        if self._closed:
            raise RuntimeError("the pool is closed")
        if self.inline:
            self._run_inline(job)
            return
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
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
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


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds in its own thread, from ``start()`` until ``stop()``."""

    def __init__(self, *, beat: Callable[[], object], interval: float, name: str = "publisher-lease") -> None:
        self._beat = beat
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

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
                except Exception:
                    logger.exception("Could not extend the publisher's leases; will try again")
        finally:
            connections.close_all()
