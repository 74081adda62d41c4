"""Joining the network: a new account, made from its consent page."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction

from ..models import RESERVED_HANDLES
from ..models import SandboxAccount


def handle_problem(handle: str) -> str:
    """Why ``handle`` cannot be a new account's ("" when it can)."""
    account = SandboxAccount(handle=handle, display_name=handle)
    try:
        account.full_clean(validate_unique=False)
    except ValidationError as exc:
        return " ".join(exc.message_dict.get("handle", exc.messages))
    if SandboxAccount.objects.filter(handle=handle).exists():
        return f"@{handle} is taken; pick it from the list or choose another."
    return ""


def sandbox_account_create(*, handle: str, display_name: str = "") -> SandboxAccount:
    """A new account on the network. Raises ValueError naming the problem with the handle."""
    if problem := handle_problem(handle):
        raise ValueError(problem)
    try:
        with transaction.atomic():
            return SandboxAccount.objects.create(handle=handle, display_name=display_name.strip() or handle)
    except IntegrityError:
        raise ValueError(f"@{handle} is taken; pick it from the list or choose another.") from None


def handle_suggestion(name: str) -> str:
    """A free handle made from ``name`` (the person's username), so connecting can be a single click."""
    base = re.sub(r"[^a-z0-9_]", "", name.lower())[:26]
    if len(base) < 2 or base in RESERVED_HANDLES:
        base = "demo"
    for number in range(1, 1000):
        handle = base if number == 1 else f"{base}{number}"
        if not handle_problem(handle):
            return handle
    return ""
