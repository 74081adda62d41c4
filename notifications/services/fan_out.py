"""Turning recorded events into deliveries: one per subscribed active endpoint, one email per recipient.

Done by the deliverer, not by whoever records the event, so recording stays one INSERT. An endpoint added
after an event was recorded but before it was fanned out receives it; one disabled by then does not.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import SUBSCRIBABLE_TYPES
from ..models import EmailNotification
from ..models import Event
from ..models import WebhookDelivery
from ..models import WebhookEndpoint
from ..selectors import email_recipients

FAN_OUT_BATCH = 500


def email_group_wait() -> timedelta:
    """How long an email of a run's event waits for the rest of the run's events, unless the run itself
    flushes its group when it ends: the longest a run can go on after recording its first event."""
    return timedelta(seconds=settings.PUBLISH_MAX_SECONDS + settings.PLATFORM_READ_TIMEOUT)


def events_fan_out(*, limit: int = FAN_OUT_BATCH) -> int:
    """Create the deliveries of up to ``limit`` events not yet fanned out; returns how many events.

    Overlapping deliverers each take other events (SKIP LOCKED on PostgreSQL; SQLite serializes writers),
    and the unique constraints make a repeat harmless.
    """
    with transaction.atomic():
        events = list(
            Event.objects.filter(fanned_out_at=None)
            .order_by("created_at")
            .select_for_update(skip_locked=True)[:limit]
        )
        if not events:
            return 0
        now = timezone.now()
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True).only("pk", "events"))
        deliveries = [
            WebhookDelivery(endpoint_id=endpoint.pk, event_id=event.pk, next_attempt_at=now, created_at=now)
            for event in events
            if event.type in SUBSCRIBABLE_TYPES
            for endpoint in endpoints
            if endpoint.receives(event.type)
        ]
        recipients = email_recipients(events=events)
        emails = [
            EmailNotification(
                event_id=event.pk,
                recipient=address,
                group_key=event.group_key,
                # A run's events wait for each other, so a person gets one email per run.
                next_attempt_at=event.created_at + email_group_wait() if event.group_key else now,
                created_at=now,
            )
            for event in events
            for address in recipients.get(event.pk, [])
        ]
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        EmailNotification.objects.bulk_create(emails, ignore_conflicts=True)
        Event.objects.filter(pk__in=[event.pk for event in events]).update(fanned_out_at=now)
    return len(events)
