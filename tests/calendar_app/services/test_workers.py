from __future__ import annotations

import threading
import time

import pytest

from calendar_app.services.workers import Heartbeat, WorkerPool


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
    Heartbeat(beat=lambda: None, interval=10).stop()
