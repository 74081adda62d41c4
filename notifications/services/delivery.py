"""Delivering what the outbox holds, within a time budget: the one call after each publisher run."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError

from .emails import emails_send
from .fan_out import events_fan_out
from .tokens import account_tokens_scan_expiring
from .webhooks import webhooks_deliver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    events: int  # events fanned out to their deliveries and emails
    webhooks_delivered: int
    webhooks_failed: int  # attempts that failed; each is retried later
    endpoints_disabled: int
    emails_sent: int
    emails_failed: int
    out_of_time: bool  # the budget ran out with work left

    def line(self) -> str:
        text = (
            f"Delivered {self.webhooks_delivered} webhooks ({self.webhooks_failed} failed, retried later) "
            f"and sent {self.emails_sent} emails ({self.emails_failed} failed) for {self.events} new events"
        )
        if self.endpoints_disabled:
            text += f"; disabled {self.endpoints_disabled} failing endpoints"
        if self.out_of_time:
            text += "; the time budget ran out, the rest goes next time"
        return text + "."


def notifications_deliver(
    *, max_seconds: float | None = None, group_key: str | None = None
) -> DeliveryReport:
    """Fan out new events, send due emails, then deliver due webhooks, all within ``max_seconds``
    (default NOTIFY_DELIVERY_MAX_SECONDS), so a slow receiver never delays the next publisher run.

    ``group_key``: the publisher run that just ended; its emails go now instead of waiting for the
    rest of the run. Safe to run any number of times at once.
    """
    budget = settings.NOTIFY_DELIVERY_MAX_SECONDS if max_seconds is None else max_seconds
    deadline = time.monotonic() + budget
    events = 0
    while time.monotonic() < deadline:
        fanned = events_fan_out()
        events += fanned
        if not fanned:
            break
    emails = emails_send(deadline=deadline, flush_group_key=group_key)
    webhooks = webhooks_deliver(deadline=deadline)
    return DeliveryReport(
        events=events,
        webhooks_delivered=webhooks.delivered,
        webhooks_failed=webhooks.failed,
        endpoints_disabled=webhooks.endpoints_disabled,
        emails_sent=emails.sent,
        emails_failed=emails.failed,
        out_of_time=emails.out_of_time or webhooks.out_of_time,
    )


def notifications_after_run(
    *, group_key: str | None, max_seconds: float | None = None
) -> DeliveryReport | None:
    """What a publisher run (or a --watch iteration) calls once its own work is recorded: the token
    warnings, then a delivery pass that sends the run's emails at once. Never raises: a broken mail
    server or receiver must not fail a publisher run; it is logged and the next run tries again."""
    try:
        account_tokens_scan_expiring()
        return notifications_deliver(max_seconds=max_seconds, group_key=group_key)
    except (OperationalError, InterfaceError) as exc:  # the database is away: one line, not a traceback
        text = str(exc).strip()
        logger.warning(
            "Delivering notifications failed (%s); the next run tries again",
            text.splitlines()[0] if text else type(exc).__name__,
        )
        return None
    except Exception:
        logger.exception("Delivering notifications failed; the next run tries again")
        return None
