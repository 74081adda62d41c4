"""``manage.py prune_media --days N [--dry-run]``: remove library media no post has used for N days."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat

from media_library.errors import MediaError
from media_library.services.prune import media_prune


class Command(BaseCommand):
    help = (
        "Delete media assets (with their renditions and files) created more than N days ago that no post "
        "uses. Assets used by any post, even a published one, are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="keep anything newer than this many days")
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be deleted; delete nothing"
        )

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        try:
            report = media_prune(days=days, dry_run=dry_run)
        except MediaError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"The database is unavailable: {' '.join(str(exc).split())[:200]}") from None
        verb = "Would delete" if dry_run else "Deleted"
        if options["verbosity"] > 1 or dry_run:
            for asset in report.assets:
                self.stdout.write(
                    f"  {asset.pk}: {asset} ({filesizeformat(asset.size)}, {asset.created_at:%Y-%m-%d})"
                )
        for line in report.skipped:
            self.stderr.write(f"Kept: {line}")
        self.stdout.write(
            f"{verb} {len(report.assets)} media asset{'s' if len(report.assets) != 1 else ''} unused for "
            f"{days} days ({filesizeformat(report.bytes)})."
        )
