"""The scenarios of issue 8. Each sets up its posts, runs real publisher processes against the fake
platforms and returns its figures as a dict (``bench.report`` prints them)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from typing import Any

from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost

from .audit import FINAL_POST_STATUSES
from .audit import audit
from .audit import lateness_seconds
from .audit import percentile
from .harness import ALL_PLATFORMS
from .harness import ONE_CALL_PLATFORMS
from .harness import Bench
from .harness import fresh_backlog
from .harness import make_due
from .processes import Run
from .processes import start_publisher

# A run with a time budget long enough to drain any backlog here: the figures are about one run.
DRAIN_SECONDS = 3600


# The drill and the faults run several accounts per platform: reconciliation looks through an account's
# recent posts (X and Facebook: 300, Instagram: 25), and a real account never receives hundreds of posts a
# minute (X allows 100 per 15 minutes per user, Instagram 50 a day).
ACCOUNTS_PER_PLATFORM = 10


def backlog(
    bench: Bench,
    *,
    posts: int = 2000,
    latency_ms: float = 50,
    concurrency: int = 16,
    platforms: Sequence[str] = ONE_CALL_PLATFORMS,
    tracemalloc: bool = False,
) -> dict[str, Any]:
    """N due posts x the accounts, drained by one publisher run."""
    post_ids = fresh_backlog(bench, posts=posts, platforms=platforms, label="backlog", latency_ms=latency_ms)
    accounts = len(platforms)
    make_due(post_ids)
    with bench.watch() as cpu:
        run = start_publisher(
            bench,
            concurrency=concurrency,
            max_seconds=DRAIN_SECONDS,
            tracemalloc=tracemalloc,
            name=f"backlog-{posts}x{accounts}-c{concurrency}",
        ).wait()
    figures = run.figures
    stats = bench.platforms.stats()
    result = audit(post_ids, stats)
    account_lateness, post_lateness = lateness_seconds(post_ids)
    run_seconds = figures["summary"]["duration_seconds"]
    calls = sum(stats["calls"].values())
    floor = posts * accounts * latency_ms / 1000 / concurrency
    return {
        "scenario": "backlog",
        "posts": posts,
        "accounts_per_post": accounts,
        "platforms": list(platforms),
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "wall_seconds": run.wall_seconds,
        "run_seconds": run_seconds,
        "platform_calls": calls,
        "calls_per_second": calls / run_seconds if run_seconds else None,
        "floor_seconds": floor,
        "ratio_to_floor": run_seconds / floor if floor else None,
        "queries": figures["queries"],
        "queries_per_post": figures["queries"] / posts,
        "baseline_rss_mb": figures["baseline_rss_mb"],
        "peak_rss_mb": figures["peak_rss_mb"],
        "python_heap_peak_mb": figures.get("python_heap_peak_mb"),
        "publisher_cpu_seconds": figures["cpu_user_seconds"] + figures["cpu_system_seconds"],
        "cpu": cpu.figures(),
        "lateness_account_p50": percentile(account_lateness, 0.50),
        "lateness_account_p99": percentile(account_lateness, 0.99),
        "lateness_account_max": max(account_lateness, default=None),
        "lateness_post_p50": percentile(post_lateness, 0.50),
        "lateness_post_p99": percentile(post_lateness, 0.99),
        "summary": figures["summary"],
        "platform_summary": _platform_summary(stats),
        "audit": result.as_dict(),
    }


def scale_out(
    bench: Bench,
    *,
    posts: int = 2000,
    latency_ms: float = 50,
    concurrency: int = 16,
    processes: int = 1,
    platforms: Sequence[str] = ONE_CALL_PLATFORMS,
) -> dict[str, Any]:
    """The same backlog drained by ``processes`` publisher processes started together (several cron hosts)."""
    post_ids = fresh_backlog(
        bench, posts=posts, platforms=platforms, label="scale-out", latency_ms=latency_ms
    )
    accounts = len(platforms)
    make_due(post_ids)
    with bench.watch() as cpu:
        runs = [
            start_publisher(
                bench,
                concurrency=concurrency,
                max_seconds=DRAIN_SECONDS,
                name=f"scale-out-{processes}-{n + 1}",
            )
            for n in range(processes)
        ]
        for run in runs:
            run.wait()
    stats = bench.platforms.stats()
    result = audit(post_ids, stats)
    per_run = []
    for run in runs:
        figures = run.figures
        summary = figures["summary"]
        seconds = summary["duration_seconds"]
        per_run.append(
            {
                "claimed": summary["claimed"],
                "processed": summary["processed"],
                "run_seconds": seconds,
                "wall_seconds": run.wall_seconds,
                "accounts_per_second": summary["processed"] * accounts / seconds if seconds else None,
                "queries": figures["queries"],
                "peak_rss_mb": figures["peak_rss_mb"],
            }
        )
    first_start = min(run.figures["started_at"] for run in runs)
    last_finish = max(run.figures["finished_at"] for run in runs)
    drain = last_finish - first_start
    calls = sum(stats["calls"].values())
    floor = posts * accounts * latency_ms / 1000 / (concurrency * processes)
    return {
        "scenario": "scale-out",
        "posts": posts,
        "accounts_per_post": accounts,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "processes": processes,
        "runs": per_run,
        "drain_seconds": drain,
        "wall_seconds": max(run.finished for run in runs) - min(run.started for run in runs),
        "calls_per_second": calls / drain if drain else None,
        "floor_seconds": floor,
        "ratio_to_floor": drain / floor if floor else None,
        "cpu": cpu.figures(),
        "platform_summary": _platform_summary(stats),
        "audit": result.as_dict(),
    }


def drill(
    bench: Bench,
    *,
    posts: int = 300,
    kills: int = 3,
    latency_ms: float = 50,
    concurrency: int = 16,
    lease_seconds: int = 3,
    platforms: Sequence[str] = ALL_PLATFORMS,
    accounts_per_platform: int = ACCOUNTS_PER_PLATFORM,
    seed: int | None = None,
    max_recovery_runs: int = 10,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Publisher runs (the real command) killed with SIGKILL at random moments, then recovery runs after the
    lease: nothing lost, nothing sent twice, and what needs review counted."""
    rng = random.Random(seed)
    post_ids = fresh_backlog(
        bench,
        posts=posts,
        platforms=platforms,
        label="drill",
        accounts_per_platform=accounts_per_platform,
        latency_ms=latency_ms,
    )
    accounts = len(platforms)
    make_due(post_ids)
    settings = {
        "PUBLISH_LEASE_SECONDS": lease_seconds,
        # Accounts confirmed "not there" after a crash are retried in the next round, soon.
        "PUBLISH_RETRY_BASE_SECONDS": 0.2,
        "PUBLISH_RETRY_MAX_SECONDS": 1,
    }
    expected = posts * accounts
    moments = []
    for number in range(1, kills + 1):
        before = bench.platforms.summary()["create_requests"]
        # A random point of the run's work: after k of the create calls still to come.
        target = before + rng.randint(1, max(1, int((expected - before) * 0.6)))
        run = start_publisher(
            bench, concurrency=concurrency, command=True, name=f"drill-killed-{number}", **settings
        )
        seen = _wait_for_creates(bench, run, target)
        time.sleep(rng.uniform(0, latency_ms / 1000))  # anywhere within a call, not only at its start
        run.kill()
        run.wait()
        moment = {
            "run": number,
            "killed": run.killed,
            "after_seconds": round(run.wall_seconds, 2),
            "creates_seen_by_platforms": seen - before,
            "in_flight": _calls_left_open(post_ids, since=run.started),
        }
        moments.append(moment)
        log(
            f"  run {number}: "
            + (
                f"SIGKILL {moment['after_seconds']} s after its start, when the platforms had received "
                f"{moment['creates_seen_by_platforms']} of its create calls; {moment['in_flight']} calls in flight"
                if run.killed
                else "finished before its kill"
            )
        )
    time.sleep(lease_seconds + 0.5)  # every lease of the killed runs has expired
    recovery: list[dict[str, Any]] = []
    runs = _runs_until_final(
        bench, post_ids, most=max_recovery_runs, concurrency=concurrency, name="drill-recovery", **settings
    )
    for number, summary in runs:
        recovery.append({key: summary[key] for key in ("recovered", "claimed", "processed", "needs_review")})
        log(f"  recovery run {number}: recovered {summary['recovered']}, claimed {summary['claimed']}")
    stats = bench.platforms.stats()
    result = audit(post_ids, stats)
    return {
        "scenario": "drill",
        "posts": posts,
        "accounts_per_post": accounts,
        "accounts_per_platform": accounts_per_platform,
        "platforms": list(platforms),
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "lease_seconds": lease_seconds,
        "kills": moments,
        "recovery_runs": recovery,
        "platform_summary": _platform_summary(stats),
        "audit": result.as_dict(),
    }


def faults(
    bench: Bench,
    *,
    posts: int = 500,
    latency_ms: float = 50,
    concurrency: int = 16,
    rate_429: float = 0.10,
    rate_5xx: float = 0.05,
    rate_timeout: float = 0.02,
    read_timeout: float = 1.0,
    platforms: Sequence[str] = ALL_PLATFORMS,
    accounts_per_platform: int = ACCOUNTS_PER_PLATFORM,
    seed: int = 8,
    max_runs: int = 30,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """A share of the create calls answer 429 / 5xx / time out; publisher runs follow one another (as cron
    would, sooner) until every post is final."""
    post_ids = fresh_backlog(
        bench,
        posts=posts,
        platforms=platforms,
        label="faults",
        accounts_per_platform=accounts_per_platform,
        latency_ms=latency_ms,
        rate_429=rate_429,
        rate_5xx=rate_5xx,
        rate_timeout=rate_timeout,
        hold_seconds=read_timeout + 0.5,
        retry_after_seconds=1,
        seed=seed,
    )
    accounts = len(platforms)
    make_due(post_ids)
    settings = {
        "PLATFORM_READ_TIMEOUT": read_timeout,
        "PUBLISH_RETRY_BASE_SECONDS": 0.5,
        "PUBLISH_RETRY_MAX_SECONDS": 2,
    }
    started = time.monotonic()
    runs = []
    for number, summary in _runs_until_final(
        bench, post_ids, most=max_runs, concurrency=concurrency, name="faults", **settings
    ):
        runs.append(summary)
        log(
            f"  run {number}: processed {summary['processed']} ({summary['succeeded']} published, "
            f"{summary['retrying']} retrying, {summary['failed']} failed, {summary['needs_review']} needs review)"
        )
    stats = bench.platforms.stats()
    result = audit(post_ids, stats)
    max_retries = max(ScheduledPost.objects.filter(pk__in=post_ids).values_list("max_retries", flat=True))
    return {
        "scenario": "faults",
        "posts": posts,
        "accounts_per_post": accounts,
        "accounts_per_platform": accounts_per_platform,
        "platforms": list(platforms),
        "latency_ms": latency_ms,
        "rates": {"429": rate_429, "5xx": rate_5xx, "timeout": rate_timeout},
        "read_timeout": read_timeout,
        "runs": len(runs),
        "seconds": time.monotonic() - started,
        "max_retries": max_retries,
        "retries_bounded": result.max_retry_count <= max_retries
        and result.max_publish_attempts <= max_retries + 1,
        "platform_summary": _platform_summary(stats),
        "audit": result.as_dict(),
    }


# --- helpers -----------------------------------------------------------------------------------------


def _platform_summary(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in stats.items() if key not in ("creates", "config")}


def _wait_for_creates(bench: Bench, run: Run, target: int, timeout: float = 120) -> int:
    """Wait until the platforms have received ``target`` create calls in all, or the run ended."""
    deadline = time.monotonic() + timeout
    while True:
        seen = bench.platforms.summary()["create_requests"]
        if seen >= target or run.process.poll() is not None or time.monotonic() > deadline:
            return seen
        time.sleep(0.005)


def _calls_left_open(post_ids: Sequence[int], *, since: float) -> int:
    """Calls a run started (after ``since``, a unix time) and never recorded an end of: the ones in flight
    when it was killed. Runs in the drill never overlap, so these are the killed run's."""
    return PublishAttempt.objects.filter(
        post_account__post_id__in=post_ids,
        outcome=AttemptOutcome.IN_PROGRESS,
        started_at__gte=datetime.fromtimestamp(since, UTC),
    ).count()


def _runs_until_final(
    bench: Bench, post_ids: Sequence[int], *, most: int, concurrency: int, name: str, **settings: Any
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Publisher runs one after another (as cron would, sooner), each once a retry is due, until every post
    is final or ``most`` have run: each run's number and summary."""
    for number in range(1, most + 1):
        if not _unfinished(post_ids):
            return
        _wait_until_due(post_ids)
        run = start_publisher(
            bench, concurrency=concurrency, max_seconds=DRAIN_SECONDS, name=f"{name}-{number}", **settings
        )
        yield number, run.wait().figures["summary"]


def _unfinished(post_ids: Sequence[int]) -> int:
    return ScheduledPost.objects.filter(pk__in=post_ids).exclude(status__in=FINAL_POST_STATUSES).count()


def _wait_until_due(post_ids: Sequence[int], longest: float = 30) -> None:
    """Sleep until the earliest retry among ``post_ids`` is due (bounded)."""
    earliest = (
        ScheduledPost.objects.filter(pk__in=post_ids, status=PostStatus.SCHEDULED)
        .aggregate(at=Min(Coalesce("next_attempt_at", "scheduled_at")))
        .get("at")
    )
    if earliest is not None:
        time.sleep(min(longest, max(0.0, (earliest - timezone.now()).total_seconds() + 0.05)))
