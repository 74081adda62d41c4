"""``manage.py export_posts [--from DATE] [--to DATE] [--status S] [--output FILE]``: posts and results as CSV."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from calendar_app.models import PostStatus
from calendar_app.timezones import timezone_names
from calendar_app.timezones import zone_or_utc
from planning.services.exports import posts_export_csv


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: write YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Write posts with each account's status, link and error as CSV (one row per post and account)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (in --timezone)")
        parser.add_argument("--to", dest="end", help="last day included, YYYY-MM-DD (in --timezone)")
        parser.add_argument("--status", action="append", default=[], help="only this status; repeat for more")
        parser.add_argument("--timezone", default=None, help="zone of the dates (default TIME_ZONE)")
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args, **options) -> None:
        zone_name = options["timezone"] or settings.TIME_ZONE
        if zone_name not in timezone_names():
            raise CommandError(f"--timezone {zone_name!r} is not a known time zone (e.g. Europe/Paris).")
        zone = zone_or_utc(zone_name)
        unknown = [status for status in options["status"] if status not in PostStatus.values]
        if unknown:
            raise CommandError(f"Unknown status {unknown[0]!r}; use one of {', '.join(PostStatus.values)}.")
        start = datetime.combine(_date(options["start"]), time.min, tzinfo=zone) if options["start"] else None
        end = (
            datetime.combine(_date(options["end"]) + timedelta(days=1), time.min, tzinfo=zone)
            if options["end"]
            else None
        )
        if options["output"]:
            try:
                with open(options["output"], "w", newline="", encoding="utf-8") as out:
                    count = posts_export_csv(out=out, start=start, end=end, statuses=options["status"])
            except OSError as exc:
                raise CommandError(f"{options['output']}: {exc.strerror or exc}.") from None
            self.stderr.write(f"Exported {count} rows to {options['output']}.")
        else:
            posts_export_csv(out=self.stdout, start=start, end=end, statuses=options["status"])
