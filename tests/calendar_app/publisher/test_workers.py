from __future__ import annotations

import threading
import time

import pytest
import requests
import responses

from calendar_app.publisher.workers import Heartbeat
from calendar_app.publisher.workers import WorkerPool
from calendar_app.publisher.workers import pool_http_session


def test_worker_pool__never_more_jobs_at_once_than_its_size():
    running, peak, lock = 0, 0, threading.Lock()

    def job():
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    pool = WorkerPool(size=4)
    for _ in range(20):
        pool.submit(job)
    pool.close()

    assert peak == 4
    assert running == 0


def test_worker_pool__close_waits_for_every_job():
    done = []
    pool = WorkerPool(size=3)
    for number in range(9):
        pool.submit(lambda number=number: (time.sleep(0.01), done.append(number)))
    pool.close()
    assert sorted(done) == list(range(9))


def test_worker_pool__a_failing_job_does_not_stop_the_others(caplog):
    done = []
    pool = WorkerPool(size=2)
    pool.submit(lambda: 1 / 0)
    for number in range(4):
        pool.submit(lambda number=number: done.append(number))
    pool.close()
    assert sorted(done) == [0, 1, 2, 3]
    assert "ZeroDivisionError" in caplog.text


def test_worker_pool__of_one_runs_jobs_in_the_callers_thread():
    threads = []
    pool = WorkerPool(size=1)
    pool.submit(lambda: threads.append(threading.current_thread()))
    pool.close()
    assert threads == [threading.current_thread()]


def test_worker_pool__refuses_work_after_close_and_a_size_below_one():
    pool = WorkerPool(size=2)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)
    with pytest.raises(ValueError):
        WorkerPool(size=0)


def test_heartbeat__beats_until_stopped_and_survives_a_failing_beat():
    beats = []

    def beat():
        beats.append(time.monotonic())
        if len(beats) == 1:
            raise RuntimeError("database hiccup")

    heartbeat = Heartbeat(beat=beat, interval=0.02)
    heartbeat.start()
    heartbeat.start()  # idempotent
    time.sleep(0.15)
    heartbeat.stop()
    count = len(beats)
    time.sleep(0.05)

    assert count >= 3
    assert len(beats) == count, "no beat after stop"


def test_heartbeat__never_started_stops_at_once():
    """A run that claimed nothing never starts its heartbeat; stopping it must not wait out an interval,
    and a heartbeat once stopped never beats."""
    beats, outcome = [], []
    heartbeat = Heartbeat(beat=lambda: beats.append(1), interval=3600)

    def stop() -> None:
        try:
            heartbeat.stop()
            outcome.append("stopped")
        except Exception as exc:  # joining a thread that never started raises
            outcome.append(exc)

    stopper = threading.Thread(target=stop)
    stopper.start()
    stopper.join(timeout=5)

    assert outcome == ["stopped"], "stop() returned at once, without an interval to wait out"
    heartbeat.start()  # too late: a stopped heartbeat stays stopped
    time.sleep(0.05)
    assert not heartbeat.running
    assert beats == []


def test_db_lanes__a_call_thread_cannot_open_a_database_connection():
    """Platform-call threads have no connection: a stray ORM use fails loudly instead of opening one."""
    from django.db import connection

    from calendar_app.publisher.workers import NoDatabaseOnCallThread

    errors = []

    def touch_the_database():
        try:
            connection.cursor()
        except Exception as exc:
            errors.append(exc)

    pool = WorkerPool(size=2, database=False)
    pool.submit(touch_the_database)
    pool.close()

    assert len(errors) == 1 and isinstance(errors[0], NoDatabaseOnCallThread)


def test_db_lanes__never_more_connections_than_lanes_and_each_job_answers():
    from calendar_app.publisher.workers import DbLanes

    threads_seen = set()
    lock = threading.Lock()

    def job(n):
        with lock:
            threads_seen.add(threading.current_thread().name)
        time.sleep(0.01)
        return n * 2

    lanes = DbLanes(size=3)
    futures = [lanes.submit(lambda n=n: job(n)) for n in range(30)]
    results = [future.result(timeout=10) for future in futures]
    lanes.close()

    assert results == [n * 2 for n in range(30)]
    assert 1 <= len(threads_seen) <= 3 and lanes.opened <= 3


def test_worker_pool__each_worker_keeps_one_http_session_for_its_jobs_and_closes_it():
    seen: list[tuple[str, requests.Session | None]] = []
    lock = threading.Lock()

    def job():
        time.sleep(0.01)
        with lock:
            seen.append((threading.current_thread().name, pool_http_session()))

    pool = WorkerPool(size=2)
    for _ in range(8):
        pool.submit(job)
    pool.close()

    sessions_by_worker = {name: {id(session) for _, session in seen if _ == name} for name, _ in seen}
    assert len(sessions_by_worker) == 2
    assert all(len(ids) == 1 for ids in sessions_by_worker.values()), "one session per worker, reused"
    assert all(session is not None for _, session in seen)
    assert len({id(session) for _, session in seen}) == 2, "workers never share a session"
    for _, session in seen:  # closed with the worker: no pooled connection is left open
        assert all(not adapter.poolmanager.pools for adapter in session.adapters.values())
    assert pool_http_session() is None, "the caller's thread has none"


def test_worker_pool__of_one_lends_its_session_to_its_jobs_only():
    sessions = []
    pool = WorkerPool(size=1)
    pool.submit(lambda: sessions.append(pool_http_session()))
    pool.submit(lambda: sessions.append(pool_http_session()))
    pool.close()

    assert sessions[0] is not None and sessions[0] is sessions[1]
    assert pool_http_session() is None


def test_worker_pool__the_http_session_takes_no_cookie_from_any_platform():
    url = "https://api.example.com/2/tweets"
    kept = []
    with responses.RequestsMock() as wire:
        wire.post(
            url, json={}, headers={"Set-Cookie": "session=of-account-a; Path=/; Domain=api.example.com"}
        )
        plain = requests.Session()
        plain.post(url)
        pool = WorkerPool(size=2)
        pool.submit(lambda: (pool_http_session().post(url), kept.append(len(pool_http_session().cookies))))
        pool.close()

    assert len(plain.cookies) == 1, "a plain session would keep it"
    assert kept == [0]


@pytest.mark.parametrize("proxy", ["", "http://proxy.internal:3128"])
def test_worker_pool__the_http_session_keeps_the_environments_proxy_and_ca_bundle(monkeypatch, proxy):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    if proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    pool = WorkerPool(size=1)
    sessions = []
    pool.submit(lambda: sessions.append(pool_http_session()))
    session = sessions[0]
    settings = session.merge_environment_settings("https://api.x.com/2/tweets", {}, None, None, None)
    # Read once when no proxy is set; left to requests (per call, honouring NO_PROXY) when one is.
    assert session.trust_env is bool(proxy)
    assert settings["verify"] == "/etc/ssl/certs/ca-certificates.crt"
    assert settings["proxies"].get("https") == (proxy or None)
    pool.close()
