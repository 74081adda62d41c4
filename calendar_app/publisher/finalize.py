"""The end of a post's round: roll its accounts up, schedule a retry, or give the post back."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef
from django.db.models.functions import Now
from django.utils import timezone

from calendar_app.models import AccountStatus, PostStatus, ScheduledPost, ScheduledPostAccount
from calendar_app.rules import post_run_category, post_status_rollup, retry_delay_seconds
from notifications.services import AccountResult

from .config import RunConfig
from .recorder import AccountOutcome
from .sql import post_update_held
from .targets import AccountTarget, PostRef

logger = logging.getLogger(__name__)


class PostRound:
    """One post a run holds, until its last account is settled."""

    def __init__(self, *, post: ScheduledPost, ref: PostRef, targets: list[AccountTarget]) -> None:
        self.post = post
        self.ref = ref
        self.targets = targets
        self.statuses = {target.post_account_id: target.status for target in targets}
        self.published_at: dict[int, datetime | None] = {
            target.post_account_id: target.published_at for target in targets
        }
        # What each account's event says (calendar_app.publisher.events): as loaded, then as settled.
        self.account_results: dict[int, AccountResult] = {
            target.post_account_id: target.loaded for target in targets if target.loaded is not None
        }
        self.retry_after: float | None = None
        self.ended_as: str | None = None  # the status post_finalize left the post in
        self.remaining = 0
        self.broken = False
        self.lost = False
        self.unstarted = False
        self._lock = threading.Lock()

    def settle(self, target: AccountTarget, outcome: AccountOutcome) -> bool:
        """Take one account's outcome; True for the outcome that settles the last one."""
        with self._lock:
            if outcome.broken:
                self.broken = True
            elif not outcome.started:
                self.unstarted = True
            elif not outcome.recorded:
                self.lost = True
            else:
                self.end_account(
                    target.post_account_id,
                    status=outcome.status,
                    error_kind=outcome.error_kind,
                    message=outcome.message,
                    platform_post_url=outcome.platform_post_url,
                )
                self.published_at[target.post_account_id] = outcome.published_at or target.published_at
                if outcome.retry_after is not None:
                    self.retry_after = max(self.retry_after or 0.0, outcome.retry_after)
            self.remaining -= 1
            return self.remaining == 0

    def end_account(
        self, post_account_id: int, *, status: str, error_kind: str, message: str, platform_post_url: str = ""
    ) -> None:
        """Where an account stands now, as it was written."""
        self.statuses[post_account_id] = status
        known = self.account_results.get(post_account_id)
        if known is not None:
            self.account_results[post_account_id] = replace(
                known,
                error_kind=error_kind,
                error_message=message,
                platform_post_url=platform_post_url or known.platform_post_url,
            )


def post_finalize(*, round_: PostRound, lease_token: uuid.UUID, config: RunConfig) -> str | None:
    """Roll the post's accounts up: back to SCHEDULED for a retry of its pending accounts, or an end.

    Returns the run category of the post (succeeded, partial, failed, retrying, needs_review), or None
    when this run no longer holds the post. Runs in the caller's transaction, which also records the
    post's event (``round_.ended_as`` says where the post went), so that both happen or neither.
    """
    post = round_.post
    pending = [pk for pk, status in round_.statuses.items() if status == AccountStatus.PENDING]
    now = timezone.now()
    if pending and not post.is_missed and post.retry_count < post.max_retries:
        delay = retry_delay_seconds(
            retry_count=post.retry_count,
            base_seconds=config.retry_base_seconds,
            max_seconds=config.retry_max_seconds,
            retry_after=round_.retry_after,
        )
        held = ScheduledPost.objects.filter(pk=post.pk, status=PostStatus.PUBLISHING, lease_token=lease_token)
        updated = held.update(
            status=PostStatus.SCHEDULED,
            retry_count=F("retry_count") + 1,
            next_attempt_at=ExpressionWrapper(Now() + timedelta(seconds=delay), output_field=DateTimeField()),
            lease_token=None,
            lease_expires_at=None,
            updated_at=now,
        )
        status = PostStatus.SCHEDULED if updated else None
    else:
        status = _post_end(round_=round_, pending=pending, lease_token=lease_token, now=now)
    if status is None:
        return None
    round_.ended_as = str(status)
    return str(post_run_category(post_status=status, account_statuses=round_.statuses.values()))


def _post_end(*, round_: PostRound, pending: list[int], lease_token: uuid.UUID, now: datetime) -> str | None:
    post = round_.post
    for pk in pending:
        round_.statuses[pk] = AccountStatus.FAILED
    final = post_status_rollup(round_.statuses.values())
    if final is None and not round_.statuses:
        final = PostStatus.FAILED  # a post with no accounts has nowhere to go
        logger.warning("Post %s has no accounts; it ends FAILED", post.pk)
    if final is None:
        raise RuntimeError(f"post {post.pk} still has an unsettled account")
    published = [
        at for pk, at in round_.published_at.items() if round_.statuses[pk] == AccountStatus.PUBLISHED
    ]
    # In the caller's transaction: out-of-retry accounts end together with the post.
    updated = post_update_held(
        post_id=post.pk,
        lease_token=lease_token,
        values={
            "status": final,
            "next_attempt_at": None,
            "lease_token": None,
            "lease_expires_at": None,
            "published_at": max((at for at in published if at), default=None),
            "updated_at": now,
        },
    )
    if updated and pending:
        # Out of retries: they end with the kind and message of their last failure.
        ScheduledPostAccount.objects.filter(pk__in=pending, status=AccountStatus.PENDING).update(
            status=AccountStatus.FAILED, updated_at=now
        )
    return final if updated else None


def post_release(*, post_id: int, lease_token: uuid.UUID, to_recovery: bool) -> bool:
    """Give back a post this run holds but will not finish, at once instead of after the lease.

    A post none of whose accounts is PUBLISHING (no call of it may be out) goes back to SCHEDULED, unless
    ``to_recovery``; any other is left PUBLISHING with its lease expired, for the next run's recovery,
    which reconciles what may have been sent. Returns whether the post went back to SCHEDULED.
    """
    held = ScheduledPost.objects.filter(pk=post_id, status=PostStatus.PUBLISHING, lease_token=lease_token)
    if not to_recovery:
        in_doubt = ScheduledPostAccount.objects.filter(post=OuterRef("pk"), status=AccountStatus.PUBLISHING)
        if held.exclude(Exists(in_doubt)).update(
            status=PostStatus.SCHEDULED, lease_token=None, lease_expires_at=None, updated_at=timezone.now()
        ):
            return True
    held.update(lease_token=None, lease_expires_at=Now())
    return False
