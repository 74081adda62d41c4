"""Recurring series: their occurrences become ordinary scheduled posts a rolling window ahead.

``series_materialize`` is idempotent under overlapping runs: a run locks each series it works on (and skips
one another run holds), and an occurrence is unique per series and instant, so it is never made twice. An
occurrence edited on its own (here, or in the post admin: its post no longer matches what the series made)
or skipped is left alone by later edits of the series; so is anything publishing, published or past.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction
from django.db.models import Q

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import PostInput
from calendar_app.services.post_input import post_input_check
from calendar_app.services.post_input import post_metadata_problems
from calendar_app.services.posts import post_cancel
from calendar_app.services.posts import post_create
from calendar_app.services.posts import post_delete
from calendar_app.services.posts import post_is_editable
from calendar_app.services.posts import post_update
from calendar_app.timezones import timezone_names
from calendar_app.timezones import zone_or_utc

from ..models import RecurringSeries
from ..models import SeriesOccurrence
from ..recurrence import occurrence_metadata
from ..recurrence import occurrence_template
from ..recurrence import occurrence_text
from ..recurrence import rule_normalize
from ..recurrence import rule_problems
from ..recurrence import series_instants
from ..wall_clock import utc_now
from .post_changes import wall_time_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeriesInput:
    """What a person entered for a recurring series; ``time`` is on the clock of ``timezone_name``."""

    name: str
    content: str
    account_ids: tuple[int, ...]
    timezone_name: str
    starts_on: date
    time: time
    rule: str
    ends_on: date | None = None
    count: int | None = None
    text_variants: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    is_active: bool = True


@dataclass
class MaterializeSummary:
    series: int = 0
    created: int = 0
    drafts: int = 0

    def add(self, other: MaterializeSummary) -> None:
        self.series += other.series
        self.created += other.created
        self.drafts += other.drafts


@dataclass(frozen=True)
class SeriesUpdateSummary:
    updated: int
    removed: int
    kept: int
    created: int


def window() -> timedelta:
    return timedelta(days=settings.PLANNING_RECURRENCE_WINDOW_DAYS)


def _refill_slack() -> timedelta:
    # A series is worked on again once its made occurrences reach less than the window minus this far
    # ahead: about once a day, not on every publisher run.
    return min(timedelta(days=1), window() / 2)


def series_input_check(*, data: SeriesInput, now: datetime | None = None) -> dict[str, list[str]]:
    """Everything that stops ``data`` from being saved as a series, keyed by ``SeriesInput`` field."""
    now = utc_now(now)
    errors: dict[str, list[str]] = defaultdict(list)
    if not data.name.strip():
        errors["name"].append("Give the series a name.")
    if data.timezone_name not in timezone_names():
        errors["timezone_name"].append(f"{data.timezone_name!r} is not a known time zone.")
    if (data.ends_on is None) == (data.count is None):
        errors[NON_FIELD_ERRORS].append(
            "End the series either on a date or after a number of posts (not both)."
        )
    if data.count is not None and data.count < 1:
        errors["count"].append("A series makes at least one post.")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"].append("The series cannot end before it starts.")
    errors["rule"] += rule_problems(data.rule)
    if not data.account_ids:
        errors["account_ids"].append("Choose at least one account.")
    errors["metadata"] += post_metadata_problems(data.metadata)
    variants = [variant for variant in data.text_variants if variant.strip()]
    if not data.content.strip() and not variants and not data.metadata.get("media"):
        errors["content"].append("Write the text of the posts, or its variants.")
    if not any(errors.values()):
        for key, messages in _text_problems(data, now=now).items():
            errors[key] += messages
    return {key: messages for key, messages in errors.items() if messages}


def _text_problems(data: SeriesInput, *, now: datetime) -> dict[str, list[str]]:
    """Each variant's problems (the platforms' limits, accounts), as its first upcoming post would have them."""
    upcoming = next(iter(series_occurrence_instants(data, after=now)), None)
    if upcoming is None:
        return {"rule": ["Every occurrence of this rule is in the past: nothing would be posted."]}
    first_number, instant = upcoming
    zone_name, wall = wall_time_for(instant, zone_name=data.timezone_name, fallback_zone_name="UTC")
    local_date = instant.astimezone(zone_or_utc(data.timezone_name)).date()
    problems: dict[str, list[str]] = defaultdict(list)
    variants = [variant for variant in data.text_variants if variant.strip()]
    for index, template in enumerate(variants or [data.content], start=1):
        check = post_input_check(
            data=PostInput(
                content=occurrence_text(template, number=first_number, local_date=local_date),
                account_ids=data.account_ids,
                timezone_name=zone_name,
                local_time=wall,
                status=PostStatus.DRAFT,
                extra_metadata=occurrence_metadata(data.metadata, number=first_number, local_date=local_date),
            ),
            now=now,
        )
        where = f"Variant {index}: " if variants else ""
        for key, messages in check.errors.items():
            problems[_SERIES_FIELD_OF.get(key, NON_FIELD_ERRORS)] += [
                f"{where}{message}" for message in messages
            ]
        problems[NON_FIELD_ERRORS] += [f"{where}{message}" for message in check.platform_problems]
    return problems


def series_occurrence_instants(data: SeriesInput | RecurringSeries, *, after=None, until=None):
    """(number, instant) of a series (saved, or as entered), after ``after`` and up to ``until``."""
    is_input = isinstance(data, SeriesInput)
    return series_instants(
        rule=data.rule,
        starts_on=data.starts_on,
        clock=data.time,
        zone=zone_or_utc(data.timezone_name if is_input else data.timezone),
        ends_on=data.ends_on,
        count=data.count,
        after=after,
        until=until,
    )


# Where a post check's error about one occurrence goes on the series.
_SERIES_FIELD_OF = {"account_ids": "account_ids", "content": "content", "extra_metadata": "metadata"}


def _series_fields(data: SeriesInput) -> dict[str, Any]:
    return {
        "name": data.name.strip(),
        "content": data.content,
        "text_variants": [variant for variant in data.text_variants if variant.strip()],
        "metadata": dict(data.metadata),
        "timezone": data.timezone_name,
        "starts_on": data.starts_on,
        "time": data.time.replace(second=0, microsecond=0),
        "rule": rule_normalize(data.rule),
        "ends_on": data.ends_on,
        "count": data.count,
        "is_active": data.is_active,
    }


def series_create(
    *, created_by: AbstractBaseUser, data: SeriesInput, now: datetime | None = None
) -> RecurringSeries:
    """Create a series and make its occurrences of the coming window; ValidationError with field errors."""
    now = utc_now(now)
    errors = series_input_check(data=data, now=now)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        series = RecurringSeries.objects.create(created_by=created_by, **_series_fields(data))
        series.accounts.set(data.account_ids)
        _materialize_locked(series, now=now)
    return series


def post_fingerprint(post: ScheduledPost, account_ids: Sequence[int]) -> str:
    """What a person can change on a post, hashed: a post that no longer matches was edited on its own."""
    facts = {
        "content": post.content,
        "metadata": post.metadata,
        "scheduled_at": post.scheduled_at.isoformat(),
        "timezone": post.timezone,
        "status": post.status,
        "accounts": sorted(account_ids),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _occurrence_post_input(
    series: RecurringSeries, *, number: int, instant: datetime, account_ids
) -> PostInput:
    zone_name, wall = wall_time_for(instant, zone_name=series.timezone, fallback_zone_name="UTC")
    local_date = instant.astimezone(zone_or_utc(series.timezone)).date()
    template = occurrence_template(content=series.content, variants=series.text_variants, number=number)
    return PostInput(
        content=occurrence_text(template, number=number, local_date=local_date),
        account_ids=tuple(account_ids),
        timezone_name=zone_name,
        local_time=wall,
        status=PostStatus.SCHEDULED,
        extra_metadata=occurrence_metadata(series.metadata, number=number, local_date=local_date),
    )


def _save_scheduled_or_draft(write, data: PostInput) -> tuple[ScheduledPost | None, str]:
    """Save as scheduled; when that is refused (an account to reconnect, say), save a draft and say why."""
    try:
        return write(data), ""
    except ValidationError as exc:
        problem = "; ".join(exc.messages)
    try:
        return write(replace(data, status=PostStatus.DRAFT)), problem
    except ValidationError as exc:
        return None, "; ".join([problem, *exc.messages])


def _occurrence_create(series: RecurringSeries, *, number: int, instant: datetime, account_ids) -> str | None:
    """Make one occurrence; None when another run made it first, else "" or the reason it is a draft."""
    try:
        with transaction.atomic():
            occurrence = SeriesOccurrence.objects.create(series=series, occurs_at=instant, number=number)
    except IntegrityError:
        return None
    data = _occurrence_post_input(series, number=number, instant=instant, account_ids=account_ids)
    post, problem = _save_scheduled_or_draft(
        lambda data: post_create(created_by=series.created_by, data=data), data
    )
    occurrence.post = post
    occurrence.problem = problem
    occurrence.fingerprint = post_fingerprint(post, account_ids) if post else ""
    occurrence.save(update_fields=["post", "problem", "fingerprint"])
    if problem:
        logger.warning("Recurring series %s: occurrence %s made as a draft: %s", series.pk, number, problem)
    return problem


def _materialize_locked(series: RecurringSeries, *, now: datetime) -> MaterializeSummary:
    """Make the missing occurrences of ``series`` (locked by the caller) up to the window's end."""
    summary = MaterializeSummary(series=1)
    horizon = now + window()
    if series.is_active:
        existing = set(series.occurrences.values_list("occurs_at", flat=True))
        account_ids = list(series.accounts.values_list("pk", flat=True))
        for number, instant in series_occurrence_instants(series, after=now, until=horizon):
            if instant in existing:
                continue
            problem = _occurrence_create(series, number=number, instant=instant, account_ids=account_ids)
            if problem is not None:
                summary.created += 1
                summary.drafts += bool(problem)
    series.materialized_until = horizon
    series.save(update_fields=["materialized_until"])
    return summary


def series_materialize(*, now: datetime | None = None, series_id: int | None = None) -> MaterializeSummary:
    """Make the occurrences of every active series (or one) falling within the window ahead, as posts.

    Cheap when there is nothing to do (one query), so the publisher runs it on every run; safe to run from
    any number of overlapping runs.
    """
    now = utc_now(now)
    due = RecurringSeries.objects.filter(is_active=True).filter(
        Q(materialized_until__isnull=True) | Q(materialized_until__lt=now + window() - _refill_slack())
    )
    if series_id is not None:
        due = RecurringSeries.objects.filter(pk=series_id)
    summary = MaterializeSummary()
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            series = RecurringSeries.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if series is not None:  # else another run is making its occurrences right now
                summary.add(_materialize_locked(series, now=now))
    return summary


def _lock_series(series_id: int) -> RecurringSeries:
    series = RecurringSeries.objects.select_for_update().filter(pk=series_id).first()
    if series is None:
        raise ValidationError(f"Recurring series {series_id} does not exist (it may have been deleted).")
    return series


def occurrence_is_edited(occurrence: SeriesOccurrence, *, account_ids: Sequence[int]) -> bool:
    """Whether a person changed this occurrence on its own (so the series no longer speaks for it)."""
    return occurrence.is_edited or (
        occurrence.post is not None
        and post_fingerprint(occurrence.post, account_ids) != occurrence.fingerprint
    )


def series_update(*, series_id: int, data: SeriesInput, now: datetime | None = None) -> SeriesUpdateSummary:
    """Save a person's edit of a series and apply it to its future occurrences that the series still speaks
    for: not published or publishing, not skipped, not edited on their own. Those the new rule no longer
    has are removed; the new rule's missing ones are made."""
    now = utc_now(now)
    errors = series_input_check(data=data, now=now)
    if errors:
        raise ValidationError(errors)
    updated = removed = kept = 0
    with transaction.atomic():
        series = _lock_series(series_id)
        for name, value in _series_fields(data).items():
            setattr(series, name, value)
        series.save()
        series.accounts.set(data.account_ids)
        occurrences = list(
            series.occurrences.filter(occurs_at__gt=now, post__isnull=False)
            .select_related("post")
            .prefetch_related("post__post_accounts")
        )
        latest = max((occurrence.occurs_at for occurrence in occurrences), default=now)
        wanted = (
            dict(
                (instant, number)
                for number, instant in series_occurrence_instants(
                    series, after=now, until=max(latest, now + window())
                )
            )
            if series.is_active
            else {}
        )
        for occurrence in occurrences:
            post = occurrence.post
            account_ids = [post_account.account_id for post_account in post.post_accounts.all()]
            if (
                occurrence.is_skipped
                or post.status not in (PostStatus.SCHEDULED, PostStatus.DRAFT)
                or occurrence_is_edited(occurrence, account_ids=account_ids)
                or not post_is_editable(post=post)
            ):
                kept += 1
                continue
            if occurrence.occurs_at not in wanted:
                post_delete(post_id=post.pk)
                occurrence.delete()
                removed += 1
                continue
            number = wanted[occurrence.occurs_at]
            post_data = _occurrence_post_input(
                series, number=number, instant=occurrence.occurs_at, account_ids=data.account_ids
            )
            post, problem = _save_scheduled_or_draft(
                lambda data, pk=post.pk: post_update(post_id=pk, data=data), post_data
            )
            occurrence.number = number
            occurrence.problem = problem
            occurrence.fingerprint = post_fingerprint(post, data.account_ids) if post else ""
            occurrence.save(update_fields=["number", "problem", "fingerprint"])
            updated += 1
        series.occurrences.filter(occurs_at__gt=now, post__isnull=True, is_skipped=True).exclude(
            occurs_at__in=list(wanted)
        ).delete()
        created = _materialize_locked(series, now=now).created
    return SeriesUpdateSummary(updated=updated, removed=removed, kept=kept, created=created)


def occurrence_skip(*, occurrence_id: int) -> SeriesOccurrence:
    """Skip one occurrence: its post is cancelled (it stays visible as such) and is never made again."""
    with transaction.atomic():
        occurrence = SeriesOccurrence.objects.select_for_update().filter(pk=occurrence_id).first()
        if occurrence is None:
            raise ValidationError(f"Occurrence {occurrence_id} does not exist.")
        if occurrence.is_skipped:
            return occurrence
        if occurrence.post_id is not None:
            post = ScheduledPost.objects.get(pk=occurrence.post_id)
            if post.status in (PostStatus.DRAFT, PostStatus.SCHEDULED):
                post_cancel(post_id=post.pk)  # refuses, under the post's lock, one the publisher just took
            elif post.status != PostStatus.CANCELLED:
                raise ValidationError(
                    f"{post} is {post.get_status_display().lower()}; it can no longer be skipped."
                )
        occurrence.is_skipped = True
        occurrence.save(update_fields=["is_skipped"])
    return occurrence


def series_skip(*, series_id: int, occurs_at: datetime, now: datetime | None = None) -> SeriesOccurrence:
    """Skip the occurrence of ``series_id`` at ``occurs_at``, made already or not (it will not be made)."""
    now = utc_now(now)
    with transaction.atomic():
        series = _lock_series(series_id)
        existing = series.occurrences.filter(occurs_at=occurs_at).first()
        if existing is not None:
            return occurrence_skip(occurrence_id=existing.pk)
        if occurs_at <= now:
            raise ValidationError("That occurrence is in the past.")
        number = next(
            (
                number
                for number, instant in series_occurrence_instants(series, until=occurs_at)
                if instant == occurs_at
            ),
            None,
        )
        if number is None:
            raise ValidationError(f"{series} has no occurrence at {occurs_at.isoformat()}.")
        return SeriesOccurrence.objects.create(
            series=series, occurs_at=occurs_at, number=number, is_skipped=True
        )


def occurrence_edit(*, occurrence_id: int, data: PostInput) -> ScheduledPost:
    """Edit one occurrence's post on its own (through ``post_update``); later series edits leave it alone."""
    with transaction.atomic():
        occurrence = SeriesOccurrence.objects.select_for_update().filter(pk=occurrence_id).first()
        if occurrence is None or occurrence.post_id is None:
            raise ValidationError(f"Occurrence {occurrence_id} has no post to edit.")
        post = post_update(post_id=occurrence.post_id, data=data)
        occurrence.is_edited = True
        occurrence.save(update_fields=["is_edited"])
    return post
