"""Delivering events to webhook endpoints, signed per Standard Webhooks, at least once.

A batch of due deliveries is claimed under a lease (SKIP LOCKED on PostgreSQL, so overlapping deliverers
each take other rows and an attempt is made at most once), POSTed in parallel with no database connection
held, then recorded. A run killed mid-call leaves the lease to run out: the delivery is tried again, with
the same ``webhook-id``. Failures back off exponentially with jitter; an endpoint failing for 24 hours is
disabled and whoever added it is emailed.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from calendar_app.rules import retry_delay_seconds

from ..models import DeliveryStatus
from ..models import Event
from ..models import EventType
from ..models import WebhookDelivery
from ..models import WebhookDeliveryAttempt
from ..models import WebhookEndpoint
from ..transport import WebhookRefused
from ..transport import WebhookTransportError
from ..transport import url_host_label
from ..transport import webhook_post
from .claims import deliveries_claim
from .events import EventDraft
from .events import admin_url
from .events import event_data
from .events import events_record
from .events import iso_utc

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
DISABLE_AFTER = timedelta(hours=24)
CONCURRENCY = 8
# Below this, a call could not even connect: leave the rest to the next run.
MIN_SECONDS_PER_CALL = 0.25
# A claimed delivery whose deliverer died is tried again after its call's longest time plus this.
LEASE_MARGIN_SECONDS = 30
USER_AGENT = "social-scheduler-webhooks/1"


@dataclass
class WebhookFigures:
    delivered: int = 0
    failed: int = 0
    endpoints_disabled: int = 0
    out_of_time: bool = False


@dataclass(frozen=True)
class _Claimed:
    delivery_id: int
    attempt_count: int
    endpoint_id: int
    url: str
    secret: str = field(repr=False)
    event_id: uuid.UUID
    event_type: str
    event_created_at: datetime
    event_data: dict[str, Any]


@dataclass(frozen=True)
class _Outcome:
    started_at: datetime
    duration_ms: int
    response_status: int | None
    detail: str
    succeeded: bool
    answered: bool  # False: no HTTP answer at all (refused, unreachable, timed out)
    retry_after: float | None = None


def webhook_body(*, event_type: str, created_at: datetime, data: dict[str, Any]) -> str:
    """The Standard Webhooks body: ``{"type", "timestamp", "data"}``, serialized once and signed as is."""
    return json.dumps(
        {"type": event_type, "timestamp": iso_utc(created_at), "data": data}, separators=(",", ":")
    )


def webhook_headers(*, event_id: uuid.UUID, body: str, secret: str, sent_at: datetime) -> dict[str, str]:
    """``webhook-id`` (the event's stable id), ``webhook-timestamp`` and ``webhook-signature``."""
    sent_at = sent_at.astimezone(UTC)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": str(event_id),
        "webhook-timestamp": str(math.floor(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=str(event_id), timestamp=sent_at, data=body),
    }


def webhooks_deliver(*, deadline: float) -> WebhookFigures:
    """Deliver due webhooks until none is due or ``deadline`` (time.monotonic()) comes."""
    figures = WebhookFigures()
    unreachable: set[int] = set()  # endpoints that did not answer in this call are not tried again in it
    while deadline - time.monotonic() > MIN_SECONDS_PER_CALL:
        claimed = _claim(limit=CONCURRENCY, exclude_endpoints=unreachable, deadline=deadline)
        if not claimed:
            break
        with ThreadPoolExecutor(max_workers=len(claimed), thread_name_prefix="webhook") as pool:
            outcomes = list(pool.map(lambda item: _attempt(item, deadline=deadline), claimed))
        figures.endpoints_disabled += _record(claimed, outcomes, final=False)
        for item, outcome in zip(claimed, outcomes, strict=True):
            if outcome.succeeded:
                figures.delivered += 1
            else:
                figures.failed += 1
                if not outcome.answered:
                    unreachable.add(item.endpoint_id)
    else:
        figures.out_of_time = True
    return figures


def webhook_endpoint_send_test(*, endpoint_id: int) -> WebhookDelivery:
    """Send a ``webhook.test`` event to one endpoint now, once (even while it is disabled); no retry."""
    now = timezone.now()
    with transaction.atomic():
        event = events_record(
            events=[
                EventDraft(
                    type=EventType.WEBHOOK_TEST,
                    data=event_data(
                        message="A test event sent from the admin.", admin_url=admin_url("admin:index")
                    ),
                )
            ]
        )[0]
        Event.objects.filter(pk=event.pk).update(fanned_out_at=now)  # delivered here, nowhere else
        delivery = WebhookDelivery.objects.create(
            endpoint_id=endpoint_id,
            event=event,
            attempt_count=1,
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=_lease_seconds()),
        )
    endpoint = WebhookEndpoint.objects.only("url", "secret").get(pk=endpoint_id)
    item = _claimed_item(delivery, endpoint, event)
    budget = settings.WEBHOOK_CONNECT_TIMEOUT + settings.WEBHOOK_READ_TIMEOUT
    _record([item], [_attempt(item, deadline=time.monotonic() + budget)], final=True)
    delivery.refresh_from_db()
    return delivery


# --- claiming, attempting, recording ----------------------------------------------------------------------


def _lease_seconds() -> float:
    return settings.WEBHOOK_CONNECT_TIMEOUT + settings.WEBHOOK_READ_TIMEOUT + LEASE_MARGIN_SECONDS


def _claim(*, limit: int, exclude_endpoints: set[int], deadline: float) -> list[_Claimed]:
    now = timezone.now()
    lease = min(_lease_seconds(), deadline - time.monotonic() + LEASE_MARGIN_SECONDS)
    ids = deliveries_claim(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        ).exclude(endpoint_id__in=exclude_endpoints),
        order_by=("next_attempt_at", "pk"),
        limit=limit,
        lease_until=now + timedelta(seconds=lease),
        last_attempt_at=now,
    )
    if not ids:
        return []
    deliveries = list(WebhookDelivery.objects.filter(pk__in=ids).select_related("event").order_by("pk"))
    # One decryption of each endpoint's secret, however many of its deliveries are in the batch.
    endpoints = WebhookEndpoint.objects.only("url", "secret").in_bulk({d.endpoint_id for d in deliveries})
    return [_claimed_item(d, endpoints[d.endpoint_id], d.event) for d in deliveries]


def _claimed_item(delivery: WebhookDelivery, endpoint: WebhookEndpoint, event: Event) -> _Claimed:
    return _Claimed(
        delivery_id=delivery.pk,
        attempt_count=delivery.attempt_count,
        endpoint_id=endpoint.pk,
        url=endpoint.url,
        secret=endpoint.secret,
        event_id=event.pk,
        event_type=event.type,
        event_created_at=event.created_at,
        event_data=event.data,
    )


def _attempt(item: _Claimed, *, deadline: float) -> _Outcome:
    """One signed POST; runs in a worker thread and touches no database."""
    started_at = timezone.now()
    started = time.monotonic()
    body = webhook_body(event_type=item.event_type, created_at=item.event_created_at, data=item.event_data)
    headers = webhook_headers(event_id=item.event_id, body=body, secret=item.secret, sent_at=started_at)
    try:
        response = webhook_post(
            item.url,
            body.encode(),
            headers,
            connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
            read_timeout=settings.WEBHOOK_READ_TIMEOUT,
            deadline=deadline,
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE,
        )
    except (WebhookRefused, WebhookTransportError) as exc:
        refused = isinstance(exc, WebhookRefused)
        return _Outcome(
            started_at=started_at,
            duration_ms=_elapsed_ms(started),
            response_status=None,
            detail=f"refused: {exc}" if refused else str(exc),
            succeeded=False,
            answered=False,
        )
    succeeded = 200 <= response.status < 300
    detail = f"HTTP {response.status}"
    if 300 <= response.status < 400:
        detail += " (redirects are not followed)"
    excerpt = " ".join(_redact(response.excerpt, item.secret).split())
    if excerpt:
        detail += f": {excerpt}"
    return _Outcome(
        started_at=started_at,
        duration_ms=_elapsed_ms(started),
        response_status=response.status,
        detail=detail[:300],
        succeeded=succeeded,
        answered=True,
        retry_after=response.retry_after,
    )


def _record(claimed: list[_Claimed], outcomes: list[_Outcome], *, final: bool) -> int:
    """Write what the attempts got; returns how many endpoints were disabled. ``final``: no retry (a test).

    Each write is conditional on the attempt this run claimed, so a deliverer whose lease ran out never
    overwrites what a newer attempt recorded.
    """
    now = timezone.now()
    healthy: set[int] = set()
    failing: dict[int, str] = {}
    with transaction.atomic():
        for item, outcome in zip(claimed, outcomes, strict=True):
            held = WebhookDelivery.objects.filter(
                pk=item.delivery_id, status=DeliveryStatus.PENDING, attempt_count=item.attempt_count
            )
            result = {"response_status": outcome.response_status, "last_error": ""}
            if outcome.succeeded:
                held.update(status=DeliveryStatus.DELIVERED, delivered_at=now, **result)
                healthy.add(item.endpoint_id)
                logger.debug("Delivered event %s to endpoint %s", item.event_id, item.endpoint_id)
                continue
            result["last_error"] = outcome.detail
            if final:
                held.update(status=DeliveryStatus.FAILED, **result)
            else:
                delay = retry_delay_seconds(
                    retry_count=item.attempt_count - 1,
                    base_seconds=RETRY_BASE_SECONDS,
                    max_seconds=RETRY_MAX_SECONDS,
                    retry_after=min(outcome.retry_after, RETRY_MAX_SECONDS) if outcome.retry_after else None,
                )
                held.update(next_attempt_at=now + timedelta(seconds=delay), **result)
                failing[item.endpoint_id] = outcome.detail
            logger.warning(
                "Webhook to endpoint %s (%s) failed, attempt %s: %s",
                item.endpoint_id,
                url_host_label(item.url),
                item.attempt_count,
                outcome.detail,
            )
        WebhookDeliveryAttempt.objects.bulk_create(
            WebhookDeliveryAttempt(
                delivery_id=item.delivery_id,
                started_at=outcome.started_at,
                duration_ms=outcome.duration_ms,
                response_status=outcome.response_status,
                detail=outcome.detail,
                succeeded=outcome.succeeded,
            )
            for item, outcome in zip(claimed, outcomes, strict=True)
        )
        if healthy:
            WebhookEndpoint.objects.filter(pk__in=healthy).exclude(failing_since=None).update(
                failing_since=None
            )
        failing = {pk: detail for pk, detail in failing.items() if pk not in healthy}
        return _endpoints_disable_failing(failing, now=now) if failing else 0


def _endpoints_disable_failing(failing: dict[int, str], *, now: datetime) -> int:
    """Start the failure clock of newly failing endpoints; disable those failing for DISABLE_AFTER."""
    WebhookEndpoint.objects.filter(pk__in=failing, failing_since=None).update(failing_since=now)
    disabled = 0
    for endpoint in WebhookEndpoint.objects.filter(
        pk__in=failing, is_active=True, failing_since__lte=now - DISABLE_AFTER
    ).only("pk", "url", "failing_since"):
        reason = (
            f"Every delivery failed for {_hours(now - endpoint.failing_since)}; last: {failing[endpoint.pk]}"
        )
        # Conditional, so two deliverers disabling it at once record one event.
        if not WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_reason=reason[:300], updated_at=now
        ):
            continue
        disabled += 1
        logger.error(
            "Disabled webhook endpoint %s (%s): %s", endpoint.pk, url_host_label(endpoint.url), reason
        )
        events_record(
            events=[
                EventDraft(
                    type=EventType.WEBHOOK_ENDPOINT_DISABLED,
                    data=event_data(
                        endpoint_id=endpoint.pk,
                        endpoint=url_host_label(endpoint.url),
                        admin_url=admin_url("admin:notifications_webhookendpoint_change", endpoint.pk),
                        failing_since=iso_utc(endpoint.failing_since),
                        status="DISABLED",
                        error_message=failing[endpoint.pk],
                    ),
                )
            ]
        )
    return disabled


def _hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:.0f} hours"


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _redact(text: str, secret: str) -> str:
    for form in (secret, secret.removeprefix("whsec_")):
        if form:
            text = text.replace(form, "[redacted]")
    return text


def webhook_deliveries_retry_now(*, delivery_ids: list[int]) -> int:
    """Make deliveries due at once (a failed test send too); delivered ones stay delivered."""
    return (
        WebhookDelivery.objects.filter(pk__in=delivery_ids)
        .exclude(status=DeliveryStatus.DELIVERED)
        .update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())
    )
