"""``manage.py publish_due_posts``: one publisher run, for cron every minute (overlapping runs are safe),
or with ``--watch`` a long-running publisher that drains on SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import signal
import threading

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS
from django.db import DatabaseError
from django.db import InterfaceError
from django.db import OperationalError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from calendar_app.models import PublisherRun
from calendar_app.publisher import publish_due_posts
from calendar_app.publisher.watch import publisher_watch


def _positive(convert):
    def parse(value: str):
        try:
            number = convert(value)
        except ValueError:
            number = None
        if number is None or not number > 0:
            raise argparse.ArgumentTypeError(f"must be a positive number, not {value!r}")
        return number

    parse.__name__ = convert.__name__
    return parse


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unapplied_migration_count() -> int:
    """How many migrations the database lacks; 0 when it cannot tell (it is unreachable, say)."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError:
        return 0


class Command(BaseCommand):
    help = (
        "Publish every due post to its accounts, retry what failed for a passing reason, and print "
        "one summary line. Exits non-zero only when the run could not happen."
    )
    # Cron runs this every minute: the run checks the configuration it needs itself, and a warning such
    # as an unset CRON_SECRET (which this command does not use) must not fill the log.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=_positive(int), help="take at most N posts")
        parser.add_argument(
            "--max-seconds",
            type=_positive(float),
            help="stop claiming posts after S seconds (default PUBLISH_MAX_SECONDS); claimed ones finish",
        )
        parser.add_argument(
            "--concurrency",
            type=_positive(int),
            help="platform calls in flight at once (default PUBLISH_CONCURRENCY)",
        )
        parser.add_argument(
            "--watch",
            action="store_true",
            help="keep running: publish each post as it falls due (wakes on NOTIFY on PostgreSQL, polls "
            "every PUBLISH_WATCH_POLL_SECONDS otherwise); SIGTERM/SIGINT finish the calls in flight and exit",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="claim nothing; print per account the text and media that would be sent and any problem",
        )

    def handle(self, *args, limit, max_seconds, concurrency, dry_run, watch, **options) -> None:
        if watch and (limit or max_seconds or dry_run):
            raise CommandError("--watch runs until stopped: it takes no --limit, --max-seconds or --dry-run.")
        try:
            if watch:
                self._watch(concurrency=concurrency)
                return
            summary = publish_due_posts(
                limit=limit,
                max_seconds=max_seconds,
                concurrency=concurrency,
                dry_run=dry_run,
                trigger=PublisherRun.Trigger.CRON,
            )
        except DatabaseError as exc:
            # A missing table reads as "no such table" or "relation does not exist": say what fixes it.
            if unapplied := _unapplied_migration_count():
                raise CommandError(
                    f"The database is not migrated ({unapplied} migrations not applied): "
                    "run `manage.py migrate` first."
                ) from exc
            if isinstance(exc, (OperationalError, InterfaceError)):
                raise CommandError(f"The database is unavailable: {_one_line(exc)}") from exc
            raise CommandError(f"The database failed: {_one_line(exc)}") from exc
        except ImproperlyConfigured as exc:
            raise CommandError(f"Bad configuration: {_one_line(exc)}") from exc
        except ValueError as exc:
            raise CommandError(_one_line(exc)) from exc
        for line in summary.dry_run_lines:
            self.stdout.write(line)
        self.stdout.write(summary.line())
        if summary.error:
            raise CommandError(summary.error)

    def _watch(self, *, concurrency: int | None) -> None:
        stop = threading.Event()

        def drain(signum, frame) -> None:
            if not stop.is_set():
                self.stderr.write(
                    f"{signal.Signals(signum).name}: finishing the calls in flight, then stopping"
                )
            stop.set()

        previous = {sig: signal.signal(sig, drain) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.stdout.write("Watching for due posts (SIGTERM or Ctrl-C stops)")
            publisher_watch(
                stop=stop, concurrency=concurrency, on_run=lambda summary: self.stdout.write(summary.line())
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped: nothing in flight, nothing held")
