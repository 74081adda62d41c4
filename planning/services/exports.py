"""Export of posts with their results: one CSV row per post and account (status, link, error)."""

from __future__ import annotations

import csv
from collections.abc import Collection
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from calendar_app.models import ScheduledPost
from calendar_app.selectors import post_accounts_prefetch
from calendar_app.timezones import zone_or_utc

from ..csv_format import neutralize_formula

EXPORT_COLUMNS = (
    "post_id",
    "key",
    "time",
    "timezone",
    "post_status",
    "text",
    "account",
    "account_status",
    "link",
    "error_kind",
    "error",
    "published_at",
)
CHUNK_SIZE = 500


def _account_reference(account) -> str:
    """The account as the import's ``accounts`` column names it."""
    return f"{account.platform.lower()}:{account.name}"


def posts_export_rows(
    *, start: datetime | None = None, end: datetime | None = None, statuses: Collection[str] = ()
) -> Iterator[list[str]]:
    """The header, then a row per post and account, posts in time order (``start`` <= time < ``end``).

    Read in chunks with their accounts prefetched: a constant number of queries per chunk. Cells a
    spreadsheet would run as a formula are neutralized.
    """
    posts = ScheduledPost.objects.select_related("import_row").prefetch_related(post_accounts_prefetch())
    if start is not None:
        posts = posts.filter(scheduled_at__gte=start)
    if end is not None:
        posts = posts.filter(scheduled_at__lt=end)
    if statuses:
        posts = posts.filter(status__in=list(statuses))
    yield list(EXPORT_COLUMNS)
    for post in posts.order_by("scheduled_at", "id").iterator(chunk_size=CHUNK_SIZE):
        local = post.scheduled_at.astimezone(zone_or_utc(post.timezone))
        import_row = getattr(post, "import_row", None)
        shared = [
            str(post.pk),
            neutralize_formula(import_row.key if import_row else ""),
            f"{local:%Y-%m-%d %H:%M}",
            post.timezone,
            post.status,
            neutralize_formula(post.content),
        ]
        post_accounts = list(post.post_accounts.all())
        if not post_accounts:
            yield [*shared, "", "", "", "", "", ""]
        for post_account in post_accounts:
            yield [
                *shared,
                neutralize_formula(_account_reference(post_account.account)),
                post_account.status,
                post_account.platform_post_url,
                post_account.error_kind,
                neutralize_formula(post_account.error_message),
                post_account.published_at.isoformat() if post_account.published_at else "",
            ]


def posts_export_csv(
    *, out: TextIO, start: datetime | None = None, end: datetime | None = None, statuses: Collection[str] = ()
) -> int:
    """Write the export to ``out``; returns how many rows (without the header)."""
    writer = csv.writer(out)
    rows = posts_export_rows(start=start, end=end, statuses=statuses)
    writer.writerow(next(rows))
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
