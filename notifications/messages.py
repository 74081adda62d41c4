"""What an email says: each event in plain words, with the link to act on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from social.models import Platform

from .models import Event
from .models import EventType

# Why an account failed, for a person: what happened and what to do. Keys are the publisher's error kinds.
PLAIN_REASONS = {
    "TRANSIENT": "The platform was unavailable or rate-limited the account, and every retry failed too.",
    "AUTH": "The platform no longer accepts the account's login. Reconnect the account, then retry the post.",
    "INVALID": "The platform refused the post itself (for example text too long, or media it does not "
    "accept). Edit the post and schedule it again.",
    "UNKNOWN": "The platform did not confirm whether the post went out. Check the account on the platform "
    "before retrying, so it is not published twice.",
    "MISSED": "The publisher did not run in time, so the post was not sent late. Reschedule it if it is "
    "still wanted.",
}


def plain_reason(error_kind: str | None) -> str:
    return PLAIN_REASONS.get(error_kind or "", "The platform refused it.")


def platform_name(platform: str | None) -> str:
    try:
        return Platform(platform).label
    except ValueError:
        return (platform or "").title()


@dataclass(frozen=True)
class Notice:
    """One event as a person reads it: a headline, lines of detail and the link to act on it."""

    headline: str
    lines: list[str]
    link: str


def notice_for(event: Event) -> Notice:
    data = event.data
    link = data.get("admin_url") or ""
    post = _post_label(data)
    kind = event.type
    if kind in (EventType.POST_FAILED, EventType.POST_PARTIALLY_PUBLISHED, EventType.POST_PUBLISHED):
        headline = {
            EventType.POST_FAILED: f"{post} was not published",
            EventType.POST_PARTIALLY_PUBLISHED: f"{post} was published on some accounts only",
            EventType.POST_PUBLISHED: f"{post} was published",
        }[kind]
        lines = [_scheduled_line(data), *(_account_line(account) for account in data.get("accounts") or [])]
        return Notice(headline, [line for line in lines if line], link)
    if kind == EventType.POST_ACCOUNT_NEEDS_REVIEW:
        headline = f"{post} may or may not be on {_account_label(data)}"
        lines = [
            _scheduled_line(data),
            plain_reason("UNKNOWN"),
            "Open the post and use Review… to record what you find.",
        ]
        return Notice(headline, [line for line in lines if line], link)
    if kind == EventType.ACCOUNT_NEEDS_RECONNECT:
        lines = [plain_reason("AUTH")]
        if data.get("error_message"):
            lines.append(f"The platform said: {data['error_message']}")
        lines.append(f"Reconnect it here: {data.get('reconnect_url') or link}")
        return Notice(f"{_account_label(data)} needs reconnecting", lines, link)
    if kind == EventType.ACCOUNT_TOKEN_EXPIRING:
        expires = _when(data.get("token_expires_at"), "UTC")
        lines = [
            f"Its access expires on {expires} and the platform offers no way to renew it automatically.",
            f"Reconnect it before then, or its posts will fail: {data.get('reconnect_url') or link}",
        ]
        return Notice(f"{_account_label(data)} must be reconnected by {expires}", lines, link)
    if kind == EventType.WEBHOOK_ENDPOINT_DISABLED:
        lines = [
            "Every delivery to it failed for 24 hours, so it was disabled; events since then are not sent.",
            f"Last error: {data.get('error_message') or 'unknown'}",
            "Fix the receiver, send a test event from its page, then enable it again.",
        ]
        return Notice(f"Webhook endpoint {data.get('endpoint')} was disabled", lines, link)
    if kind == EventType.PUBLISHER_STALLED:
        minutes = round((data.get("oldest_due_seconds") or 0) / 60)
        last = _when(data.get("last_run_finished_at"), "UTC") if data.get("last_run_finished_at") else "never"
        lines = [
            f"{data.get('due_unsent')} due {'post is' if data.get('due_unsent') == 1 else 'posts are'} "
            f"waiting, the oldest for {minutes} minutes.",
            f"The last publisher run finished: {last}. Check that cron (or the --watch process) runs "
            "manage.py publish_due_posts, and its log.",
        ]
        return Notice("The publisher has stopped: posts are not going out", lines, link)
    if kind == EventType.PUBLISHER_RECOVERED:
        return Notice("The publisher is running again", ["Due posts are being published again."], link)
    message = data.get("message") or data.get("error_message") or ""
    return Notice(f"{event.get_type_display()}", [message] if message else [], link)


def notification_email(*, recipient: str, events: Sequence[Event]) -> EmailMessage:
    """One email to ``recipient`` about ``events`` (one event, or the events of one publisher run)."""
    notices = [notice_for(event) for event in events]
    if len(notices) == 1:
        subject = notices[0].headline
    else:
        subject = f"{len(notices)} publishing problems need your attention"
        if all(event.type == EventType.POST_PUBLISHED for event in events):
            subject = f"{len(notices)} posts were published"
    body = render_to_string("notifications/email/notification.txt", {"notices": notices})
    return EmailMessage(
        subject=f"[Scheduler] {subject}"[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )


def _post_label(data: dict[str, Any]) -> str:
    excerpt = data.get("post_excerpt")
    return f'Post {data.get("post_id")} ("{excerpt}")' if excerpt else f"Post {data.get('post_id')}"


def _account_label(data: dict[str, Any]) -> str:
    return f"{platform_name(data.get('platform'))} account {data.get('account_name')}"


def _account_line(account: dict[str, Any]) -> str:
    label = f"{platform_name(account.get('platform'))} ({account.get('account_name')})"
    status = account.get("status")
    if status == "PUBLISHED":
        url = account.get("platform_post_url")
        return f"- {label}: published" + (f" at {url}" if url else "")
    if status == "NEEDS_REVIEW":
        return f"- {label}: outcome unknown. {plain_reason('UNKNOWN')}"
    line = f"- {label}: failed. {plain_reason(account.get('error_kind'))}"
    if account.get("error_message"):
        line += f"\n  The platform said: {account['error_message']}"
    return line


def _scheduled_line(data: dict[str, Any]) -> str:
    if not data.get("scheduled_at"):
        return ""
    return f"Scheduled for {_when(data['scheduled_at'], data.get('timezone') or 'UTC')}."


def _when(iso_value: str | None, zone_name: str) -> str:
    """An ISO time in the author's zone, with the zone's abbreviation."""
    if not iso_value:
        return "an unknown time"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = datetime.fromisoformat(iso_value.replace("Z", "+00:00")).astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
