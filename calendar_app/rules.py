"""The state rules of DESIGN.md that more than one service applies."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from enum import StrEnum

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


def retry_delay_seconds(
    *,
    retry_count: int,
    base_seconds: float,
    max_seconds: float,
    retry_after: float | None = None,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry round ``retry_count + 1`` of a post.

    Exponential (``base * 2**retry_count``, capped at ``max_seconds``) with "equal jitter": a random point
    in the upper half, so runs that failed together do not come back together. Never sooner than the
    platform's ``retry_after``, even when that is beyond the cap (a quota that resets tomorrow).
    """
    backoff = min(max_seconds, base_seconds * 2**retry_count)
    delay = backoff / 2 + jitter() * backoff / 2
    if retry_after is not None and retry_after > delay:
        return float(retry_after)
    return delay


class RunCategory(StrEnum):
    """Where a processed post counts in a run's summary; the categories partition the processed posts."""

    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    RETRYING = "retrying"
    NEEDS_REVIEW = "needs_review"


def post_run_category(*, post_status: str, account_statuses: Iterable[str]) -> RunCategory:
    """The summary category of a post that a run finalized into ``post_status``."""
    if post_status == PostStatus.SCHEDULED:
        return RunCategory.RETRYING
    if post_status == PostStatus.PUBLISHED:
        return RunCategory.SUCCEEDED
    if any(status == AccountStatus.NEEDS_REVIEW for status in account_statuses):
        return RunCategory.NEEDS_REVIEW
    if post_status == PostStatus.PARTIALLY_PUBLISHED:
        return RunCategory.PARTIAL
    return RunCategory.FAILED
