"""The CSV format of bulk import and export: columns, account references, and one row read into a post.

Reading a row needs no database: accounts and groups come from an ``AccountDirectory`` loaded once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from calendar_app.models import PostStatus
from calendar_app.services.post_input import MEDIA_TYPES
from calendar_app.timezones import timezone_names
from media_library.models import MediaAsset
from social.models import Platform
from social.models import SocialAccount
from social.platforms import MediaItem

from .models import AccountGroup

KEY, TEXT, ACCOUNTS, TIME, TIMEZONE, STATUS = "key", "text", "accounts", "time", "timezone", "status"
MEDIA_URL, MEDIA_TYPE, ALT_TEXT, MEDIA_ASSET = "media_url", "media_type", "alt_text", "media_asset"
QUEUE = "queue"
# Platform names as a CSV writes them: the lower-case platform, and "x" for X.
PLATFORM_NAMES: dict[str, str] = {platform.lower(): platform for platform in Platform.values} | {
    "x": "TWITTER"
}
# <platform>_text replaces the text on that platform; a few platform options have columns of their own.
PLATFORM_TEXT_COLUMNS: dict[str, str] = {f"{platform.lower()}_text": platform for platform in Platform.values}
PLATFORM_OPTION_COLUMNS: dict[str, tuple[str, str]] = {
    "youtube_title": (Platform.YOUTUBE, "title"),
    "youtube_privacy_status": (Platform.YOUTUBE, "privacy_status"),
    "linkedin_visibility": (Platform.LINKEDIN, "visibility"),
}
COLUMNS = (
    KEY,
    TEXT,
    ACCOUNTS,
    TIME,
    TIMEZONE,
    STATUS,
    MEDIA_URL,
    MEDIA_TYPE,
    ALT_TEXT,
    MEDIA_ASSET,
    *PLATFORM_TEXT_COLUMNS,
    *PLATFORM_OPTION_COLUMNS,
)
REQUIRED_COLUMNS = (ACCOUNTS, TIME)
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
STATUSES = {"": PostStatus.SCHEDULED, "scheduled": PostStatus.SCHEDULED, "draft": PostStatus.DRAFT}
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".webm")
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with a row (row 1 is the header, as a spreadsheet numbers it)."""

    row: int
    column: str
    platform: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"row {self.row}" if self.row else "file", self.column) if part)
        return f"{where}: {self.platform_label + ': ' if self.platform else ''}{self.message}"

    @property
    def platform_label(self) -> str:
        return Platform(self.platform).label if self.platform in Platform.values else self.platform


@dataclass
class CsvRow:
    """A data row read into the parts of a post; ``local_time`` is None for a ``queue`` row."""

    number: int
    cells: dict[str, str]
    key: str = ""
    accounts: list[SocialAccount] = field(default_factory=list)
    timezone_name: str = ""
    local_time: datetime | None = None
    is_queue: bool = False
    status: str = PostStatus.SCHEDULED
    media: tuple[MediaItem, ...] = ()
    # Media-library assets as the post's metadata holds them: {"asset": id, "type": kind, "alt_text": ...}.
    media_assets: tuple[dict[str, Any], ...] = ()
    platform_options: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def problem(self, column: str, message: str, platform: str = "") -> None:
        self.problems.append(RowProblem(row=self.number, column=column, platform=platform, message=message))


def csv_text_decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8, with or without the byte-order mark spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {exc.object[exc.start]:#04x} at position {exc.start}): save it "
            'as "CSV UTF-8" and try again.',
            code="encoding",
        ) from None


def csv_records(text: str) -> Iterator[list[str]]:
    """The records of a CSV text; the delimiter (comma, semicolon or tab) is read from its header line."""
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise ValidationError(f"Line {reader.line_num} is not valid CSV: {exc}.", code="csv") from None


def header_problems(header: list[str]) -> list[RowProblem]:
    """What is wrong with the header row: unknown, repeated or missing columns."""
    problems = []
    seen = set()
    for name in header:
        if name not in COLUMNS:
            problems.append(
                RowProblem(1, name, "", f"Unknown column {name!r}; the columns are {', '.join(COLUMNS)}.")
            )
        elif name in seen:
            problems.append(RowProblem(1, name, "", f"The column {name!r} appears twice."))
        seen.add(name)
    problems += [
        RowProblem(1, name, "", f"The file has no {name!r} column.")
        for name in REQUIRED_COLUMNS
        if name not in seen
    ]
    return problems


def header_names(record: list[str]) -> list[str]:
    return [name.strip().lower() for name in record]


class AccountDirectory:
    """Every account and account group, read once, to resolve the ``accounts`` cells of a whole file."""

    def __init__(
        self,
        accounts: Iterable[SocialAccount],
        groups: Iterable[AccountGroup],
        assets: Iterable[MediaAsset] = (),
    ) -> None:
        self.assets: dict[int, MediaAsset] = {asset.pk: asset for asset in assets}
        self.by_id: dict[int, SocialAccount] = {}
        self.by_name: dict[tuple[str, str], list[SocialAccount]] = defaultdict(list)
        for account in accounts:
            self.by_id[account.pk] = account
            self.by_name[(account.platform, account.name.strip().casefold())].append(account)
        self.groups: dict[str, list[SocialAccount]] = {
            group.name.strip().casefold(): [
                self.by_id[a.pk] for a in group.accounts.all() if a.pk in self.by_id
            ]
            for group in groups
        }

    def resolve(self, cell: str) -> tuple[list[SocialAccount], list[str]]:
        """The accounts a cell names (``platform:name``, ``group:name`` or an account id, separated by
        ``;``), and what it names that does not exist."""
        found: dict[int, SocialAccount] = {}
        problems = []
        for reference in (part.strip() for part in cell.replace("\n", ";").split(";")):
            if not reference:
                continue
            accounts, problem = self._one(reference)
            if problem:
                problems.append(problem)
            found.update((account.pk, account) for account in accounts)
        return list(found.values()), problems

    def _one(self, reference: str) -> tuple[list[SocialAccount], str]:
        if reference.isdigit():
            account = self.by_id.get(int(reference))
            return ([account], "") if account else ([], f"No account has the id {reference}.")
        prefix, colon, name = reference.partition(":")
        prefix, name = prefix.strip().lower(), name.strip()
        if not colon or not name:
            return (
                [],
                f"{reference!r} is not an account: write platform:name (e.g. x:@acme), group:name or an id.",
            )
        if prefix == "group":
            group = self.groups.get(name.casefold())
            return (group, "") if group is not None else ([], f"No account group is named {name!r}.")
        platform = PLATFORM_NAMES.get(prefix)
        if platform is None:
            return (
                [],
                f"Unknown platform {prefix!r} in {reference!r}; use one of {', '.join(sorted(PLATFORM_NAMES))}.",
            )
        matches = self.by_name.get((platform, name.casefold()), [])
        label = Platform(platform).label
        if not matches:
            return [], f"No {label} account is named {name!r}."
        if len(matches) > 1:
            ids = " or ".join(str(account.pk) for account in matches)
            return [], f"{len(matches)} {label} accounts are named {name!r}; write the account's id ({ids})."
        return matches, ""


def row_key(cells: Mapping[str, str]) -> str:
    """The row's own ``key``, or a hash of its non-empty cells: the same row imported again is found."""
    if cells.get(KEY):
        return cells[KEY]
    filled = {name: value for name, value in sorted(cells.items()) if value and name != KEY}
    return "sha256:" + hashlib.sha256(json.dumps(filled, ensure_ascii=False).encode()).hexdigest()


def media_type_of(url: str, given: str) -> str:
    if given:
        return given
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(VIDEO_EXTENSIONS):
        return "video"
    return "gif" if path.endswith(".gif") else "image"


def row_read(
    number: int, cells: dict[str, str], *, directory: AccountDirectory, default_timezone: str
) -> CsvRow:
    """One data row read into a ``CsvRow``, every problem of its cells named (the post check comes later)."""
    row = CsvRow(number=number, cells=cells, key=row_key(cells))
    if len(row.key) > MAX_KEY_LENGTH:
        row.problem(KEY, f"A key has at most {MAX_KEY_LENGTH} characters.")

    if not cells.get(ACCOUNTS):
        row.problem(ACCOUNTS, "Name the accounts, e.g. x:@acme; linkedin:Acme Inc.")
    row.accounts, account_problems = directory.resolve(cells.get(ACCOUNTS, ""))
    for message in account_problems:
        row.problem(ACCOUNTS, message)

    row.timezone_name = cells.get(TIMEZONE) or default_timezone
    if row.timezone_name not in timezone_names():
        row.problem(TIMEZONE, f"{row.timezone_name!r} is not a known time zone (e.g. Europe/Paris).")

    when = cells.get(TIME, "")
    if when.lower() == QUEUE:
        row.is_queue = True
    elif not when:
        row.problem(TIME, "Enter a time (YYYY-MM-DD HH:MM, in the row's time zone) or queue.")
    else:
        row.local_time = _parse_time(when)
        if row.local_time is None:
            row.problem(
                TIME, f"{when!r} is not a time: write YYYY-MM-DD HH:MM (in the row's time zone) or queue."
            )

    status = cells.get(STATUS, "").lower()
    if status not in STATUSES:
        row.problem(STATUS, f"{cells[STATUS]!r} is not a status: write scheduled (the default) or draft.")
    row.status = STATUSES.get(status, PostStatus.SCHEDULED)

    row.media, row.media_assets = _read_media(row, directory.assets)
    for column, platform in PLATFORM_TEXT_COLUMNS.items():
        if cells.get(column):
            row.platform_options.setdefault(platform, {})["content"] = cells[column]
    for column, (platform, option) in PLATFORM_OPTION_COLUMNS.items():
        if cells.get(column):
            row.platform_options.setdefault(platform, {})[option] = cells[column]
    return row


def _parse_time(value: str) -> datetime | None:
    for time_format in TIME_FORMATS:
        try:
            return datetime.strptime(value, time_format)
        except ValueError:
            continue
    return None


def asset_ids_named(cell: str) -> list[int]:
    """The asset ids a ``media_asset`` cell names (the rest is reported when the row is read)."""
    return [int(part) for part in cell.split() if part.isdigit()]


def _read_media(
    row: CsvRow, assets: Mapping[int, MediaAsset]
) -> tuple[tuple[MediaItem, ...], tuple[dict[str, Any], ...]]:
    urls = row.cells.get(MEDIA_URL, "").split()
    asset_refs = row.cells.get(MEDIA_ASSET, "").split()
    alt_texts = (
        [text.strip() for text in row.cells.get(ALT_TEXT, "").split("|")] if row.cells.get(ALT_TEXT) else []
    )
    given_type = row.cells.get(MEDIA_TYPE, "").lower()
    if given_type and given_type not in MEDIA_TYPES:
        row.problem(MEDIA_TYPE, f"{given_type!r} is not a media type: write {', '.join(MEDIA_TYPES)}.")
        given_type = ""
    if len(alt_texts) > len(urls) + len(asset_refs):
        row.problem(
            ALT_TEXT,
            f"{len(alt_texts)} alt texts for {len(urls) + len(asset_refs)} media; separate them with |, one per "
            "media.",
        )
    validate = URLValidator(schemes=["http", "https"])
    media = []
    for index, url in enumerate(urls):
        try:
            validate(url)
        except ValidationError:
            row.problem(MEDIA_URL, f"{url!r} is not an http(s) address.")
            continue
        alt_text = alt_texts[index] if index < len(alt_texts) else ""
        media.append(MediaItem(url=url, type=media_type_of(url, given_type), alt_text=alt_text))
    library = []
    for index, reference in enumerate(asset_refs, start=len(urls)):
        asset = assets.get(int(reference)) if reference.isdigit() else None
        if asset is None:
            row.problem(
                MEDIA_ASSET,
                f"No media asset has the id {reference!r}: write the ids shown in the media library, separated "
                "by spaces.",
            )
            continue
        alt_text = (alt_texts[index] if index < len(alt_texts) else "") or asset.alt_text
        library.append({"asset": asset.pk, "type": str(asset.kind), "alt_text": alt_text})
    return tuple(media), tuple(library)


def neutralize_formula(value: Any) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
