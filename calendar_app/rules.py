"""The state rules of posts and their accounts: one home for each, whoever applies it (the publisher, the
services people use, the admin that offers their buttons)."""

from __future__ import annotations

import random
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import timezone

from .models import AccountStatus
from .models import PostStatus
from .models import ScheduledPost
from .models import ScheduledPostAccount

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


# --- What a person may do to a post now ---------------------------------------------------------------
# Each rule answers why an action is refused (a message for a person), or None when it is allowed. The
# admin shows a button exactly when its rule allows it, and the service refuses with that same message,
# so the two cannot disagree.

# A post can be changed (or deleted) while nothing of it has gone out and the publisher does not hold it.
EDITABLE_POST_STATUSES = frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.CANCELLED})
GONE_OUT_ACCOUNT_STATUSES = frozenset(
    {AccountStatus.PUBLISHING, AccountStatus.PUBLISHED, AccountStatus.NEEDS_REVIEW}
)
CANCELLABLE_POST_STATUSES = frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED})
ENDED_WITH_FAILURES_POST_STATUSES = frozenset({PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED})
# A post may take another time (a queue slot, another day) while it waits: a draft, or scheduled.
RESCHEDULABLE_POST_STATUSES = frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED})
# An account sent again goes with the post's next round: a post waiting for one, or one that ended.
SEND_AGAIN_POST_STATUSES = frozenset({PostStatus.SCHEDULED, *ENDED_WITH_FAILURES_POST_STATUSES})


def _is(post: ScheduledPost) -> str:
    return f"{post} is {post.get_status_display().lower()}"


def post_savable_statuses(*, post: ScheduledPost | None) -> list[str]:
    """What a person may save a post as (the publisher sets every other status): scheduled or a draft,
    and a cancelled post may stay cancelled."""
    statuses = [PostStatus.SCHEDULED, PostStatus.DRAFT]
    if post is not None and post.status == PostStatus.CANCELLED:
        statuses.append(PostStatus.CANCELLED)
    return statuses


def post_edit_refusal(*, post: ScheduledPost, account_statuses: Collection[str]) -> str | None:
    """Why ``post`` can no longer be edited or deleted: its history stays as it is."""
    if post.status not in EDITABLE_POST_STATUSES:
        why = _is(post)
    elif GONE_OUT_ACCOUNT_STATUSES.intersection(account_statuses):
        why = f"{post} has accounts it was already sent to"
    else:
        return None
    return f"{why}, so it can no longer be changed: its history stays as it is. Duplicate it as a new draft instead."


@dataclass(frozen=True)
class SendRule:
    """A rule of sending a post (again) to some of its accounts: only from some post statuses, and only while
    an account is in status ``to`` (the accounts it goes to). Called as a rule: why it refuses, or None."""

    statuses: frozenset[str]
    only: str  # which posts may, as the refusal says it
    to: str
    none_to: str  # the refusal when no account is in status ``to``

    def __call__(self, *, post: ScheduledPost, account_statuses: Collection[str]) -> str | None:
        if post.status not in self.statuses:
            return f"{_is(post)}; only {self.only}."
        if self.to not in account_statuses:
            return f"{post} has {self.none_to}."
        return None


# Why ``post`` cannot be made due now: only a post not yet sent, with an account still pending.
post_publish_now_refusal = SendRule(
    EDITABLE_POST_STATUSES,
    "drafts, scheduled and cancelled posts can be published now",
    AccountStatus.PENDING,
    "no account left to publish to",
)
# Why the failed accounts of ``post`` cannot be sent again: only an ended post with failed accounts.
post_retry_refusal = SendRule(
    ENDED_WITH_FAILURES_POST_STATUSES,
    "failed or partially published posts can be retried",
    AccountStatus.FAILED,
    "no failed accounts to retry",
)


def post_reschedule_refusal(
    *, post: ScheduledPost, account_statuses: Collection[str], now: datetime | None = None
) -> str | None:
    """Why ``post`` keeps its time (no queue slot, no other day): only a draft, or a scheduled post not yet
    due, with nothing sent. A draft's time is a placeholder, so a draft whose time has passed may move."""
    if post.status == PostStatus.PUBLISHING:
        why = "is being published right now"
    elif post.status not in RESCHEDULABLE_POST_STATUSES:
        why = f"is {post.get_status_display().lower()}"
    elif post.status == PostStatus.SCHEDULED and post.scheduled_at <= (now or timezone.now()):
        why = "is due already"
    elif GONE_OUT_ACCOUNT_STATUSES.intersection(account_statuses):
        why = "has accounts it was already sent to"
    else:
        return None
    return f"{post} {why}, so it keeps its time."


def post_cancel_refusal(*, post: ScheduledPost, account_statuses: Collection[str]) -> str | None:
    """Why ``post`` cannot be cancelled: one being published, or done, stays as it is."""
    if post.status not in CANCELLABLE_POST_STATUSES:
        return f"{_is(post)}; only drafts and scheduled posts can be cancelled."
    return None


def post_duplicate_refusal(*, post: ScheduledPost, account_statuses: Collection[str]) -> str | None:
    """Any post can be copied into a new draft, whatever became of it."""
    return None


def post_account_review_refusal(*, post: ScheduledPost, post_account: ScheduledPostAccount) -> str | None:
    """Why a person cannot resolve ``post_account`` now (mark it published): only an account whose outcome
    is unknown, while the publisher does not hold its post."""
    if post.status == PostStatus.PUBLISHING:
        return f"{post} is being published right now; try again in a minute."
    if post_account.status != AccountStatus.NEEDS_REVIEW:
        return (
            f"{post_account.account} is {post_account.get_status_display().lower()} on {post}, "
            "not waiting for review."
        )
    return None


def post_account_send_again_refusal(*, post: ScheduledPost, post_account: ScheduledPostAccount) -> str | None:
    """Why ``post_account`` cannot be sent again: as reviewing, and its post must still be able to go out."""
    if refusal := post_account_review_refusal(post=post, post_account=post_account):
        return refusal
    if post.status not in SEND_AGAIN_POST_STATUSES:
        return f"{_is(post)}; it will not be sent again."
    return None
