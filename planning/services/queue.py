"""The queue: "Add to queue" puts a post in the next slot free for all its accounts; shuffle and move
up/down reorder; pausing a schedule holds its queued posts as drafts.

Locks: a queue operation first locks every schedule that plans for the post's accounts (in id order), so
two operations never hand out the same slot, then the posts it moves (in id order), re-reading their state
under the lock. A post the publisher holds (``PUBLISHING``), one that is due, done or cancelled, or one
with accounts it was already sent to is never moved: its time is history.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Collection
from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.rules import post_reschedule_refusal
from calendar_app.selectors import post_account_statuses
from calendar_app.services.post_input import PostInput
from calendar_app.services.posts import post_is_editable

from ..models import PostingSchedule
from ..models import QueueEntry
from ..selectors import SLOT_HOLDING_STATUSES
from ..selectors import post_account_ids
from ..selectors import queue_entries
from ..selectors import schedule_covering
from ..selectors import schedule_weekly_slots
from ..selectors import schedule_zone
from ..selectors import schedules_touching
from ..selectors import taken_by_any
from ..selectors import taken_minutes
from ..slots import SEARCH_DAYS
from ..slots import first_free_slot
from ..slots import minute_of
from ..wall_clock import utc_now
from .post_changes import post_reschedule
from .post_changes import wall_time_for

Direction = Literal["up", "down"]
# Tries to make a shuffle differ from the order it started from (two posts: one try in two is the same).
SHUFFLE_TRIES = 20


def schedule_for_post_accounts(
    *, account_ids: Collection[int], schedule_id: int | None = None
) -> PostingSchedule:
    """The schedule ``schedule_id``, or the one that plans for all of ``account_ids``; ValidationError if none."""
    if schedule_id is not None:
        schedule = PostingSchedule.objects.filter(pk=schedule_id).first()
        if schedule is None:
            raise ValidationError(
                f"Posting schedule {schedule_id} does not exist (it may have been deleted)."
            )
        return schedule
    if not account_ids:
        raise ValidationError("Choose the post's accounts before adding it to a queue.")
    schedule = schedule_covering(account_ids)
    if schedule is None:
        raise ValidationError(
            "No posting schedule plans for all of this post's accounts: give them a schedule (or put them in "
            "an account group with one) under Planning, or choose a schedule."
        )
    return schedule


def next_free_slot(
    *,
    schedule: PostingSchedule,
    account_ids: Collection[int],
    after: datetime,
    taken: Collection[datetime],
) -> datetime:
    """The first slot of ``schedule`` after ``after`` whose minute is not in ``taken``; ValidationError if none."""
    slots = schedule_weekly_slots(schedule)
    if not slots:
        raise ValidationError(
            f"The posting schedule {schedule} has no slots yet: add its weekly times first."
        )
    instant = first_free_slot(slots, zone=schedule_zone(schedule), after=after, taken=taken)
    if instant is None:
        raise ValidationError(
            f"The posting schedule {schedule} has no free slot in the next {SEARCH_DAYS // 366} years."
        )
    return instant


def queue_next_free_slot(
    *,
    account_ids: Collection[int],
    schedule_id: int | None = None,
    after: datetime | None = None,
    exclude_post_ids: Collection[int] = (),
) -> datetime:
    """The next slot after ``after`` (default now) free for ALL of ``account_ids``: no other draft, scheduled
    or publishing post of any of them holds that minute. Read-only: a preview of what ``queue_add`` does."""
    after = utc_now(after)
    schedule = schedule_for_post_accounts(account_ids=account_ids, schedule_id=schedule_id)
    taken = taken_minutes(account_ids, after=after, exclude_post_ids=exclude_post_ids)
    return next_free_slot(
        schedule=schedule, account_ids=account_ids, after=after, taken=taken_by_any(taken, account_ids)
    )


def queue_post_input(
    *, data: PostInput, post_id: int | None = None, now: datetime | None = None
) -> tuple[PostInput, PostingSchedule]:
    """``data`` scheduled at the next slot free for all its accounts, and the schedule of that slot: what
    "Save and add to queue" checks before it saves (``queue_add`` then takes the slot, under its locks).
    ValidationError when no schedule covers the accounts or it has no free slot."""
    schedule = schedule_for_post_accounts(account_ids=data.account_ids)
    slot = queue_next_free_slot(
        account_ids=data.account_ids,
        schedule_id=schedule.pk,
        after=now,
        exclude_post_ids=[post_id] if post_id is not None else (),
    )
    zone_name, wall = wall_time_for(slot, zone_name=data.timezone_name, fallback_zone_name=schedule.timezone)
    queued = dataclasses.replace(
        data, timezone_name=zone_name, local_time=wall, status=PostStatus.SCHEDULED, publish_now=False
    )
    return queued, schedule


def schedules_lock(
    *, account_ids: Collection[int], schedule_ids: Collection[int] = ()
) -> list[PostingSchedule]:
    """Lock (in id order) every schedule planning for ``account_ids``, plus ``schedule_ids``: queue writes
    touching these accounts then run one at a time. Call inside a transaction."""
    ids = set(schedules_touching(account_ids).values_list("pk", flat=True)) | set(schedule_ids)
    return list(PostingSchedule.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _lock_posts(post_ids: Collection[int]) -> dict[int, ScheduledPost]:
    posts = ScheduledPost.objects.select_for_update().filter(pk__in=list(post_ids)).order_by("pk")
    return {post.pk: post for post in posts}


def refuse_unless_movable(post: ScheduledPost, *, now: datetime) -> None:
    """A post may get another time only while it is a draft or scheduled, not yet due, nothing sent
    (calendar_app.rules.post_reschedule_refusal)."""
    statuses = post_account_statuses(post_id=post.pk)
    if refusal := post_reschedule_refusal(post=post, account_statuses=statuses, now=now):
        raise ValidationError(refusal, code="not_movable")


def queue_add(*, post_id: int, schedule_id: int | None = None, now: datetime | None = None) -> ScheduledPost:
    """Put a draft or scheduled post in the next slot free for all its accounts and schedule it there.

    In a paused schedule it takes its slot as a draft, held until the schedule resumes.
    """
    now = utc_now(now)
    with transaction.atomic():
        account_ids = list(
            ScheduledPostAccount.objects.filter(post_id=post_id).values_list("account_id", flat=True)
        )
        schedule = schedule_for_post_accounts(account_ids=account_ids, schedule_id=schedule_id)
        locked = schedules_lock(account_ids=account_ids, schedule_ids=[schedule.pk])
        schedule = next(locked_schedule for locked_schedule in locked if locked_schedule.pk == schedule.pk)
        post = _lock_posts([post_id]).get(post_id)
        if post is None:
            raise ValidationError(f"Post {post_id} does not exist (it may have been deleted).")
        refuse_unless_movable(post, now=now)
        taken = taken_minutes(account_ids, after=now, exclude_post_ids=[post.pk])
        slot = next_free_slot(
            schedule=schedule, account_ids=account_ids, after=now, taken=taken_by_any(taken, account_ids)
        )
        held = schedule.is_paused
        post = post_reschedule(
            post=post,
            scheduled_at=slot,
            status=PostStatus.DRAFT if held else PostStatus.SCHEDULED,
            fallback_zone_name=schedule.timezone,
            account_ids=account_ids,
        )
        QueueEntry.objects.update_or_create(post=post, defaults={"schedule": schedule, "is_held": held})
    return post


def queue_remove(*, post_id: int) -> None:
    """Take a post out of its queue; it keeps its time and status."""
    QueueEntry.objects.filter(post_id=post_id).delete()


def _movable_entries(schedule: PostingSchedule, *, now: datetime) -> list[QueueEntry]:
    """The schedule's queue entries whose posts may be reordered, their posts locked, in queue order."""
    entries = list(QueueEntry.objects.filter(schedule=schedule))
    posts = _lock_posts([entry.post_id for entry in entries])
    movable = []
    for entry in entries:
        post = posts.get(entry.post_id)
        expected = PostStatus.DRAFT if entry.is_held else PostStatus.SCHEDULED
        if post is None or post.status != expected or post.scheduled_at <= now:
            continue
        if not post_is_editable(post=post):
            continue
        entry.post = post
        movable.append(entry)
    return sorted(movable, key=lambda entry: (entry.post.scheduled_at, entry.post_id))


def _lock_schedule(schedule_id: int) -> PostingSchedule:
    schedule = PostingSchedule.objects.select_for_update().filter(pk=schedule_id).first()
    if schedule is None:
        raise ValidationError(f"Posting schedule {schedule_id} does not exist (it may have been deleted).")
    return schedule


def queue_shuffle(*, schedule_id: int, rng: random.Random | None = None, now: datetime | None = None) -> int:
    """Deal the queued posts of a schedule out over their own slots in a random order; returns how many moved.

    Only posts not yet due are dealt; one being published, done, or already sent somewhere keeps its time.
    """
    rng = rng or random.Random()
    now = utc_now(now)
    with transaction.atomic():
        schedule = _lock_schedule(schedule_id)
        entries = _movable_entries(schedule, now=now)
        if len(entries) < 2:
            return 0
        times = [entry.post.scheduled_at for entry in entries]
        order = list(entries)
        for _ in range(SHUFFLE_TRIES):
            rng.shuffle(order)
            if order != entries:
                break
        moved = 0
        for entry, instant in zip(order, times, strict=True):
            if entry.post.scheduled_at != instant:
                post_reschedule(
                    post=entry.post,
                    scheduled_at=instant,
                    status=entry.post.status,
                    fallback_zone_name=schedule.timezone,
                )
                moved += 1
    return moved


def queue_move(*, post_id: int, direction: Direction, now: datetime | None = None) -> ScheduledPost:
    """Swap a queued post's slot with the post before (``up``) or after (``down``) it in its queue."""
    if direction not in ("up", "down"):
        raise ValidationError(f"Move a post up or down, not {direction!r}.")
    now = utc_now(now)
    with transaction.atomic():
        entry = QueueEntry.objects.filter(post_id=post_id).first()
        if entry is None:
            raise ValidationError(f"Post {post_id} is not in a queue.")
        schedule = _lock_schedule(entry.schedule_id)
        queue = list(queue_entries(schedule.pk).filter(post__status__in=SLOT_HOLDING_STATUSES))
        index = next((i for i, queued in enumerate(queue) if queued.post_id == post_id), None)
        if index is None:  # done or cancelled: it left the queue
            refuse_unless_movable(ScheduledPost.objects.get(pk=post_id), now=now)
            raise ValidationError(f"Post {post_id} is no longer waiting in its queue.")
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(queue):
            raise ValidationError(
                f"{queue[index].post} is already {'first' if direction == 'up' else 'last'} in its queue."
            )
        posts = _lock_posts([post_id, queue[other].post_id])
        post, neighbour = posts.get(post_id), posts.get(queue[other].post_id)
        if post is None or neighbour is None:
            raise ValidationError("A post of this queue was just deleted; reload the page.")
        refuse_unless_movable(post, now=now)
        try:
            refuse_unless_movable(neighbour, now=now)
        except ValidationError as exc:
            raise ValidationError(
                f"{post} cannot move {direction}: {exc.messages[0]}", code="not_movable"
            ) from None
        mine, theirs = post.scheduled_at, neighbour.scheduled_at
        if min(mine, theirs) <= now:
            raise ValidationError(
                f"{post} cannot move {direction}: that slot has passed.", code="not_movable"
            )
        for moving, instant in ((post, theirs), (neighbour, mine)):
            post_reschedule(
                post=moving, scheduled_at=instant, status=moving.status, fallback_zone_name=schedule.timezone
            )
        post.refresh_from_db()
    return post


def schedule_pause(*, schedule_id: int, now: datetime | None = None) -> int:
    """Pause a schedule: its queued posts not yet due become drafts, held in their slots; returns how many.

    Nothing published, being published, due or already sent anywhere is touched.
    """
    now = utc_now(now)
    with transaction.atomic():
        schedule = _lock_schedule(schedule_id)
        if schedule.is_paused:
            return 0
        schedule.is_paused = True
        schedule.save(update_fields=["is_paused", "updated_at"])
        held = 0
        for entry in _movable_entries(schedule, now=now):
            if entry.is_held:
                continue
            post_reschedule(
                post=entry.post,
                scheduled_at=entry.post.scheduled_at,
                status=PostStatus.DRAFT,
                fallback_zone_name=schedule.timezone,
            )
            entry.is_held = True
            entry.save(update_fields=["is_held"])
            held += 1
    return held


def schedule_resume(*, schedule_id: int, now: datetime | None = None) -> int:
    """Resume a schedule: its held posts are scheduled again, at their slot if it is still ahead, else in
    the next free slots in their queue order; returns how many."""
    now = utc_now(now)
    with transaction.atomic():
        schedule = _lock_schedule(schedule_id)
        entries = list(QueueEntry.objects.filter(schedule=schedule, is_held=True))
        account_ids_of = {entry.post_id: post_account_ids(entry.post) for entry in entries}
        all_accounts = {account_id for ids in account_ids_of.values() for account_id in ids}
        schedules_lock(account_ids=all_accounts, schedule_ids=[schedule.pk])
        schedule.is_paused = False
        schedule.save(update_fields=["is_paused", "updated_at"])
        posts = _lock_posts([entry.post_id for entry in entries])
        entries = sorted(entries, key=lambda entry: (posts[entry.post_id].scheduled_at, entry.post_id))
        taken = taken_minutes(all_accounts, after=now, exclude_post_ids=[entry.post_id for entry in entries])
        resumed = 0
        for entry in entries:
            post = posts[entry.post_id]
            entry.is_held = False
            entry.save(update_fields=["is_held"])
            if post.status != PostStatus.DRAFT or not post_is_editable(post=post):
                continue  # a person changed it meanwhile: it is theirs now
            account_ids = account_ids_of[post.pk]
            slot = post.scheduled_at
            if slot <= now or minute_of(slot) in taken_by_any(taken, account_ids):
                slot = next_free_slot(
                    schedule=schedule,
                    account_ids=account_ids,
                    after=now,
                    taken=taken_by_any(taken, account_ids),
                )
            post_reschedule(
                post=post,
                scheduled_at=slot,
                status=PostStatus.SCHEDULED,
                fallback_zone_name=schedule.timezone,
                account_ids=account_ids,
            )
            for account_id in account_ids:
                taken.setdefault(account_id, set()).add(minute_of(slot))
            resumed += 1
    return resumed
