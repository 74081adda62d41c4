"""Moving an existing post in time through the post services, so every check of an edit still runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from calendar_app.models import ScheduledPost
from calendar_app.rules import post_reschedule_refusal
from calendar_app.selectors import post_account_statuses
from calendar_app.services.post_input import PostInput
from calendar_app.services.posts import post_update
from calendar_app.timezones import timezone_names
from calendar_app.timezones import zone_or_utc

from ..models import QueueEntry
from ..selectors import post_account_ids
from ..wall_clock import local_wall_time


def wall_time_for(instant: datetime, *, zone_name: str, fallback_zone_name: str) -> tuple[str, datetime]:
    """(zone name, naive wall time) naming ``instant`` for ``PostInput``: in ``zone_name`` if its wall time
    reads back to the same instant, else in ``fallback_zone_name`` (an instant in the second pass of a
    repeated hour cannot be written as a wall time of that zone)."""
    for name in (zone_name, fallback_zone_name, "UTC"):
        if name in timezone_names():
            wall = local_wall_time(instant, zone_or_utc(name))
            if wall is not None:
                return name, wall
    raise ValueError(f"{instant} cannot be written in {zone_name} or {fallback_zone_name}")


def post_reschedule(
    *,
    post: ScheduledPost,
    scheduled_at: datetime,
    status: str,
    fallback_zone_name: str,
    account_ids: Sequence[int] | None = None,
) -> ScheduledPost:
    """Give ``post`` a new time and status through ``post_update`` (locks the post, refuses one that is
    publishing or done, checks the accounts and the platforms' limits). Content and metadata stay."""
    zone_name, wall = wall_time_for(
        scheduled_at, zone_name=post.timezone, fallback_zone_name=fallback_zone_name
    )
    data = PostInput(
        content=post.content,
        account_ids=tuple(post_account_ids(post) if account_ids is None else account_ids),
        timezone_name=zone_name,
        local_time=wall,
        status=status,
        extra_metadata=post.metadata,
    )
    return post_update(post_id=post.pk, data=data)


def post_move_by_days(*, post_id: int, days: int, now: datetime | None = None) -> tuple[ScheduledPost, bool]:
    """Move a post ``days`` days (the calendar's drag), at the same time on its author's clock, through
    ``post_update``: a time the clocks skip that day, a time in the past, a post being published or done
    are refused with the reason. A queued post leaves its queue (it is no longer at one of its slots).

    Returns the post and whether it left a queue.
    """
    post = ScheduledPost.objects.filter(pk=post_id).first()
    if post is None:
        raise ValidationError(f"Post {post_id} does not exist (it may have been deleted).")
    if refusal := post_reschedule_refusal(
        post=post, account_statuses=post_account_statuses(post_id=post.pk), now=now
    ):
        raise ValidationError(refusal, code="not_movable")
    wall = post.scheduled_at.astimezone(zone_or_utc(post.timezone)).replace(tzinfo=None) + timedelta(
        days=days
    )
    data = PostInput(
        content=post.content,
        account_ids=tuple(post_account_ids(post)),
        timezone_name=post.timezone if post.timezone in timezone_names() else "UTC",
        local_time=wall.replace(second=0, microsecond=0),
        status=post.status,
        extra_metadata=post.metadata,
    )
    with transaction.atomic():
        moved = post_update(post_id=post.pk, data=data)
        left_queue, _ = QueueEntry.objects.filter(post_id=post.pk).delete()
    return moved, bool(left_queue)
