"""``manage.py deliver_notifications``: send what the outbox holds now (the publisher also does this after
each run); for operators, and for a cron line when the publisher is not running."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.db import DatabaseError

from notifications.services import account_tokens_scan_expiring
from notifications.services import notifications_deliver


class Command(BaseCommand):
    help = (
        "Warn about tokens that expire soon, then deliver pending webhooks and emails within a time "
        "budget, and print one summary line. Safe to run while other runs deliver."
    )
    requires_system_checks = []  # like publish_due_posts: a cron line must not repeat warnings

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--max-seconds",
            type=float,
            help="time budget of this pass (default NOTIFY_DELIVERY_MAX_SECONDS)",
        )

    def handle(self, *args, max_seconds, **options) -> None:
        if max_seconds is not None and not max_seconds > 0:
            raise CommandError(f"--max-seconds must be more than 0, not {max_seconds}.")
        try:
            warnings = account_tokens_scan_expiring()
            report = notifications_deliver(max_seconds=max_seconds)
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(f"The database failed: {first_line}") from exc
        line = report.line()
        if warnings:
            line += f" Recorded {warnings} token expiry warnings."
        self.stdout.write(line)
