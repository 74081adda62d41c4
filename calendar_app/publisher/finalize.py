"""The end of a post's round: roll its accounts up, schedule a retry, or give the post back.

Besides retries, two waits come back later without counting as a retry round: accounts deferred by a
posting quota (the post returns to SCHEDULED, due when the window frees) and accounts the platform is still
processing (the post stays PUBLISHING, its lease released to end when they are checked again, so a later
run's recovery takes it and resumes them).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace
from datetime import datetime
from datetime import timedelta

from django.db import transaction
from django.db.models import DateTimeField
from django.db.models import Exists
from django.db.models import ExpressionWrapper
from django.db.models import F
from django.db.models import OuterRef
from django.db.models.functions import Now
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.rules import RunCategory
from calendar_app.rules import post_run_category
from calendar_app.rules import post_status_rollup
from calendar_app.rules import retry_delay_seconds
from notifications.services import AccountResult

from .config import RunConfig
from .recorder import AccountOutcome
from .recorder import Verdict
from .sql import HeldAccount
from .sql import post_account_update_held
from .sql import post_update_held
from .targets import AccountTarget
from .targets import PostRef

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
        self.retried: set[int] = set()  # went back to PENDING this round after a call: a retry round
        self.deferred: dict[int, float] = {}  # over a quota: seconds until the window frees
        self.processing: dict[int, float] = {}  # still processing: seconds until the next check
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
                pk = target.post_account_id
                self.end_account(
                    pk,
                    status=outcome.status,
                    error_kind=outcome.error_kind,
                    message=outcome.message,
                    platform_post_url=outcome.platform_post_url,
                )
                self.published_at[pk] = outcome.published_at or target.published_at
                if outcome.verdict == Verdict.DEFERRED:
                    self.deferred[pk] = outcome.wait or 0.0
                elif outcome.verdict == Verdict.PROCESSING:
                    self.processing[pk] = outcome.wait or 0.0
                elif outcome.status == AccountStatus.PENDING:
                    self.retried.add(pk)
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
    """Roll the post's accounts up: back to SCHEDULED for a retry of its pending accounts (or when a quota's
    window frees), held for the accounts still processing, or an end.

    Returns the run category of the post (succeeded, partial, failed, retrying, needs_review), or None
    when this run no longer holds the post. Runs in the caller's transaction, which also records the
    post's event (``round_.ended_as`` says where the post went), so that both happen or neither.
    """
    post = round_.post
    pending = [pk for pk, status in round_.statuses.items() if status == AccountStatus.PENDING]
    processing = [pk for pk, status in round_.statuses.items() if status == AccountStatus.PUBLISHING]
    retrying = [pk for pk in pending if pk in round_.retried]
    out_of_retries = retrying if post.is_missed or post.retry_count >= post.max_retries else []
    waiting = [pk for pk in pending if pk not in out_of_retries]
    now = timezone.now()
    if not waiting and not processing:
        status = _post_end(round_=round_, pending=pending, lease_token=lease_token, now=now)
        if status is None:
            return None
        round_.ended_as = str(status)
        return str(post_run_category(post_status=status, account_statuses=round_.statuses.values()))

    values: dict = {"lease_token": None, "updated_at": now}
    if retrying and not out_of_retries:
        # A retry round: never sooner than the platform asked. Deferred accounts go with it (and are
        # deferred again, at no cost, if their window is still full).
        delay = retry_delay_seconds(
            retry_count=post.retry_count,
            base_seconds=config.retry_base_seconds,
            max_seconds=config.retry_max_seconds,
            retry_after=round_.retry_after,
        )
        values.update(retry_count=F("retry_count") + 1, next_attempt_at=_in(delay))
    elif round_.deferred:
        values["next_attempt_at"] = _in(min(round_.deferred.values()))
    # Otherwise the pending accounts were not due in this round: their time (next_attempt_at) stays.
    if processing:
        # Held: still PUBLISHING, for the recovery of a later run when the first of them is to be checked.
        values["lease_expires_at"] = _in(min(round_.processing.get(pk, 0.0) for pk in processing))
    else:
        values.update(status=PostStatus.SCHEDULED, lease_expires_at=None)
    held = ScheduledPost.objects.filter(pk=post.pk, status=PostStatus.PUBLISHING, lease_token=lease_token)
    # In the caller's transaction: out-of-retry accounts end together with the post's update.
    updated = held.update(**values)
    if updated and out_of_retries:
        # Out of retries: they end with the kind and message of their last failure.
        ScheduledPostAccount.objects.filter(pk__in=out_of_retries, status=AccountStatus.PENDING).update(
            status=AccountStatus.FAILED, updated_at=now
        )
    if not updated:
        return None
    for pk in out_of_retries:
        round_.statuses[pk] = AccountStatus.FAILED
    # Not an end: no post event (the post's event comes when it ends).
    round_.ended_as = PostStatus.PUBLISHING if processing else PostStatus.SCHEDULED
    return str(RunCategory.RETRYING)


def _in(seconds: float) -> ExpressionWrapper:
    """``seconds`` from now on the database's clock."""
    return ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())


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


def post_accounts_mark_missed(post: PostRef, targets: list[AccountTarget], message: str) -> bool:
    """End the PENDING accounts of a post that is too late to publish (kind MISSED); no platform call.

    Returns False when this run no longer holds the post.
    """
    values = {
        "status": AccountStatus.FAILED,
        "error_kind": ErrorKind.MISSED,
        "error_message": message,
        "updated_at": timezone.now(),
    }
    with transaction.atomic():
        for target in targets:
            held = HeldAccount(target.post_account_id, post.post_id, post.lease_token, AccountStatus.PENDING)
            if not post_account_update_held(held=held, values=values):
                transaction.set_rollback(True)
                return False
    for target in targets:
        logger.warning("Post %s -> %s: %s: %s", post.post_id, target.label, ErrorKind.MISSED, message)
    return True
