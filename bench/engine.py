"""The publisher engine's targets (issue 13): connections held at real platform latency, overlapping runs and
triggers, the watch loop's lateness and "publish now", and the ORM-vs-SQL figure behind ``sql.py``.

Each scenario returns its figures as a dict and prints them with ``report_*``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Max
from django.db.models import Min
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount

from .audit import FINAL_POST_STATUSES
from .audit import audit
from .audit import lateness_seconds
from .audit import percentile
from .harness import ONE_CALL_PLATFORMS
from .harness import Bench
from .harness import fresh_backlog
from .harness import make_accounts
from .harness import make_due
from .harness import seed_backlog
from .processes import PROJECT_ROOT
from .processes import Run
from .processes import start_publisher

Print = Callable[[str], None]
DRAIN_SECONDS = 3600


class ConnectionSampler:
    """Samples pg_stat_activity of the benchmark's database every few ms from a connection of its own:
    the peak of client connections per ``application_name`` (each publisher process sets its own through
    ``PGAPPNAME``) and in all."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak_total = 0
        self.peak_by_app: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        params = connection.get_connection_params()
        for name in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
            params.pop(name, None)
        with psycopg.connect(**params, autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1"
                ).fetchall()
                self.peak_total = max(self.peak_total, sum(count for _, count in rows))
                for app, count in rows:
                    self.peak_by_app[app] = max(self.peak_by_app[app], count)
                time.sleep(self.interval)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def backlog_connections(
    bench: Bench,
    *,
    posts: int = 2000,
    latency_ms: float = 400,
    concurrency: int = 64,
    db_connections: int = 4,
) -> dict[str, Any]:
    """N x 3 drained by one run; its peak connections from pg_stat_activity."""
    post_ids = fresh_backlog(bench, posts=posts, latency_ms=latency_ms, label="engine-backlog")
    make_due(post_ids)
    with ConnectionSampler() as sampler:
        run = start_publisher(
            bench,
            concurrency=concurrency,
            max_seconds=DRAIN_SECONDS,
            name=f"engine-backlog-{posts}-{latency_ms:g}ms",
            PUBLISH_DB_CONNECTIONS=db_connections,
            PGAPPNAME="bench-run",
        ).wait()
    figures = run.figures
    account_lateness, _ = lateness_seconds(post_ids)
    return {
        "scenario": "engine-backlog",
        "posts": posts,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "db_connections": db_connections,
        "run_seconds": figures["summary"]["duration_seconds"],
        "floor_seconds": posts * 3 * latency_ms / 1000 / concurrency,
        "peak_connections": sampler.peak_by_app["bench-run"],
        "queries_per_post": figures["queries"] / posts,
        "peak_rss_mb": figures["peak_rss_mb"],
        "lateness_account_p99": percentile(account_lateness, 0.99),
        "audit": audit(post_ids, bench.platforms.stats()).as_dict(),
    }


def overlap(
    bench: Bench,
    *,
    posts: int = 2000,
    latency_ms: float = 400,
    concurrency: int = 64,
    runs: int = 4,
    triggers: int = 3,
) -> dict[str, Any]:
    """``runs`` cron runs and ``triggers`` HTTP trigger calls started together on one backlog."""
    post_ids = fresh_backlog(bench, posts=posts, latency_ms=latency_ms, label="engine-overlap")
    make_due(post_ids)
    due_at = timezone.now()
    processes = []
    with ConnectionSampler() as sampler:
        for number in range(runs):
            processes.append(
                start_publisher(
                    bench,
                    concurrency=concurrency,
                    command=True,
                    name=f"overlap-cron-{number + 1}",
                    PGAPPNAME=f"bench-cron-{number + 1}",
                )
            )
        for number in range(triggers):
            processes.append(_start_trigger(bench, concurrency=concurrency, number=number + 1))
        exits = []
        for run in processes:
            run.process.wait(timeout=600)
            exits.append(run.process.returncode)
            run.output = run.process.stdout.read() if run.process.stdout else ""
            run.finished = time.time()
    finished = ScheduledPost.objects.filter(pk__in=post_ids).aggregate(last=Max("updated_at"))["last"]
    result = audit(post_ids, bench.platforms.stats())
    return {
        "scenario": "overlap",
        "posts": posts,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "runs": runs,
        "triggers": triggers,
        "errors": sum(1 for code in exits if code != 0),
        "exit_codes": exits,
        "all_final_after_seconds": (finished - due_at).total_seconds() if finished else None,
        "peak_connections_total": sampler.peak_total,
        "peak_connections_by_process": dict(sampler.peak_by_app),
        "audit": result.as_dict(),
    }


def _start_trigger(bench: Bench, *, concurrency: int, number: int):
    """The HTTP trigger's view, through Django's test client in a process of its own (``bench.trigger_run``)."""
    log_path = bench.log_dir / f"overlap-trigger-{number}.log"
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.trigger_run"],
            cwd=PROJECT_ROOT,
            env=bench.publisher_env(PUBLISH_CONCURRENCY=concurrency, PGAPPNAME=f"bench-trigger-{number}"),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    return Run(process=process, started=time.time(), log_path=log_path)


def watch(
    bench: Bench, *, seconds: float = 60, interval: float = 0.1, latency_ms: float = 50, samples: int = 10
) -> dict[str, Any]:
    """``publish_due_posts --watch`` with a post falling due every ``interval`` seconds for ``seconds``;
    then "publish now" of a post due in an hour, ``samples`` times."""
    bench.fresh(latency=latency_ms / 1000)
    accounts = make_accounts(bench, ONE_CALL_PLATFORMS)
    count = int(seconds / interval)
    post_ids = seed_backlog(bench, posts=count, accounts=accounts[:1], label="engine-watch")
    start = timezone.now() + timedelta(seconds=3)  # the watch is up by then
    for number, post_id in enumerate(post_ids):
        ScheduledPost.objects.filter(pk=post_id).update(
            scheduled_at=start + timedelta(seconds=number * interval)
        )
    log_path = bench.log_dir / "watch.log"
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "publish_due_posts", "--watch"],
            cwd=PROJECT_ROOT,
            env=bench.publisher_env(PGAPPNAME="bench-watch"),
            stdout=log,
            stderr=log,
            text=True,
        )
    try:
        with ConnectionSampler() as sampler:
            deadline = time.monotonic() + seconds + 60
            pending = ScheduledPost.objects.filter(pk__in=post_ids).exclude(status__in=FINAL_POST_STATUSES)
            while pending.exists() and time.monotonic() < deadline:
                time.sleep(0.5)
            _, post_lateness = lateness_seconds(post_ids)
            now_latencies, now_ids = _publish_now_latencies(bench, accounts[0], samples)
        process.terminate()
        exit_code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return {
        "scenario": "watch",
        "posts": count,
        "interval_seconds": interval,
        "latency_ms": latency_ms,
        "lateness_p50": percentile(post_lateness, 0.50),
        "lateness_p99": percentile(post_lateness, 0.99),
        "lateness_max": max(post_lateness, default=None),
        "published": len(post_lateness),
        "publish_now_p50": percentile(now_latencies, 0.50),
        "publish_now_max": max(now_latencies, default=None),
        "peak_connections": sampler.peak_by_app["bench-watch"],
        "sigterm_exit_code": exit_code,
        "audit": audit([*post_ids, *now_ids], bench.platforms.stats()).as_dict(),
    }


def _publish_now_latencies(bench: Bench, account, samples: int) -> tuple[list[float], list[int]]:
    """ "Publish now" (the admin's service) of a post due in an hour, to the platform call's start."""
    from calendar_app.services.posts import post_publish_now

    latencies, post_ids = [], []
    for number in range(samples):
        [post_id] = seed_backlog(bench, posts=1, accounts=[account], label=f"publish-now-{number}")
        post_ids.append(post_id)
        ScheduledPost.objects.filter(pk=post_id).update(scheduled_at=timezone.now() + timedelta(hours=1))
        time.sleep(0.5)
        clicked = timezone.now()
        post_publish_now(post_id=post_id)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            started = PublishAttempt.objects.filter(post_account__post_id=post_id).aggregate(
                at=Min("started_at")
            )
            if started["at"]:
                latencies.append((started["at"] - clicked).total_seconds())
                break
            time.sleep(0.01)
    deadline = time.monotonic() + 30
    while ScheduledPost.objects.filter(pk__in=post_ids).exclude(status__in=FINAL_POST_STATUSES).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return latencies, post_ids


def orm_vs_sql(bench: Bench, *, writes: int = 3000) -> dict[str, Any]:
    """CPU per conditional account write: the ORM's compiled update against ``sql.py``'s cached statement."""
    from calendar_app.publisher.sql import HeldAccount
    from calendar_app.publisher.sql import post_account_update_held

    post_ids = fresh_backlog(bench, posts=writes // 3, latency_ms=0, label="orm-vs-sql")
    token = uuid.UUID(int=1)  # the lease of a run that holds every post
    ScheduledPost.objects.filter(pk__in=post_ids).update(status=PostStatus.PUBLISHING, lease_token=token)
    rows = list(ScheduledPostAccount.objects.filter(post_id__in=post_ids).values_list("pk", "post_id"))
    values = {
        "status": AccountStatus.PENDING,
        "error_kind": "",
        "error_message": "",
        "updated_at": timezone.now(),
    }

    def orm(pk: int, post_id: int) -> None:
        ScheduledPostAccount.objects.filter(
            pk=pk,
            status=AccountStatus.PENDING,
            post__in=ScheduledPost.objects.filter(
                pk=post_id, status=PostStatus.PUBLISHING, lease_token=token
            ),
        ).update(**values)

    def raw(pk: int, post_id: int) -> None:
        post_account_update_held(held=HeldAccount(pk, post_id, token, AccountStatus.PENDING), values=values)

    figures = {}
    for name, write in (("orm", orm), ("sql", raw), ("orm_again", orm), ("sql_again", raw)):
        cpu, wall = time.process_time(), time.perf_counter()
        for pk, post_id in rows:
            write(pk, post_id)
        figures[name] = {
            "cpu_ms_per_write": (time.process_time() - cpu) * 1000 / len(rows),
            "wall_ms_per_write": (time.perf_counter() - wall) * 1000 / len(rows),
        }
    return {"scenario": "orm-vs-sql", "writes": len(rows), **figures}


# --- printing -----------------------------------------------------------------------------------------


def _f(value: float | None, unit: str = " s") -> str:
    return "n/a" if value is None else f"{value:.2f}{unit}"


def _clean(audit_figures: dict[str, Any]) -> str:
    return "clean" if audit_figures.get("clean") else f"NOT CLEAN: {audit_figures}"


def report_backlog(f: dict[str, Any], out: Print) -> None:
    out(
        f"== engine backlog: {f['posts']:,} x 3 at {f['latency_ms']:g} ms, concurrency {f['concurrency']}, "
        f"PUBLISH_DB_CONNECTIONS {f['db_connections']} =="
    )
    out(f"  run                    {_f(f['run_seconds'])} (floor {_f(f['floor_seconds'])})")
    out(f"  peak connections       {f['peak_connections']} (pg_stat_activity, this run's backends)")
    out(f"  queries per post       {f['queries_per_post']:.2f}; RSS peak {_f(f['peak_rss_mb'], ' MB')}")
    out(f"  lateness p99           {_f(f['lateness_account_p99'])}; audit {_clean(f['audit'])}")


def report_overlap(f: dict[str, Any], out: Print) -> None:
    out(
        f"== overlap: {f['runs']} cron runs + {f['triggers']} trigger calls at once, {f['posts']:,} x 3 at "
        f"{f['latency_ms']:g} ms, concurrency {f['concurrency']} =="
    )
    out(f"  errors                 {f['errors']} (exit codes {f['exit_codes']})")
    out(f"  every post final after {_f(f['all_final_after_seconds'])}")
    out(f"  peak connections       {f['peak_connections_total']} in all; {f['peak_connections_by_process']}")
    out(f"  audit                  {_clean(f['audit'])}")


def report_watch(f: dict[str, Any], out: Print) -> None:
    out(
        f"== watch: a post due every {f['interval_seconds'] * 1000:g} ms, {f['posts']} posts, {f['latency_ms']:g} ms =="
    )
    out(
        f"  lateness               p50 {_f(f['lateness_p50'])}, p99 {_f(f['lateness_p99'])}, "
        f"max {_f(f['lateness_max'])} ({f['published']} published)"
    )
    out(f"  publish now -> call    p50 {_f(f['publish_now_p50'])}, max {_f(f['publish_now_max'])}")
    out(f"  peak connections       {f['peak_connections']}; SIGTERM exit {f['sigterm_exit_code']}")
    out(f"  audit                  {_clean(f['audit'])}")


def report_orm_vs_sql(f: dict[str, Any], out: Print) -> None:
    out(f"== ORM vs SQL: {f['writes']:,} conditional account writes each ==")
    for name in ("orm", "sql", "orm_again", "sql_again"):
        out(
            f"  {name:<10} CPU {f[name]['cpu_ms_per_write']:.3f} ms/write, wall {f[name]['wall_ms_per_write']:.3f} ms/write"
        )


def run_targets(bench: Bench, out: Print, *, sizes: Sequence[int] = (500, 2000)) -> dict[str, Any]:
    """Every target of issue 13, in order; returns the figures."""
    figures: dict[str, Any] = defaultdict(list)
    for latency in (400, 50):
        out()
        result = backlog_connections(bench, latency_ms=latency)
        report_backlog(result, out)
        figures["backlog"].append(result)
    out()
    result = overlap(bench)
    report_overlap(result, out)
    figures["overlap"] = result
    out()
    result = watch(bench)
    report_watch(result, out)
    figures["watch"] = result
    out()
    result = orm_vs_sql(bench)
    report_orm_vs_sql(result, out)
    figures["orm_vs_sql"] = result
    rss = [backlog_connections(bench, posts=size, latency_ms=50) for size in sizes]
    out()
    out(
        "== memory vs backlog: "
        + ", ".join(f"{f['posts']:,} posts: RSS peak {_f(f['peak_rss_mb'], ' MB')}" for f in rss)
        + " =="
    )
    figures["memory"] = rss
    figures["queries_per_post_median"] = statistics.median(f["queries_per_post"] for f in rss)
    return dict(figures)
