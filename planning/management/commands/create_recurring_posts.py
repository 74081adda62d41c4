"""``manage.py create_recurring_posts``: make the recurring series' posts of the coming window.

Safe to run from cron beside the publisher and from overlapping runs; each occurrence is made once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.db import DatabaseError

from planning.services.recurrence import series_materialize


class Command(BaseCommand):
    help = (
        "Create the posts of every active recurring series due within PLANNING_RECURRENCE_WINDOW_DAYS, "
        "and print one summary line."
    )

    def handle(self, *args, **options) -> None:
        try:
            summary = series_materialize()
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(f"Could not create recurring posts: {first_line}") from None
        self.stdout.write(
            f"Recurring posts: {summary.created} created ({summary.drafts} as drafts needing attention) "
            f"from {summary.series} series"
        )
