"""Reads of planning data: which schedule serves which accounts, which slot minutes are taken."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.db.models import QuerySet

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.timezones import zone_or_utc

from .models import PostingSchedule
from .models import QueueEntry
from .slots import WeeklySlot
from .slots import minute_of
from .slots import slot_instants

# A post in one of these states holds its minute for its accounts: no other queued post goes there.
SLOT_HOLDING_STATUSES = (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHING)


def schedule_account_ids(schedule: PostingSchedule) -> list[int]:
    """The accounts a schedule plans for: its account, or its group's accounts."""
    if schedule.account_id is not None:
        return [schedule.account_id]
    return list(schedule.group.accounts.values_list("pk", flat=True))


def schedule_weekly_slots(schedule: PostingSchedule) -> list[WeeklySlot]:
    return [WeeklySlot(weekday=slot.weekday, time=slot.time) for slot in schedule.slots.all()]


def schedule_zone(schedule: PostingSchedule) -> ZoneInfo:
    return zone_or_utc(schedule.timezone)


def schedules_touching(account_ids: Collection[int]) -> QuerySet[PostingSchedule]:
    """Every schedule that plans for any of ``account_ids`` (its own account, or in its group)."""
    return PostingSchedule.objects.filter(
        Q(account_id__in=list(account_ids)) | Q(group__accounts__in=list(account_ids))
    ).distinct()


def schedule_covering(
    account_ids: Collection[int], schedules: Iterable[PostingSchedule] | None = None
) -> PostingSchedule | None:
    """The schedule a post to ``account_ids`` is queued in: the smallest one planning for all of them
    (an account's own schedule before its group's), the oldest on a tie; None when none covers them all."""
    wanted = set(account_ids)
    if not wanted:
        return None
    if schedules is None:
        schedules = schedules_touching(wanted).select_related("group").prefetch_related("group__accounts")
    covering = []
    for schedule in schedules:
        members = (
            {schedule.account_id}
            if schedule.account_id is not None
            else {account.pk for account in schedule.group.accounts.all()}
        )
        if wanted <= members:
            covering.append((len(members), schedule.pk, schedule))
    return min(covering, key=lambda item: item[:2])[2] if covering else None


def taken_minutes(
    account_ids: Collection[int],
    *,
    after: datetime,
    exclude_post_ids: Collection[int] = (),
    before: datetime | None = None,
) -> dict[int, set[datetime]]:
    """For each account, the UTC minutes after ``after`` (and before ``before``) that one of its posts
    already holds."""
    rows = ScheduledPostAccount.objects.filter(
        account_id__in=list(account_ids),
        post__status__in=SLOT_HOLDING_STATUSES,
        post__scheduled_at__gte=minute_of(after),
    )
    if before is not None:
        rows = rows.filter(post__scheduled_at__lt=before)
    rows = rows.exclude(post_id__in=list(exclude_post_ids)).values_list("account_id", "post__scheduled_at")
    taken: dict[int, set[datetime]] = defaultdict(set)
    for account_id, scheduled_at in rows:
        taken[account_id].add(minute_of(scheduled_at))
    return taken


def taken_by_any(taken: dict[int, set[datetime]], account_ids: Iterable[int]) -> set[datetime]:
    return set().union(*(taken.get(account_id, set()) for account_id in account_ids))


def queue_entries(schedule_id: int) -> QuerySet[QueueEntry]:
    """A schedule's queue, in the order its posts go out."""
    return (
        QueueEntry.objects.filter(schedule_id=schedule_id)
        .select_related("post")
        .order_by("post__scheduled_at", "post_id")
    )


def post_account_ids(post: ScheduledPost) -> list[int]:
    return list(post.post_accounts.values_list("account_id", flat=True))


@dataclass(frozen=True)
class FreeSlot:
    at: datetime
    schedule: PostingSchedule


def free_slots_between(*, start: datetime, end: datetime, now: datetime) -> list[FreeSlot]:
    """The slots of every running schedule from ``start`` (or ``now``, if later) to ``end`` that no post of
    its accounts holds: where "Add to queue" can put posts. Three queries, however many schedules."""
    after = max(start, now)
    if after >= end:
        return []
    schedules = list(
        PostingSchedule.objects.filter(is_paused=False)
        .select_related("group")
        .prefetch_related("slots", "group__accounts")
    )
    members = {
        schedule.pk: [schedule.account_id]
        if schedule.account_id is not None
        else [account.pk for account in schedule.group.accounts.all()]
        for schedule in schedules
    }
    taken = taken_minutes({pk for ids in members.values() for pk in ids}, after=after, before=end)
    days = (end - after).days + 2
    free = []
    for schedule in schedules:
        held = taken_by_any(taken, members[schedule.pk])
        for instant in slot_instants(
            schedule_weekly_slots(schedule), zone=schedule_zone(schedule), after=after, days=days
        ):
            if instant >= end:
                break
            if minute_of(instant) not in held:
                free.append(FreeSlot(at=instant, schedule=schedule))
    return sorted(free, key=lambda slot: (slot.at, slot.schedule.pk))


def queued_schedule_names(post_ids: Collection[int]) -> dict[int, str]:
    """For each of ``post_ids`` that waits in a queue, the name of its schedule."""
    return dict(
        QueueEntry.objects.filter(post_id__in=list(post_ids)).values_list("post_id", "schedule__name")
    )
