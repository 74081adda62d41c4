"""``./dev bench`` (``python -m bench``): every scenario with its defaults, or one of them.

It needs PostgreSQL: it (re)creates its own database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/sched_bench_run``), migrates it, starts the fake platforms in a process of
their own and runs real publisher processes against both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sched_bench_run"
PLATFORM_NAMES = ("TWITTER", "FACEBOOK", "INSTAGRAM", "LINKEDIN", "YOUTUBE")
# Options passed on to the scenario only when its own command line gives them (see ``_given``).
DRILL_OPTIONS = ("posts", "kills", "latency_ms", "lease_seconds", "accounts_per_platform", "seed")
FAULTS_OPTIONS = (
    "posts",
    "latency_ms",
    "rate_429",
    "rate_5xx",
    "rate_timeout",
    "read_timeout",
    "accounts_per_platform",
    "seed",
)


def out(line: str = "") -> None:
    print(line, flush=True)


def _platforms(value: str) -> list[str]:
    names = [name.strip().upper() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in PLATFORM_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"platforms are a comma-separated list of {', '.join(PLATFORM_NAMES)}"
        )
    return names


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="./dev bench",
        description="Benchmark and fault drill of the publisher against a loopback fake of the platforms. "
        "Without a scenario, runs all of them with their defaults. See BENCHMARKS.md.",
    )
    top.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL database to DROP and recreate; its name must contain 'bench' "
        f"(default: $BENCH_DATABASE_URL or {DEFAULT_DATABASE_URL})",
    )
    top.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    top.add_argument(
        "--log-dir", type=Path, help="where the processes' logs go (default: a new temporary folder)"
    )
    scenarios = top.add_subparsers(dest="scenario", metavar="scenario")

    def common(sub: argparse.ArgumentParser, *, posts: int, latency: float = 50) -> None:
        sub.add_argument("--posts", type=int, default=posts, help=f"posts in the backlog (default {posts})")
        sub.add_argument(
            "--latency-ms", type=float, default=latency, help=f"platform latency (default {latency:g})"
        )

    backlog = scenarios.add_parser(
        "backlog", help="N posts x 3 accounts drained by one run; memory against N"
    )
    common(backlog, posts=2000)
    backlog.add_argument(
        "--concurrency", type=int, nargs="+", default=[16], help="one run per value (default 16)"
    )
    backlog.add_argument(
        "--memory-posts",
        type=int,
        default=500,
        help="a second, smaller N to show memory is flat in N (0: skip; default 500)",
    )
    backlog.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap (slower)")

    scale = scenarios.add_parser("scale-out", help="the backlog drained by 1, 2 and 4 processes at once")
    common(scale, posts=2000)
    scale.add_argument("--concurrency", type=int, default=64)
    scale.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])

    drill = scenarios.add_parser("drill", help="runs killed with SIGKILL at random moments, then recovery")
    common(drill, posts=300)
    drill.add_argument("--kills", type=int, default=3)
    drill.add_argument("--concurrency", type=int, default=16)
    drill.add_argument("--lease-seconds", type=int, default=3)
    drill.add_argument("--seed", type=int, default=None, help="for the kill moments (default: random)")
    drill.add_argument("--platforms", type=_platforms, default=list(PLATFORM_NAMES))
    drill.add_argument("--accounts-per-platform", type=int, default=10)

    faults = scenarios.add_parser(
        "faults", help="429 / 5xx / timeouts on create calls until every post is final"
    )
    common(faults, posts=500)
    faults.add_argument("--concurrency", type=int, default=16)
    faults.add_argument("--rate-429", type=float, default=0.10)
    faults.add_argument("--rate-5xx", type=float, default=0.05)
    faults.add_argument("--rate-timeout", type=float, default=0.02)
    faults.add_argument("--read-timeout", type=float, default=1.0, help="PLATFORM_READ_TIMEOUT of the runs")
    faults.add_argument("--seed", type=int, default=8)
    faults.add_argument("--platforms", type=_platforms, default=list(PLATFORM_NAMES))
    faults.add_argument("--accounts-per-platform", type=int, default=10)

    targets = scenarios.add_parser(
        "targets",
        help="the engine's targets: 2,000 x 3 at 400 and 50 ms with peak connections, 4 runs + 3 triggers, "
        "--watch lateness and publish-now, ORM vs SQL, memory against N",
    )
    targets.add_argument("--concurrency", type=int, default=64)
    engine_overlap = scenarios.add_parser("overlap", help="4 cron runs + 3 trigger calls at once, 400 ms")
    common(engine_overlap, posts=2000, latency=400)
    engine_overlap.add_argument("--concurrency", type=int, default=64)
    engine_watch = scenarios.add_parser("watch", help="--watch with a post due every 100 ms; publish now")
    engine_watch.add_argument("--seconds", type=float, default=60)
    scenarios.add_parser("orm-vs-sql", help="CPU per conditional write: ORM against the cached SQL")

    every = scenarios.add_parser("all", help="every scenario with its defaults (what ./dev bench runs)")
    every.add_argument(
        "--concurrency", type=int, nargs="+", default=[16, 32, 64], help="backlog runs (default 16 32 64)"
    )
    return top


# --- the database --------------------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    """Drop and recreate the benchmark's database (only one named *bench*), then migrate it."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    name = config.get("NAME") or ""
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"bench: {url!r} is not a PostgreSQL URL; the benchmark measures PostgreSQL.")
    if "bench" not in name:
        sys.exit(f"bench: refusing to drop and recreate database {name!r}: its name must contain 'bench'.")
    server = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **server)
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.exit(
            f"bench: PostgreSQL is not reachable at {server['host']}:{server['port']} ({first_line}).\n"
            "bench: start it (e.g. `sudo service postgresql start` or `pg_ctlcluster 15 main start`), or point "
            "BENCH_DATABASE_URL / --database-url at a PostgreSQL whose user may create databases."
        )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def configure_django(url: str) -> dict[str, str]:
    """Set this process up on the benchmark's database; return the environment of publisher processes."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PUBLISH_", "PLATFORM_")) and not name.endswith(("_API_URL", "_UPLOAD_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.development",
        DJANGO_DEBUG="0",  # production behaviour: no query log
        DJANGO_READ_DOT_ENV="0",  # a developer's .env must not change what is measured
        DATABASE_URL=url,
        ENCRYPTION_KEY=secrets.token_hex(32),
        PYTHONUNBUFFERED="1",
        # Thousands of posts to one account per platform: far over the platforms' posting quotas, which
        # the simulation does not enforce; the engine is measured without them.
        PUBLISH_QUOTAS="false",
    )
    os.environ.update(
        {
            name: env[name]
            for name in (
                "DJANGO_SETTINGS_MODULE",
                "DJANGO_DEBUG",
                "DJANGO_READ_DOT_ENV",
                "DATABASE_URL",
                "ENCRYPTION_KEY",
                "PUBLISH_QUOTAS",
            )
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def machine() -> dict[str, Any]:
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = None
    try:
        with open("/proc/meminfo") as info:
            memory = int(next(line.split()[1] for line in info if line.startswith("MemTotal"))) / 1024 / 1024
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory, 1) if memory else None,
        "python": platform.python_version(),
        "postgresql": postgres,
        "os": platform.platform(),
    }


# --- running ------------------------------------------------------------------------------------------


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    """The options among ``names`` that the scenario's own command line has; under ``all`` it has none of
    them and the scenario's defaults (the same as its command line's) apply."""
    return {name: getattr(args, name) for name in names if hasattr(args, name)}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.scenario is None:
        args = parser().parse_args([*argv, "all"])
    scenario = args.scenario
    prepare_database(args.database_url)
    env = configure_django(args.database_url)

    from bench import engine
    from bench import report
    from bench import scenarios
    from bench.harness import Bench
    from bench.processes import FakePlatformsProcess

    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="bench-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    facts = machine()
    out(
        f"bench: {facts['cpu']}, {facts['cores']} cores, {facts['memory_gb']} GB; Python {facts['python']}; "
        f"PostgreSQL {facts['postgresql']}"
    )
    out(f"bench: database {args.database_url} (recreated); logs in {log_dir}")
    figures: dict[str, Any] = {
        "machine": facts,
        "argv": sys.argv[1:],
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    started = time.monotonic()
    with FakePlatformsProcess(log_dir=log_dir) as platforms:
        bench = Bench(platforms=platforms, env=env, log_dir=log_dir)
        if scenario in ("targets", "all"):
            figures["targets"] = engine.run_targets(bench, out)
        if scenario == "overlap":
            out()
            figures["overlap"] = engine.overlap(
                bench, posts=args.posts, latency_ms=args.latency_ms, concurrency=args.concurrency
            )
            engine.report_overlap(figures["overlap"], out)
        if scenario == "watch":
            out()
            figures["watch"] = engine.watch(bench, seconds=args.seconds)
            engine.report_watch(figures["watch"], out)
        if scenario == "orm-vs-sql":
            out()
            figures["orm_vs_sql"] = engine.orm_vs_sql(bench)
            engine.report_orm_vs_sql(figures["orm_vs_sql"], out)
        if scenario in ("backlog", "all"):
            posts = getattr(args, "posts", 2000)
            latency = getattr(args, "latency_ms", 50)
            results = []
            for concurrency in args.concurrency:
                out()
                result = scenarios.backlog(
                    bench,
                    posts=posts,
                    latency_ms=latency,
                    concurrency=concurrency,
                    tracemalloc=getattr(args, "tracemalloc", False),
                )
                report.backlog(result, out)
                results.append(result)
            if len(results) > 1:
                out()
                report.concurrency_sweep(results, out)
            figures["backlog"] = results
            memory_posts = getattr(args, "memory_posts", 500)
            if memory_posts:
                out()
                small = scenarios.backlog(
                    bench,
                    posts=memory_posts,
                    latency_ms=latency,
                    concurrency=args.concurrency[0],
                    tracemalloc=getattr(args, "tracemalloc", False),
                )
                report.memory([small, results[0]], out)
                figures["memory"] = [small, results[0]]
        if scenario in ("scale-out", "all"):
            out()
            results = [
                scenarios.scale_out(
                    bench,
                    posts=getattr(args, "posts", 2000),
                    latency_ms=getattr(args, "latency_ms", 50),
                    concurrency=args.concurrency if scenario == "scale-out" else 64,
                    processes=count,
                )
                for count in getattr(args, "processes", [1, 2, 4])
            ]
            report.scale_out(results, out)
            figures["scale_out"] = results
        # The two fault scenarios: many accounts on every platform, runs that follow one another.
        for name, measure, show, options in (
            ("drill", scenarios.drill, report.drill, DRILL_OPTIONS),
            ("faults", scenarios.faults, report.faults, FAULTS_OPTIONS),
        ):
            if scenario in (name, "all"):
                out()
                out(f"{name}:")
                result = measure(
                    bench,
                    concurrency=args.concurrency if scenario == name else 16,
                    platforms=getattr(args, "platforms", PLATFORM_NAMES),
                    log=out,
                    **_given(args, options),
                )
                show(result, out)
                figures[name] = result
    out()
    out(f"bench: done in {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
        out(f"bench: figures written to {args.json}")


if __name__ == "__main__":
    main()
