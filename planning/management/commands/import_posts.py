"""``manage.py import_posts FILE.csv [--dry-run]``: bulk scheduling from a CSV file (see README, "Planning").

The same check and import as the admin's upload page. Each problem is printed on its own line
(``row 7, accounts: No X account is named "@acme2".``); a refusal ends with a one-line ``CommandError``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from calendar_app.timezones import timezone_names
from planning.csv_format import csv_text_decode
from planning.services.imports import ImportRefused
from planning.services.imports import ImportReport
from planning.services.imports import import_check
from planning.services.imports import import_run

# Refuse before reading a file far bigger than any import the row limit allows.
MAX_FILE_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Check a CSV file of posts and import it: every row is checked first and nothing is imported while "
        "a row has problems (unless --skip-bad-rows). Rows imported before are not imported again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8; columns in README, section Planning)")
        parser.add_argument("--dry-run", action="store_true", help="check every row, import nothing")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good rows even when some rows have problems",
        )
        parser.add_argument(
            "--timezone", default=None, help="time zone of rows without a timezone column (default TIME_ZONE)"
        )
        parser.add_argument(
            "--user", help="username the posts are created by (default: the only active superuser)"
        )

    def handle(self, *args, **options) -> None:
        text = self._read(Path(options["file"]))
        zone = options["timezone"] or settings.TIME_ZONE
        if zone not in timezone_names():
            raise CommandError(f"--timezone {zone!r} is not a known time zone (e.g. Europe/Paris).")
        if options["dry_run"]:
            # Checked as --user would import it; without --user, against every account.
            author = self._author(options["user"]) if options["user"] else None
            report = import_check(text=text, default_timezone=zone, author=author)
            self._print(report)
            if report.file_problems or report.bad_rows:
                raise CommandError(
                    f"Dry run: {len(report.bad_rows)} rows have problems; nothing would be imported."
                )
            return
        author = self._author(options["user"])
        try:
            result = import_run(
                text=text, default_timezone=zone, created_by=author, skip_bad_rows=options["skip_bad_rows"]
            )
        except ImportRefused as refused:
            self._print(refused.report)
            raise CommandError(refused.messages[0]) from None
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        for problem in result.report.problems:
            self.stdout.write(f"skipped {problem}")
        self.stdout.write(result.summary)

    def _read(self, path: Path) -> str:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except IsADirectoryError:
            raise CommandError(f"{path} is a folder, not a CSV file.") from None
        except PermissionError:
            raise CommandError(f"{path}: permission denied.") from None
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}.") from None
        try:
            return csv_text_decode(data)
        except ValidationError as exc:
            raise CommandError(f"{path}: {exc.messages[0]}") from None

    def _author(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            author = users.filter(username=username).first()
            if author is None:
                raise CommandError(f"No active user is named {username!r}.")
            return author
        superusers = list(users.filter(is_superuser=True)[:2])
        if len(superusers) != 1:
            raise CommandError("Name the author of the posts with --user USERNAME.")
        return superusers[0]

    def _print(self, report: ImportReport) -> None:
        for problem in report.problems:
            self.stdout.write(str(problem))
        self.stdout.write(report.summary)
