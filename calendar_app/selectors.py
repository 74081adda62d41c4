"""Reads of scheduled posts."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, QuerySet
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, Now

from .models import PostStatus, ScheduledPost


def post_due_queryset(*, now: datetime | Expression | None = None) -> QuerySet[ScheduledPost]:
    """SCHEDULED posts whose time (or retry time) has come, the longest-waiting first.

    ``now`` defaults to the database's clock, so hosts with skewed clocks agree on what is due. The
    ``due_at`` expression is the one the partial index ``post_due_scheduled_idx`` is built on.
    """
    now = Now() if now is None else now
    return (
        ScheduledPost.objects.filter(status=PostStatus.SCHEDULED, scheduled_at__lte=now)
        .alias(due_at=Coalesce(F("next_attempt_at"), F("scheduled_at")))
        .filter(due_at__lte=now)
        .order_by("due_at", "id")
    )
