"""One measured publisher run in a process of its own: ``python -m bench.publisher_run``.

It calls the service the ``publish_due_posts`` command calls (``calendar_app.publisher``), with
the same settings, and prints one JSON line: the run's summary, the statements it executed (every thread's
connection: a counter is installed on each connection as it is created), and its memory (RSS high-water
mark, the RSS before the run, and optionally the Python heap's peak from tracemalloc).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time


class QueryCounter:
    """Counts the statements every database connection of the process executes (all threads)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def install(self, sender, connection, **kwargs) -> None:
        connection.execute_wrappers.append(self)

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)


def rss_mb() -> float | None:
    """The process's resident set size now (Linux), in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.publisher_run")
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap's peak")
    args = parser.parse_args(argv)

    import django

    django.setup()

    from django.db.backends.signals import connection_created

    from calendar_app.publisher import publish_due_posts

    counter = QueryCounter()
    connection_created.connect(counter.install)
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    baseline_rss = rss_mb()
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.time()
    summary = publish_due_posts(limit=args.limit, max_seconds=args.max_seconds, concurrency=args.concurrency)
    finished = time.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "summary": summary.as_dict(),
        "queries": counter.count,
        "started_at": started,
        "finished_at": finished,
        "baseline_rss_mb": baseline_rss,
        "peak_rss_mb": peak_rss_mb(),
        # Every thread of the process, during the run (not Django's start-up).
        "cpu_user_seconds": usage.ru_utime - usage_before.ru_utime,
        "cpu_system_seconds": usage.ru_stime - usage_before.ru_stime,
    }
    if args.tracemalloc:
        figures["python_heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
