"""Writes to webhook endpoints: creation with a fresh secret, changes, rotation, enabling and disabling."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import SUBSCRIBABLE_TYPES
from ..models import DeliveryStatus
from ..models import WebhookDelivery
from ..models import WebhookEndpoint
from ..transport import WebhookRefused
from ..transport import webhook_target

SECRET_BYTES = 32


def webhook_secret_generate() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def webhook_url_validate(url: str) -> None:
    """Raise ValidationError when ``url`` may not receive webhooks (looked up now; checked again at
    every delivery, since its addresses can change)."""
    try:
        webhook_target(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
    except WebhookRefused as exc:
        raise ValidationError(f"This address cannot receive webhooks: {exc}.", code="webhook_url") from None


def webhook_events_validate(events: Sequence[str]) -> list[str]:
    unknown = sorted(set(events) - set(SUBSCRIBABLE_TYPES))
    if unknown:
        raise ValidationError(f"Unknown event types: {', '.join(unknown)}.", code="webhook_events")
    if not events:
        raise ValidationError("Choose at least one event type.", code="webhook_events")
    return [str(event_type) for event_type in SUBSCRIBABLE_TYPES if event_type in set(events)]


def webhook_endpoint_create(
    *, url: str, events: Sequence[str], description: str = "", created_by: AbstractBaseUser | None = None
) -> WebhookEndpoint:
    """A new active endpoint with a fresh secret. Its ``secret`` attribute is the one moment the secret
    is readable for showing it; it is stored encrypted."""
    webhook_url_validate(url)
    endpoint = WebhookEndpoint(
        url=url,
        events=webhook_events_validate(events),
        description=description,
        created_by=created_by,
        secret=webhook_secret_generate(),
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def webhook_endpoint_update(
    *, endpoint_id: int, url: str, events: Sequence[str], description: str
) -> WebhookEndpoint:
    """Change where an endpoint is and what it receives, checked as at creation; the secret stays."""
    webhook_url_validate(url)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.url = url
        endpoint.events = webhook_events_validate(events)
        endpoint.description = description
        endpoint.full_clean()
        endpoint.save(update_fields=["url", "events", "description", "updated_at"])
    return endpoint


def webhook_endpoint_rotate_secret(*, endpoint_id: int) -> WebhookEndpoint:
    """Replace the secret (the old one stops verifying at once); returns the endpoint with the new one."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.secret = webhook_secret_generate()
        endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def webhook_endpoint_set_active(*, endpoint_id: int, active: bool) -> bool:
    """Enable or disable an endpoint; returns whether it changed. Enabling forgets its failures and
    makes the deliveries it still owes due at once."""
    now = timezone.now()
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=not active).update(
            is_active=active,
            failing_since=None,
            disabled_reason="" if active else "Disabled by a person.",
            updated_at=now,
        )
        if changed and active:
            WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING).update(
                next_attempt_at=now
            )
    return bool(changed)
