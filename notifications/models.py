"""The outbox of events and what is delivered from it: webhooks and emails.

An ``Event`` is written in the same transaction as the state change that causes it, as one INSERT and
nothing else, so the publisher's cost stays tiny. Working out who gets it (``WebhookDelivery`` per
subscribed endpoint, ``EmailNotification`` per recipient) happens later, when notifications are delivered.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from social.fields import EncryptedTextField


class EventType(models.TextChoices):
    """The event names integrators rely on; never rename one."""

    POST_PUBLISHED = "post.published", "Post published"
    POST_PARTIALLY_PUBLISHED = "post.partially_published", "Post partially published"
    POST_FAILED = "post.failed", "Post failed"
    POST_ACCOUNT_NEEDS_REVIEW = "post_account.needs_review", "Post account needs review"
    ACCOUNT_NEEDS_RECONNECT = "account.needs_reconnect", "Account needs reconnecting"
    ACCOUNT_TOKEN_EXPIRING = "account.token_expiring", "Account token expiring"
    PUBLISHER_STALLED = "publisher.stalled", "Publisher stalled"
    PUBLISHER_RECOVERED = "publisher.recovered", "Publisher recovered"
    # Ours, for operators: emailed, never sent to a webhook endpoint's subscriptions.
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled", "Webhook endpoint disabled"
    WEBHOOK_TEST = "webhook.test", "Webhook test"


# What an endpoint can subscribe to (the contract's types); the others are internal.
SUBSCRIBABLE_TYPES = [
    EventType.POST_PUBLISHED,
    EventType.POST_PARTIALLY_PUBLISHED,
    EventType.POST_FAILED,
    EventType.POST_ACCOUNT_NEEDS_REVIEW,
    EventType.ACCOUNT_NEEDS_RECONNECT,
    EventType.ACCOUNT_TOKEN_EXPIRING,
    EventType.PUBLISHER_STALLED,
    EventType.PUBLISHER_RECOVERED,
]
# What a person is emailed unless they choose otherwise: everything that needs attention. A success
# email per post would bury those.
DEFAULT_EMAIL_TYPES = [
    *(event_type for event_type in SUBSCRIBABLE_TYPES if event_type != EventType.POST_PUBLISHED),
    EventType.WEBHOOK_ENDPOINT_DISABLED,
]
EMAILABLE_TYPES = [*SUBSCRIBABLE_TYPES, EventType.WEBHOOK_ENDPOINT_DISABLED]


def _unconstrained_link(to: str) -> models.ForeignKey:
    """An event's optional link to what it is about, kept when that is deleted (``data`` keeps its ids)."""
    return models.ForeignKey(
        to,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="notification_events",
    )


class Event(models.Model):
    """Something that happened that people or integrators are told about (the outbox row)."""

    # The stable id: the `webhook-id` of every delivery of this event, retries included.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # The `data` of the webhook body: names and ids, never a token.
    data = models.JSONField(default=dict)
    # No database constraint on these two: an outbox INSERT must never wait for a lock, and an account
    # row is locked across a token refresh's HTTP call. The event outlives its post (`data` keeps ids).
    post = _unconstrained_link("calendar_app.ScheduledPost")
    account = _unconstrained_link("social.SocialAccount")
    # Events sharing a key (one publisher run) are emailed to a person together.
    group_key = models.CharField(max_length=64, blank=True, default="")
    # Makes an event happen once however many runs record it (a token's 7-day warning). NULL, not "",
    # for "no key": unique constraints let any number of NULLs through.
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # When its deliveries and emails were created; NULL = not yet (done by the deliverer, not the writer).
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], name="event_not_fanned_out_idx", condition=Q(fanned_out_at=None)
            ),
            # The publisher's health looks up its last stall or recovery among every event there is.
            models.Index(
                fields=["-created_at", "-type"],
                name="event_publisher_health_idx",
                condition=Q(type__in=["publisher.stalled", "publisher.recovered"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    DELIVERED = "DELIVERED", "Delivered"
    FAILED = "FAILED", "Failed"


class WebhookEndpoint(models.Model):
    """A URL that receives the events it subscribes to, signed per Standard Webhooks."""

    url = models.URLField("URL", max_length=2000)
    # `whsec_` + base64, generated by us, shown once; encrypted at rest like the tokens.
    secret = EncryptedTextField(editable=False)
    events = models.JSONField(default=list, help_text="The event types this endpoint receives.")
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    # The first failure of the current run of failures; reset by a success. 24 h of it disables.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="webhook_endpoints",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.pk} {self.url}>"  # never the secret

    def receives(self, event_type: str) -> bool:
        return event_type in (self.events or [])


class QueuedDelivery(models.Model):
    """What a webhook delivery and an email share: retried with backoff until done, under a lease."""

    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    # When it is next tried; while an attempt is in flight, when that attempt's lease runs out.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="%(class)s_due_idx", condition=Q(status="PENDING")),
        ]


class WebhookDelivery(QueuedDelivery):
    """One event to one endpoint."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhook_deliveries")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta(QueuedDelivery.Meta):
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_endpoint_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.endpoint}"


class WebhookDeliveryAttempt(models.Model):
    """One POST to an endpoint: what it answered or why it failed."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The start of the receiver's answer, or why there was none.
    detail = models.CharField(max_length=300, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.response_status or 'no answer'} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class EmailNotification(QueuedDelivery):
    """One event for one recipient; a person's notifications of one run go out as one email."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="email_notifications")
    recipient = models.EmailField()
    group_key = models.CharField(max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(QueuedDelivery.Meta):
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="email_notification_event_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.recipient}"


def default_email_types() -> list[str]:
    return [str(event_type) for event_type in DEFAULT_EMAIL_TYPES]


class NotificationPreference(models.Model):
    """Which events a person is emailed about; without a row, ``DEFAULT_EMAIL_TYPES``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_events = models.JSONField(default=default_email_types, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"

    def wants_email(self, event_type: str) -> bool:
        return event_type in (self.email_events or [])
