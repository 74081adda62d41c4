"""Recording events in the outbox, inside the transaction of the change that causes them.

``events_record`` is the only writer: one INSERT for any number of events, nothing read, nothing else
written. Who receives an event is worked out later by the deliverer (``fan_out.py``), so a publisher that
records thousands of events a minute pays one INSERT per finalize.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db import connections
from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils import timezone

from ..models import Event
from ..models import EventType

if TYPE_CHECKING:
    from calendar_app.models import ScheduledPost
    from social.models import SocialAccount

MAX_MESSAGE_CHARS = 500
EXCERPT_CHARS = 80

# A post's final status -> the event it emits. A post going back to SCHEDULED for a retry emits none.
POST_STATUS_EVENTS = {
    "PUBLISHED": EventType.POST_PUBLISHED,
    "PARTIALLY_PUBLISHED": EventType.POST_PARTIALLY_PUBLISHED,
    "FAILED": EventType.POST_FAILED,
}


class NotInTransaction(RuntimeError):
    """An event recorded outside a transaction could outlive a change that rolls back."""


@dataclass(frozen=True)
class EventDraft:
    """An event to record. ``data`` is the webhook body's ``data``: names and ids, never a token."""

    type: str
    data: Mapping[str, Any]
    post_id: int | None = None
    account_id: int | None = None
    group_key: str | None = None
    dedup_key: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class AccountResult:
    """Where one post account ended, as the publisher knows it when it finalizes (no query needed)."""

    account_id: int
    platform: str
    account_name: str
    status: str
    error_kind: str = ""
    error_message: str = ""
    platform_post_url: str = ""


def events_record(*, events: Sequence[EventDraft], using: str = DEFAULT_DB_ALIAS) -> list[Event]:
    """Write ``events`` in ONE INSERT, in the caller's transaction (raises NotInTransaction outside one).

    An event whose ``dedup_key`` was already recorded is skipped, without breaking the transaction.
    """
    if not events:
        return []
    if not connections[using].in_atomic_block:
        raise NotInTransaction(
            "events_record() must run inside the transaction.atomic() block of the change that causes them"
        )
    now = timezone.now()
    rows = [
        Event(
            id=draft.id,
            type=str(draft.type),
            created_at=now,
            data=dict(draft.data),
            post_id=draft.post_id,
            account_id=draft.account_id,
            group_key=draft.group_key or "",
            dedup_key=draft.dedup_key,
        )
        for draft in events
    ]
    # ignore_conflicts only matters for dedup_key; ids are fresh UUIDs.
    Event.objects.using(using).bulk_create(rows, ignore_conflicts=any(draft.dedup_key for draft in events))
    return rows


def event_record(
    *,
    type: str,
    data: Mapping[str, Any],
    post_id: int | None = None,
    account_id: int | None = None,
    group_key: str | None = None,
    dedup_key: str | None = None,
) -> Event:
    """Record one event; see ``events_record``."""
    draft = EventDraft(
        type=type,
        data=data,
        post_id=post_id,
        account_id=account_id,
        group_key=group_key,
        dedup_key=dedup_key,
    )
    return events_record(events=[draft])[0]


# --- what each event says (its `data`) -----------------------------------------------------------------


def absolute_url(path: str) -> str:
    """SITE_URL + path; the bare path when SITE_URL is unset (a system check warns about that)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def admin_url(name: str, *args: Any) -> str:
    try:
        return absolute_url(reverse(name, args=args))
    except NoReverseMatch:  # the admin is not installed: there is no page to link to
        return ""


def event_data(**values: Any) -> dict[str, Any]:
    """Every event's ``data`` has the contract's keys, None where they do not apply."""
    base = dict.fromkeys(
        ("post_id", "admin_url", "platform", "account_name", "status", "error_kind", "error_message")
    )
    base.update(values)
    if base["error_message"]:
        base["error_message"] = str(base["error_message"])[:MAX_MESSAGE_CHARS]
    base["error_kind"] = base["error_kind"] or None
    base["error_message"] = base["error_message"] or None
    return base


def _account_entry(result: AccountResult) -> dict[str, Any]:
    return {
        "account_id": result.account_id,
        "platform": result.platform,
        "account_name": result.account_name,
        "status": result.status,
        "error_kind": result.error_kind or None,
        "error_message": (result.error_message or "")[:MAX_MESSAGE_CHARS] or None,
        "platform_post_url": result.platform_post_url or None,
    }


def _post_facts(post: ScheduledPost) -> dict[str, Any]:
    text = " ".join((post.content or "").split())
    return {
        "post_id": post.pk,
        "admin_url": admin_url("admin:calendar_app_scheduledpost_change", post.pk),
        "post_excerpt": text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else ""),
        "scheduled_at": iso_utc(post.scheduled_at),
        "timezone": post.timezone,
    }


def post_finalized_event(
    *,
    post: ScheduledPost,
    status: str,
    accounts: Sequence[AccountResult],
    group_key: str | None = None,
) -> EventDraft | None:
    """The event of a post that ended in ``status`` (None for a status that is not an end).

    The top-level account fields name the account that explains the status: the first one not published
    (for a published post, the first one); ``accounts`` lists every account.
    """
    event_type = POST_STATUS_EVENTS.get(str(status))
    if event_type is None:
        return None
    explaining = next((a for a in accounts if a.status != "PUBLISHED"), accounts[0] if accounts else None)
    return EventDraft(
        type=event_type,
        post_id=post.pk,
        account_id=explaining.account_id if explaining else None,
        group_key=group_key,
        data=event_data(
            **_post_facts(post),
            status=str(status),
            platform=explaining.platform if explaining else None,
            account_name=explaining.account_name if explaining else None,
            error_kind=explaining.error_kind if explaining else None,
            error_message=explaining.error_message if explaining else None,
            accounts=[_account_entry(result) for result in accounts],
        ),
    )


def post_account_needs_review_event(
    *, post: ScheduledPost, account: AccountResult, group_key: str | None = None
) -> EventDraft:
    """A post's account whose outcome is unknown and cannot be reconciled: a person must check."""
    return EventDraft(
        type=EventType.POST_ACCOUNT_NEEDS_REVIEW,
        post_id=post.pk,
        account_id=account.account_id,
        group_key=group_key,
        data=event_data(
            **_post_facts(post),
            status=account.status,
            platform=account.platform,
            account_name=account.account_name,
            error_kind=account.error_kind,
            error_message=account.error_message,
            accounts=[_account_entry(account)],
        ),
    )


def _account_facts(account: SocialAccount) -> dict[str, Any]:
    return {
        "account_id": account.pk,
        "admin_url": admin_url("admin:social_socialaccount_change", account.pk),
        "reconnect_url": absolute_url(f"/social/connect/{account.platform.lower()}/"),
        "platform": account.platform,
        "account_name": account.name,
        "status": account.status,
    }


def account_needs_reconnect_event(
    *, account: SocialAccount, reason: str, group_key: str | None = None
) -> EventDraft:
    """An account the platform no longer accepts: only a person reconnecting it can fix that.

    ``reason`` is shown to people; callers pass messages that never carry a token.
    """
    return EventDraft(
        type=EventType.ACCOUNT_NEEDS_RECONNECT,
        account_id=account.pk,
        group_key=group_key,
        data=event_data(**_account_facts(account), error_kind="AUTH", error_message=reason),
    )


def account_token_expiring_event(
    *, account: SocialAccount, expires_at: datetime, warning: str, dedup_key: str
) -> EventDraft:
    """A token that cannot be refreshed expires soon (``warning``: "7d" or "1d" before)."""
    return EventDraft(
        type=EventType.ACCOUNT_TOKEN_EXPIRING,
        account_id=account.pk,
        dedup_key=dedup_key,
        data=event_data(**_account_facts(account), token_expires_at=iso_utc(expires_at), warning=warning),
    )


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def publisher_stalled_event(
    *, due_unsent: int, oldest_due_seconds: float, last_run_finished_at: datetime | None
) -> EventDraft:
    """Due posts are not being published. Once per stall: the key is the last run that finished, so any
    number of web processes and ``check_publisher`` runs noticing the same stall record one event."""
    since = iso_utc(last_run_finished_at) or "never"
    return EventDraft(
        type=EventType.PUBLISHER_STALLED,
        dedup_key=f"publisher.stalled:{since}",
        data=event_data(
            admin_url=admin_url("admin:index"),
            status="stalled",
            due_unsent=due_unsent,
            oldest_due_seconds=round(oldest_due_seconds),
            last_run_finished_at=iso_utc(last_run_finished_at),
        ),
    )


def publisher_recovered_event(*, stalled_since_run_finished_at: datetime | None) -> EventDraft:
    """Runs finish again after the stall keyed by ``stalled_since_run_finished_at``; once per stall."""
    since = iso_utc(stalled_since_run_finished_at) or "never"
    return EventDraft(
        type=EventType.PUBLISHER_RECOVERED,
        dedup_key=f"publisher.recovered:{since}",
        data=event_data(admin_url=admin_url("admin:index"), status="ok", stalled_since=since),
    )
