"""Bulk import of posts from CSV: a dry run that names every problem, then an all-or-nothing import.

One service behind the admin's upload page and ``manage.py import_posts``. The check reads accounts,
groups, schedules, known row keys and taken slots once for the whole file, then checks each row in memory
with the same ``post_input_check`` the post form uses: the queries do not grow with the rows. The import
re-runs the check inside its transaction (schedules locked, so ``queue`` rows keep the slots the check
gave them) and creates each post through ``post_create``.

A file with any bad row imports nothing unless the person explicitly asks to skip the bad rows: a
half-imported month is worse than none, and because every row has a key, importing the corrected file
again later adds only the rows that are not there yet.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.services.post_input import PostInput
from calendar_app.services.post_input import post_input_check
from calendar_app.services.posts import post_create
from media_library.models import MediaAsset
from media_library.selectors import media_assets_visible_to
from social.models import Platform
from social.models import SocialAccount
from social.platforms import MediaItem
from social.platforms import UnknownPlatformError
from social.platforms import platform_spec
from social.selectors import social_accounts_usable_by

from ..csv_format import ACCOUNTS
from ..csv_format import MEDIA_ASSET
from ..csv_format import STATUS
from ..csv_format import TEXT
from ..csv_format import TIME
from ..csv_format import TIMEZONE
from ..csv_format import AccountDirectory
from ..csv_format import CsvRow
from ..csv_format import RowProblem
from ..csv_format import asset_ids_named
from ..csv_format import csv_records
from ..csv_format import header_names
from ..csv_format import header_problems
from ..csv_format import row_read
from ..models import AccountGroup
from ..models import ImportedRow
from ..models import PostImport
from ..models import PostingSchedule
from ..models import QueueEntry
from ..selectors import schedule_covering
from ..selectors import schedules_touching
from ..selectors import taken_by_any
from ..selectors import taken_minutes
from ..slots import minute_of
from ..wall_clock import utc_now
from .post_changes import wall_time_for
from .queue import next_free_slot
from .queue import schedules_lock

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

# Where the post check's errors (keyed by PostInput field) go in the file.
COLUMN_OF = {
    "content": TEXT,
    "account_ids": ACCOUNTS,
    "timezone_name": TIMEZONE,
    "local_time": TIME,
    "status": STATUS,
    "extra_metadata": MEDIA_ASSET,
    NON_FIELD_ERRORS: "",
}


@dataclass
class PlannedRow:
    """A row as the check left it: new (with what it will create), already imported, or bad."""

    row: CsvRow
    data: PostInput | None = None
    scheduled_at: datetime | None = None
    schedule: PostingSchedule | None = None
    existing_post_id: int | None = None

    @property
    def number(self) -> int:
        return self.row.number

    @property
    def problems(self) -> list[RowProblem]:
        return self.row.problems

    @property
    def is_bad(self) -> bool:
        return bool(self.row.problems)

    @property
    def is_new(self) -> bool:
        return not self.is_bad and self.existing_post_id is None


@dataclass
class ImportReport:
    rows: list[PlannedRow] = field(default_factory=list)
    file_problems: list[RowProblem] = field(default_factory=list)

    @property
    def new_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.is_new]

    @property
    def existing_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if not row.is_bad and row.existing_post_id is not None]

    @property
    def bad_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.is_bad]

    @property
    def problems(self) -> list[RowProblem]:
        return [*self.file_problems, *(problem for row in self.rows for problem in row.problems)]

    @property
    def summary(self) -> str:
        if self.file_problems:
            return "The file cannot be imported: " + " ".join(
                problem.message for problem in self.file_problems
            )
        return (
            f"Checked {len(self.rows)} rows: {len(self.new_rows)} to import, {len(self.existing_rows)} already "
            f"imported, {len(self.bad_rows)} with problems."
        )


class ImportRefused(ValidationError):
    """Nothing was imported; ``report`` names every problem."""

    def __init__(self, report: ImportReport, message: str) -> None:
        super().__init__(message, code="import_refused")
        self.report = report


@dataclass(frozen=True)
class ImportResult:
    report: ImportReport
    created_post_ids: list[int]
    skipped_bad_rows: int

    @property
    def summary(self) -> str:
        return (
            f"Imported {len(self.created_post_ids)} posts ({len(self.report.existing_rows)} rows already "
            f"imported, {self.skipped_bad_rows} rows with problems skipped)."
        )


def _platform_prefixes() -> dict[str, str]:
    """How the post check's messages start for each platform ("X: ...", "X (Twitter): ...")."""
    prefixes = {}
    for platform in Platform:
        prefixes[f"{platform.label}: "] = platform.value
        try:
            prefixes[f"{platform_spec(platform.value).name}: "] = platform.value
        except UnknownPlatformError:
            continue
    return dict(sorted(prefixes.items(), key=lambda item: -len(item[0])))  # longest first


def _platform_of(message: str, prefixes: dict[str, str]) -> tuple[str, str]:
    for prefix, platform in prefixes.items():
        if message.startswith(prefix):
            return platform, message[len(prefix) :]
    return "", message


def _read_rows(text: str, *, default_timezone: str, author: AbstractBaseUser | None) -> ImportReport:
    report = ImportReport()
    try:
        records = [record for record in csv_records(text) if any(cell.strip() for cell in record)]
    except ValidationError as exc:
        report.file_problems.append(RowProblem(0, "", "", exc.messages[0]))
        return report
    if not records:
        report.file_problems.append(
            RowProblem(0, "", "", "The file is empty: it needs a header row and rows.")
        )
        return report
    header = header_names(records[0])
    report.file_problems += header_problems(header)
    limit = settings.PLANNING_IMPORT_MAX_ROWS
    if len(records) - 1 > limit:
        report.file_problems.append(
            RowProblem(0, "", "", f"The file has {len(records) - 1} rows; one import takes at most {limit}.")
        )
    if report.file_problems:
        return report
    asset_column = header.index(MEDIA_ASSET) if MEDIA_ASSET in header else None
    asset_ids = (
        {asset_id for record in records[1:] for asset_id in asset_ids_named(_cell(record, asset_column))}
        if asset_column is not None
        else set()
    )
    # The author's accounts and library media only: a file cannot name what its author may not post to.
    accounts = (
        SocialAccount.objects.without_tokens() if author is None else social_accounts_usable_by(user=author)
    )
    assets = MediaAsset.objects.all() if author is None else media_assets_visible_to(user=author)
    directory = AccountDirectory(
        accounts,
        AccountGroup.objects.prefetch_related("accounts"),
        assets.filter(pk__in=asset_ids).only("pk", "kind", "alt_text") if asset_ids else (),
    )
    for number, record in enumerate(records[1:], start=2):
        cells = {
            name: (record[index].strip() if index < len(record) else "") for index, name in enumerate(header)
        }
        row = row_read(number, cells, directory=directory, default_timezone=default_timezone)
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            row.problem("", f"The row has {len(record)} cells but the header names {len(header)} columns.")
        report.rows.append(PlannedRow(row=row))
    return report


def _cell(record: list[str], index: int) -> str:
    return record[index] if index < len(record) else ""


def _mark_known_keys(report: ImportReport) -> None:
    keys = [planned.row.key for planned in report.rows]
    known = dict(ImportedRow.objects.filter(key__in=keys).values_list("key", "post_id"))
    first_row_of: dict[str, int] = {}
    for planned in report.rows:
        key = planned.row.key
        if key in first_row_of:
            explicit = planned.row.cells.get("key")
            planned.row.problem(
                "key" if explicit else "",
                f"The key {key!r} is also row {first_row_of[key]}'s."
                if explicit
                else f"Row {first_row_of[key]} is the same row; give the rows a key column to import both.",
            )
            continue
        first_row_of[key] = planned.number
        planned.existing_post_id = known.get(key)


def _plan_queue_rows(report: ImportReport, *, now: datetime, lock: bool) -> None:
    """Give each ``queue`` row the next slot free for all its accounts, in file order; rows with a time hold
    their minute first, so a queue row never lands on a post of the same file."""
    queue_rows = [planned for planned in report.rows if planned.row.is_queue and planned.is_new]
    if not queue_rows:
        return
    account_ids = {account.pk for planned in queue_rows for account in planned.row.accounts}
    if lock:
        schedules_lock(account_ids=account_ids)
    schedules = list(
        schedules_touching(account_ids).select_related("group").prefetch_related("group__accounts", "slots")
    )
    all_ids = account_ids | {account.pk for planned in report.new_rows for account in planned.row.accounts}
    taken = taken_minutes(all_ids, after=now)
    for planned in report.new_rows:
        if planned.data is not None and planned.data.local_time is not None and planned.scheduled_at:
            for account in planned.row.accounts:
                taken.setdefault(account.pk, set()).add(minute_of(planned.scheduled_at))
    for planned in queue_rows:
        ids = [account.pk for account in planned.row.accounts]
        schedule = schedule_covering(ids, schedules)
        if schedule is None:
            planned.row.problem(
                TIME, "No posting schedule plans for all of this row's accounts, so it cannot be queued."
            )
            continue
        try:
            slot = next_free_slot(
                schedule=schedule,
                account_ids=ids,
                after=now,
                taken=taken_by_any(taken, ids),
            )
        except ValidationError as exc:
            planned.row.problem(TIME, exc.messages[0])
            continue
        for account_id in ids:
            taken.setdefault(account_id, set()).add(minute_of(slot))
        planned.schedule, planned.scheduled_at = schedule, slot


def _post_input(planned: PlannedRow) -> PostInput:
    row = planned.row
    zone_name, local_time = row.timezone_name, row.local_time
    if row.is_queue and planned.scheduled_at is not None:
        zone_name, local_time = wall_time_for(
            planned.scheduled_at, zone_name=row.timezone_name, fallback_zone_name=planned.schedule.timezone
        )
    # A queue row in a paused schedule waits there as a draft, like "Add to queue" does.
    held = row.is_queue and planned.schedule is not None and planned.schedule.is_paused
    return PostInput(
        content=row.cells.get(TEXT, ""),
        account_ids=tuple(account.pk for account in row.accounts),
        timezone_name=zone_name,
        local_time=local_time,
        status=PostStatus.DRAFT if held else row.status,
        media=() if row.media_assets else row.media,
        platform_options=row.platform_options,
        # Library assets go in the metadata's media list as they are, after the row's URLs (in this order).
        extra_metadata={"media": [*map(_as_metadata, row.media), *row.media_assets]}
        if row.media_assets
        else {},
    )


def _as_metadata(item: MediaItem) -> dict[str, str]:
    return {"url": item.url, "type": item.type, **({"alt_text": item.alt_text} if item.alt_text else {})}


def _check_posts(report: ImportReport, *, now: datetime, queued: bool) -> None:
    """Run the post check on each new row (``queued``: the queue rows, once they have their slot)."""
    prefixes = _platform_prefixes()
    for planned in report.new_rows:
        if planned.row.is_queue != queued:
            continue
        data = _post_input(planned)
        check = post_input_check(data=data, now=now, accounts=planned.row.accounts)
        for key, messages in check.errors.items():
            for message in messages:
                platform, words = _platform_of(message, prefixes)
                planned.row.problem(COLUMN_OF.get(key, ""), words, platform)
        if not check.errors:
            planned.data = data
            planned.scheduled_at = planned.scheduled_at or check.scheduled_at


def _check(
    text: str, *, default_timezone: str, now: datetime, lock: bool, author: AbstractBaseUser | None
) -> ImportReport:
    report = _read_rows(text, default_timezone=default_timezone, author=author)
    if report.file_problems:
        return report
    _mark_known_keys(report)
    _check_posts(report, now=now, queued=False)
    _plan_queue_rows(report, now=now, lock=lock)
    _check_posts(report, now=now, queued=True)
    return report


def import_check(
    *,
    text: str,
    default_timezone: str,
    author: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """The dry run: what importing ``text`` would create, and every problem by row, column and platform.

    ``author``: who would import it; accounts and library media they may not use are unknown to the file
    (None: every account, for a report that creates nothing). Writes nothing. A constant number of
    queries, however many rows and accounts.
    """
    return _check(text, default_timezone=default_timezone, now=utc_now(now), lock=False, author=author)


def import_run(
    *,
    text: str,
    default_timezone: str,
    created_by: AbstractBaseUser,
    skip_bad_rows: bool = False,
    post_import: PostImport | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import ``text``: every new row as a post, in one transaction.

    Raises ``ImportRefused`` (nothing imported) when the file cannot be read, or when a row is bad and
    ``skip_bad_rows`` is not set. Rows imported before (same key) are left as they are.
    """
    now = utc_now(now)
    try:
        with transaction.atomic():
            report = _check(text, default_timezone=default_timezone, now=now, lock=True, author=created_by)
            if report.file_problems:
                raise ImportRefused(report, report.summary)
            if report.bad_rows and not skip_bad_rows:
                raise ImportRefused(
                    report,
                    f"Nothing was imported: {len(report.bad_rows)} rows have problems. Fix them, or choose to "
                    "import the good rows and skip the bad ones.",
                )
            created = _create_posts(report.new_rows, created_by=created_by, post_import=post_import)
            if post_import is not None:
                post_import.status = PostImport.Status.IMPORTED
                post_import.created_count = len(created)
                post_import.imported_at = timezone.now()
                post_import.save(update_fields=["status", "created_count", "imported_at"])
    except IntegrityError:
        logger.info("An import lost a race for its row keys; nothing of it was kept", exc_info=True)
        raise ValidationError(
            "Some of these rows were imported by another import at the same moment; nothing was imported "
            "this time. Run the import again: it adds only what is missing.",
            code="import_race",
        ) from None
    return ImportResult(report=report, created_post_ids=created, skipped_bad_rows=len(report.bad_rows))


def _create_posts(
    rows: Sequence[PlannedRow], *, created_by: AbstractBaseUser, post_import: PostImport | None
) -> list[int]:
    keys, entries, created = [], [], []
    for planned in rows:
        post = post_create(created_by=created_by, data=planned.data)
        created.append(post.pk)
        keys.append(
            ImportedRow(key=planned.row.key, post=post, post_import=post_import, row_number=planned.number)
        )
        if planned.row.is_queue:
            entries.append(
                QueueEntry(schedule=planned.schedule, post=post, is_held=planned.schedule.is_paused)
            )
    ImportedRow.objects.bulk_create(keys)
    QueueEntry.objects.bulk_create(entries)
    return created
