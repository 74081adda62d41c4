"""Leases on posts: which publisher run holds a post, until when.

A run takes posts with one short transaction: on PostgreSQL the candidate rows are locked with
``FOR UPDATE SKIP LOCKED`` (overlapping runs skip each other's rows instead of waiting), and on every
database the update is conditional on the state the candidates were chosen in, so a row another run took in
between is simply not won (SQLite, which has no row locks, relies on that alone). The caller then reads back
the rows carrying its ``lease_token``: those, and only those, are its posts. Lease times are on the
database's clock, so hosts with skewed clocks agree.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import DateTimeField
from django.db.models import ExpressionWrapper
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models.functions import Now

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.selectors import post_due_queryset
from calendar_app.selectors import post_expired_lease_queryset


def _lease_until(seconds: float) -> ExpressionWrapper:
    return ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())


def _posts_take(
    *,
    candidates: QuerySet[ScheduledPost],
    still_takeable: Q,
    lease_token: UUID,
    lease_seconds: float,
    limit: int,
    post_ids: Collection[int] | None,
) -> list[int]:
    if post_ids is not None:
        candidates = candidates.filter(pk__in=post_ids)
    with transaction.atomic():
        ids = list(candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        if ids:
            ScheduledPost.objects.filter(still_takeable, pk__in=ids).update(
                status=PostStatus.PUBLISHING,
                lease_token=lease_token,
                lease_expires_at=_lease_until(lease_seconds),
                last_attempt_at=Now(),
                updated_at=Now(),
            )
    return ids


def posts_claim_due(
    *, lease_token: UUID, lease_seconds: float, limit: int, post_ids: Collection[int] | None = None
) -> list[int]:
    """Move up to ``limit`` due posts from SCHEDULED to PUBLISHING under this run's lease.

    Returns the ids tried; the ones won are those now carrying ``lease_token``.
    """
    return _posts_take(
        candidates=post_due_queryset(),
        still_takeable=Q(status=PostStatus.SCHEDULED),
        lease_token=lease_token,
        lease_seconds=lease_seconds,
        limit=limit,
        post_ids=post_ids,
    )


def posts_claim_expired(
    *, lease_token: UUID, lease_seconds: float, limit: int, post_ids: Collection[int] | None = None
) -> list[int]:
    """Take over up to ``limit`` PUBLISHING posts whose lease ran out (their run died)."""
    return _posts_take(
        candidates=post_expired_lease_queryset(),
        still_takeable=Q(status=PostStatus.PUBLISHING)
        & (Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=Now())),
        lease_token=lease_token,
        lease_seconds=lease_seconds,
        limit=limit,
        post_ids=post_ids,
    )


def posts_extend_lease(*, lease_token: UUID, lease_seconds: float) -> int:
    """The heartbeat of a live run: push the lease of every post it still holds; returns how many.

    A post whose row is locked right now is being ended by the run's own finalize batch (which locks
    several posts in one transaction): it is skipped, never waited for, so the two can never deadlock.
    Should that batch roll back, the next beat extends the post's lease (a beat is a third of it).
    """
    held = ScheduledPost.objects.filter(status=PostStatus.PUBLISHING, lease_token=lease_token)
    with transaction.atomic():
        ids = list(held.select_for_update(skip_locked=True).values_list("pk", flat=True))
        if not ids:
            return 0
        return held.filter(pk__in=ids).update(lease_expires_at=_lease_until(lease_seconds))
