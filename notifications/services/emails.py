"""Sending notification emails through Django's mail API (EMAIL_URL), one email per person per run.

Rows are claimed under a lease like webhook deliveries. The notifications of one recipient and one group
(a publisher run) claimed together become one email. A run's rows wait ``email_group_wait()`` for the rest
of the run, unless the run passes its ``group_key`` when it delivers after its work.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import mailers
from django.db.models import F
from django.db.models import Q
from django.utils import timezone

from calendar_app.rules import retry_delay_seconds

from ..messages import notification_email
from ..models import DeliveryStatus
from ..models import EmailNotification
from .claims import deliveries_claim

logger = logging.getLogger(__name__)

BATCH = 100
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
GIVE_UP_AFTER = timedelta(hours=24)
MIN_SECONDS_PER_EMAIL = 0.25
LEASE_MARGIN_SECONDS = 60


@dataclass
class EmailFigures:
    sent: int = 0  # emails (a grouped one counts once)
    failed: int = 0
    out_of_time: bool = False


def emails_send(*, deadline: float, flush_group_key: str | None = None) -> EmailFigures:
    """Send due notification emails until none is due or ``deadline`` (time.monotonic()) comes."""
    figures = EmailFigures()
    while deadline - time.monotonic() > MIN_SECONDS_PER_EMAIL:
        claimed = _claim(flush_group_key=flush_group_key, deadline=deadline)
        if not claimed:
            break
        if not _send_claimed(claimed, deadline=deadline, figures=figures):
            break
    else:
        figures.out_of_time = True
    return figures


def _claim(*, flush_group_key: str | None, deadline: float) -> list[EmailNotification]:
    now = timezone.now()
    due = Q(next_attempt_at__lte=now)
    if flush_group_key:
        due |= Q(group_key=flush_group_key)
    lease = deadline - time.monotonic() + LEASE_MARGIN_SECONDS
    ids = deliveries_claim(
        EmailNotification.objects.filter(due, status=DeliveryStatus.PENDING),
        order_by=("recipient", "group_key", "created_at", "pk"),
        limit=BATCH,
        lease_until=now + timedelta(seconds=lease),
    )
    if not ids:
        return []
    return list(
        EmailNotification.objects.filter(pk__in=ids)
        .select_related("event")
        .order_by("recipient", "group_key", "event__created_at", "pk")
    )


def _send_claimed(claimed: list[EmailNotification], *, deadline: float, figures: EmailFigures) -> bool:
    """Send the claimed rows as grouped emails; False when the mail server cannot be reached."""
    groups: dict[tuple[str, str], list[EmailNotification]] = defaultdict(list)
    for row in claimed:
        groups[(row.recipient.lower(), row.group_key or f"event:{row.event_id}")].append(row)
    connection = mailers.default
    if hasattr(connection, "timeout"):  # SMTP: no single wait may outlive the budget
        connection.timeout = max(0.1, min(connection.timeout or 10, deadline - time.monotonic()))
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("Cannot reach the mail server (%s); %s emails wait", _describe(exc), len(groups))
        _record_failures(claimed, _describe(exc), permanent=False)
        figures.failed += len(groups)
        return False
    try:
        pending = list(groups.values())
        for position, rows in enumerate(pending):
            if deadline - time.monotonic() <= MIN_SECONDS_PER_EMAIL:
                _release([row for later in pending[position:] for row in later])
                break
            message = notification_email(recipient=rows[0].recipient, events=[row.event for row in rows])
            try:
                connection.send_messages([message])
            except smtplib.SMTPRecipientsRefused as exc:
                _record_failures(rows, _describe(exc), permanent=True)
                figures.failed += 1
            except (OSError, smtplib.SMTPException) as exc:
                _record_failures(rows, _describe(exc), permanent=False)
                figures.failed += 1
            else:
                EmailNotification.objects.filter(
                    pk__in=[row.pk for row in rows], status=DeliveryStatus.PENDING
                ).update(status=DeliveryStatus.DELIVERED, sent_at=timezone.now(), last_error="")
                figures.sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()
    return True


def _record_failures(rows: list[EmailNotification], reason: str, *, permanent: bool) -> None:
    now = timezone.now()
    for row in rows:
        held = EmailNotification.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING)
        if permanent or row.created_at <= now - GIVE_UP_AFTER:
            held.update(status=DeliveryStatus.FAILED, last_error=reason[:300])
            logger.error("Gave up emailing %s about event %s: %s", row.recipient, row.event_id, reason)
            continue
        delay = retry_delay_seconds(
            retry_count=row.attempt_count - 1, base_seconds=RETRY_BASE_SECONDS, max_seconds=RETRY_MAX_SECONDS
        )
        held.update(next_attempt_at=now + timedelta(seconds=delay), last_error=reason[:300])


def _release(rows: list[EmailNotification]) -> None:
    """Claimed but not tried (out of time): due again at once, the attempt not counted."""
    EmailNotification.objects.filter(pk__in=[row.pk for row in rows], status=DeliveryStatus.PENDING).update(
        attempt_count=F("attempt_count") - 1, next_attempt_at=timezone.now()
    )


def _describe(exc: BaseException) -> str:
    # SMTP replies are safe to keep; str() of other errors may echo the server's address only.
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}: {exc.smtp_error.decode(errors='replace')}"[:300]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the recipient"
    if isinstance(exc, TimeoutError):
        return "the mail server did not answer in time"
    return f"{type(exc).__name__}: {exc}"[:300]
