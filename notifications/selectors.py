"""Reads: who is emailed about which events; how a post's accounts ended."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.db.models.functions import Lower

from .models import DEFAULT_EMAIL_TYPES
from .models import EMAILABLE_TYPES
from .models import EmailNotification
from .models import Event
from .models import EventType
from .models import WebhookDelivery
from .models import WebhookEndpoint

ACCOUNT_TYPES = {EventType.ACCOUNT_NEEDS_RECONNECT, EventType.ACCOUNT_TOKEN_EXPIRING}


def operator_addresses() -> list[str]:
    """NOTIFY_EMAIL_TO: the people told about everything (filtered by their own preferences, if users)."""
    return [address.strip() for address in settings.NOTIFY_EMAIL_TO if address.strip()]


def email_recipients(*, events: Sequence[Event]) -> dict[uuid.UUID, list[str]]:
    """For each event, the addresses to email: NOTIFY_EMAIL_TO plus the person it concerns (the post's
    author, the account's owner, whoever added a disabled webhook endpoint), each filtered by that
    person's notification preferences. Three queries whatever the number of events."""
    concerned = _concerned_people(events)
    candidates: dict[uuid.UUID, list[str]] = {}
    for event in events:
        if event.type not in EMAILABLE_TYPES:
            continue
        candidates[event.id] = _unique([*operator_addresses(), *concerned.get(event.id, [])])
    wanted = _wanted_types([address for addresses in candidates.values() for address in addresses])
    types = {event.id: event.type for event in events}
    return {
        event_id: [address for address in addresses if types[event_id] in wanted[address.lower()]]
        for event_id, addresses in candidates.items()
    }


def _concerned_people(events: Sequence[Event]) -> dict[uuid.UUID, list[str]]:
    from calendar_app.models import ScheduledPost
    from social.models import SocialAccount

    post_ids = {event.post_id for event in events if event.post_id and event.type.startswith("post")}
    account_ids = {event.account_id for event in events if event.account_id and event.type in ACCOUNT_TYPES}
    endpoint_ids = {
        event.data.get("endpoint_id")
        for event in events
        if event.type == EventType.WEBHOOK_ENDPOINT_DISABLED and event.data.get("endpoint_id")
    }
    # Only active people with an address; never a row with tokens loaded.
    authors = _emails(ScheduledPost.objects.filter(pk__in=post_ids), "created_by") if post_ids else {}
    owners = _emails(SocialAccount.objects.filter(pk__in=account_ids), "owner") if account_ids else {}
    adders = (
        _emails(WebhookEndpoint.objects.filter(pk__in=endpoint_ids), "created_by") if endpoint_ids else {}
    )
    people: dict[uuid.UUID, list[str]] = defaultdict(list)
    for event in events:
        if event.type.startswith("post") and event.post_id in authors:
            people[event.id].append(authors[event.post_id])
        elif event.type in ACCOUNT_TYPES and event.account_id in owners:
            people[event.id].append(owners[event.account_id])
        elif event.type == EventType.WEBHOOK_ENDPOINT_DISABLED and event.data.get("endpoint_id") in adders:
            people[event.id].append(adders[event.data["endpoint_id"]])
    return people


def _emails(queryset, user_field: str) -> dict[int, str]:
    rows = queryset.filter(**{f"{user_field}__is_active": True}).exclude(**{f"{user_field}__email": ""})
    return dict(rows.values_list("pk", f"{user_field}__email"))


def _wanted_types(addresses: Iterable[str]) -> dict[str, set[str]]:
    """Per lower-cased address, the event types to email it: its users' preferences, else the defaults."""
    lowered = {address.lower() for address in addresses}
    wanted: dict[str, set[str]] = {}
    rows = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=lowered)
        .values_list("email_lower", "notification_preference__email_events")
    )
    for email, chosen in rows:
        # Several users may share an address: it gets what any of them asked for.
        wanted.setdefault(email, set()).update(DEFAULT_EMAIL_TYPES if chosen is None else chosen)
    for address in lowered:
        wanted.setdefault(address, {str(event_type) for event_type in DEFAULT_EMAIL_TYPES})
    return wanted


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def post_account_results(*, post_id: int) -> list:
    """How each account of a post ended, for its event: one query, no token loaded. For a caller that
    does not hold the results in memory (the publisher's finalize, inside its transaction)."""
    from calendar_app.models import ScheduledPostAccount

    from .services.events import AccountResult  # services read through this module: import when called

    rows = (
        ScheduledPostAccount.objects.filter(post_id=post_id)
        .order_by("pk")
        .values_list(
            "account_id",
            "account__platform",
            "account__name",
            "status",
            "error_kind",
            "error_message",
            "platform_post_url",
        )
    )
    return [AccountResult(*row) for row in rows]


def post_events(*, post_id: int, limit: int = 50) -> list[Event]:
    """A post's latest events, newest first, each with its webhook deliveries (their endpoint's URL, never
    its secret) and its emails: three queries however many there are."""
    return list(
        Event.objects.filter(post_id=post_id)
        .order_by("-created_at", "-pk")
        .prefetch_related(
            Prefetch(
                "webhook_deliveries",
                queryset=WebhookDelivery.objects.select_related("endpoint")
                .only(
                    "event_id",
                    "status",
                    "attempt_count",
                    "next_attempt_at",
                    "response_status",
                    "last_error",
                    "delivered_at",
                    "endpoint__url",
                )
                .order_by("endpoint__url", "pk"),
            ),
            Prefetch("email_notifications", queryset=EmailNotification.objects.order_by("recipient", "pk")),
        )[:limit]
    )
