"""Claiming due deliveries (webhooks or emails) under a lease, the way overlapping runs share them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models import QuerySet


def deliveries_claim(
    queryset: QuerySet, *, order_by: tuple[str, ...], limit: int, lease_until: datetime, **also: Any
) -> list[int]:
    """Take up to ``limit`` rows of ``queryset``: count an attempt and move ``next_attempt_at`` to the end
    of the lease, so a deliverer that dies leaves them to be tried again then. SKIP LOCKED on PostgreSQL
    lets overlapping deliverers take other rows (SQLite serializes writers instead)."""
    with transaction.atomic():
        ids = list(
            queryset.order_by(*order_by)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            queryset.model.objects.filter(pk__in=ids).update(
                attempt_count=F("attempt_count") + 1, next_attempt_at=lease_until, **also
            )
    return ids
