"""``manage.py check_publisher``: is the publisher publishing? For a second cron line or a monitor.

Prints one line (``ok: ...``, ``degraded: ...`` or ``stalled: ...``, saying why) and exits 1 when the
publisher is stalled, 0 otherwise. Like ``GET /healthz`` it records ``publisher.stalled`` once per stall
and delivers it at once (the stopped publisher would have), and ``publisher.recovered`` once runs resume.
"""

from __future__ import annotations

import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.db import DatabaseError

from calendar_app.health import STALLED
from calendar_app.health import publisher_health_check
from calendar_app.management.errors import error_first_line


class Command(BaseCommand):
    help = (
        "Check that due posts are being published: print one line, record publisher.stalled or "
        "publisher.recovered when that changed, exit 1 when the publisher is stalled."
    )
    requires_system_checks = []  # a cron line every few minutes: one line, nothing else

    def handle(self, *args, **options) -> None:
        try:
            health = publisher_health_check()
        except DatabaseError as exc:
            raise CommandError(f"The database is unavailable: {error_first_line(exc)}") from exc
        except ImproperlyConfigured as exc:
            raise CommandError(f"Bad configuration: {exc}") from exc
        self.stdout.write(health.line())
        if health.status == STALLED:
            self.stdout.flush()
            sys.exit(1)
