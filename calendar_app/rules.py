"""The state rules of DESIGN.md that more than one service applies."""

from __future__ import annotations

from collections.abc import Iterable

from .models import AccountStatus, PostStatus

UNFINISHED_ACCOUNT_STATUSES = frozenset({AccountStatus.PENDING, AccountStatus.PUBLISHING})


def post_status_rollup(account_statuses: Iterable[str]) -> PostStatus | None:
    """The final status a post's accounts add up to, or None while any account is unfinished.

    Every account published -> PUBLISHED; some -> PARTIALLY_PUBLISHED (the rest failed or need review);
    none -> FAILED.
    """
    statuses = list(account_statuses)
    if not statuses or any(status in UNFINISHED_ACCOUNT_STATUSES for status in statuses):
        return None
    published = sum(status == AccountStatus.PUBLISHED for status in statuses)
    if published == len(statuses):
        return PostStatus.PUBLISHED
    if published:
        return PostStatus.PARTIALLY_PUBLISHED
    return PostStatus.FAILED
