"""How the network misbehaves when asked to: the fault an account meets (chosen in the admin) and the time
each call takes.

A fault applies to the calls that make a post, as the account's ``fault_remaining`` counts them down (empty:
every call). Taking one is atomic, so two publishers calling at once never both take the last one.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction

from ..models import Fault
from ..models import SandboxAccount

# What a rate-limited call is told to wait, in seconds.
RATE_LIMIT_RETRY_AFTER = 30
# What a 503 asks for.
UNAVAILABLE_RETRY_AFTER = 5
# How much longer than the publisher's read timeout a lost answer is held.
LOST_ANSWER_MARGIN_SECONDS = 1.0


def fault_take(*, account: SandboxAccount) -> str:
    """The fault this call meets (``Fault.NONE`` if none), counting it off the account's remaining ones."""
    with transaction.atomic():
        current = (
            SandboxAccount.objects.select_for_update().only("fault", "fault_remaining").get(pk=account.pk)
        )
        fault, remaining = current.fault, current.fault_remaining
        if fault == Fault.NONE or remaining is None:
            return fault
        current.fault_remaining = remaining - 1 if remaining > 0 else 0
        if current.fault_remaining == 0:  # the last one: the account answers normally from now on
            current.fault, current.fault_remaining = Fault.NONE, None
        current.save(update_fields=["fault", "fault_remaining"])
        return fault if remaining > 0 else Fault.NONE


def latency_seconds(account: SandboxAccount | None) -> float:
    """How long a call to ``account`` takes: its own latency, else SANDBOX_LATENCY_MS."""
    if account is not None and account.latency_ms is not None:
        return account.latency_ms / 1000
    return configured_latency_ms() / 1000


def configured_latency_ms() -> int:
    """SANDBOX_LATENCY_MS as a number (the system check reports a value that is not one; then 0)."""
    try:
        return max(0, int(str(settings.SANDBOX_LATENCY_MS).strip() or 0))
    except ValueError:
        return 0


def lost_answer_hold_seconds() -> float:
    """How long a lost answer is held: until after the publisher stopped waiting for it (its read timeout)."""
    return float(settings.PLATFORM_READ_TIMEOUT) + LOST_ANSWER_MARGIN_SECONDS


def pause(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)
