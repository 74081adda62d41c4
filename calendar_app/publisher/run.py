"""The publisher run: recover, claim, fan out, record, finalize (DESIGN.md, "Flow").

One run holds one lease token. It first takes over posts whose run died (their lease expired), then claims
due posts in batches while its time budget lasts, and sends every pending account of every post it holds
through one bounded pool of threads, so a slow platform never holds up the others. Each post is finalized by
the thread that settles its last account. Every write is conditional on this run still holding the post, so
a run that was presumed dead can never overwrite what the run that recovered its posts recorded.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Collection
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.db.models.functions import Now
from django.utils import timezone

from calendar_app.models import (
    AccountStatus,
    AttemptOutcome,
    ErrorKind,
    PostStatus,
    PublishAttempt,
    ScheduledPost,
    ScheduledPostAccount,
)
from calendar_app.rules import post_run_category, post_status_rollup, retry_delay_seconds
from calendar_app.selectors import (
    post_accounts_for_publishing,
    post_accounts_last_call_started,
    post_due_queryset,
    post_expired_lease_queryset,
    posts_held_by_run,
    posts_with_due_state,
)
from social.clients import PublishPayload, UnknownPlatformError, validation_problems
from social.crypto import TokenDecryptionError, get_key_ring
from social.models import SocialAccount, SocialAccountStatus

from .leases import posts_claim_due, posts_claim_expired, posts_extend_lease
from .account_call import (
    KEY_PROBLEM_MESSAGE,
    AccountOutcome,
    AccountTarget,
    PostRef,
    post_account_publish,
    post_account_reconcile,
    post_accounts_mark_missed,
)
from .sql import post_update_held
from .workers import Heartbeat, WorkerPool

logger = logging.getLogger(__name__)

__all__ = ["PublishRunSummary", "publish_due_posts"]


@dataclass
class PublishRunSummary:
    """What a run did. The first six figures partition the posts it processed."""

    processed: int = 0
    succeeded: int = 0
    partial: int = 0
    failed: int = 0
    retrying: int = 0
    needs_review: int = 0
    duration_seconds: float = 0.0
    claimed: int = 0  # due posts this run claimed
    recovered: int = 0  # posts taken over from a run that died
    lost: int = 0  # posts another run took over meanwhile: left to that run
    errors: int = 0  # posts whose work failed unexpectedly: released for the next run to recover
    dry_run: bool = False
    dry_run_lines: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"Processed {self.processed} posts: {self.succeeded} succeeded, {self.partial} partial, "
            f"{self.failed} failed, {self.retrying} retrying, {self.needs_review} needs review"
        )

    def as_dict(self) -> dict[str, Any]:
        figures = asdict(self)
        figures["duration_seconds"] = round(self.duration_seconds, 3)
        if not self.dry_run:
            del figures["dry_run_lines"]
        return figures


def publish_due_posts(
    *,
    limit: int | None = None,
    max_seconds: float | None = None,
    concurrency: int | None = None,
    dry_run: bool = False,
    post_ids: Collection[int] | None = None,
) -> PublishRunSummary:
    """Publish every due post (DESIGN.md's flow) and say what happened.

    ``limit`` caps the posts taken (recovered and claimed); ``max_seconds`` is the time after which no
    more are claimed (what was claimed is finished); ``concurrency`` is the number of platform calls in
    flight; None means the setting. ``post_ids`` restricts the run to those posts. ``dry_run`` claims
    nothing and lists, per account, what would be sent. Raises ValueError for a bad argument and
    ImproperlyConfigured for bad settings, before anything is claimed. Do not call it inside a
    transaction: each account's state must be committed before its platform call.
    """
    config = _RunConfig.load(limit=limit, max_seconds=max_seconds, concurrency=concurrency)
    # Fails fast on a missing or malformed ENCRYPTION_KEY, before any post is claimed.
    get_key_ring()
    post_ids = None if post_ids is None else list(post_ids)
    if dry_run:
        return _dry_run(config=config, post_ids=post_ids)
    return _Run(config=config, post_ids=post_ids).execute()


@dataclass(frozen=True)
class _RunConfig:
    limit: int | None
    max_seconds: float
    concurrency: int
    lease_seconds: float
    missed_after_seconds: float
    retry_base_seconds: float
    retry_max_seconds: float

    @classmethod
    def load(cls, *, limit: int | None, max_seconds: float | None, concurrency: int | None) -> _RunConfig:
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(f"limit must be a positive whole number, not {limit!r}.")
        if max_seconds is not None and not max_seconds > 0:
            raise ValueError(f"max_seconds must be a positive number, not {max_seconds!r}.")
        if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
            raise ValueError(f"concurrency must be a positive whole number, not {concurrency!r}.")
        config = cls(
            limit=limit,
            max_seconds=settings.PUBLISH_MAX_SECONDS if max_seconds is None else max_seconds,
            concurrency=settings.PUBLISH_CONCURRENCY if concurrency is None else concurrency,
            lease_seconds=settings.PUBLISH_LEASE_SECONDS,
            missed_after_seconds=settings.PUBLISH_MISSED_AFTER,
            retry_base_seconds=settings.PUBLISH_RETRY_BASE_SECONDS,
            retry_max_seconds=settings.PUBLISH_RETRY_MAX_SECONDS,
        )
        for name, value in (
            ("PUBLISH_MAX_SECONDS", config.max_seconds),
            ("PUBLISH_CONCURRENCY", config.concurrency),
            ("PUBLISH_LEASE_SECONDS", config.lease_seconds),
            ("PUBLISH_MISSED_AFTER", config.missed_after_seconds),
            ("PUBLISH_RETRY_MAX_SECONDS", config.retry_max_seconds),
        ):
            if not value > 0:
                raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}.")
        if config.retry_base_seconds < 0:
            raise ImproperlyConfigured(
                f"PUBLISH_RETRY_BASE_SECONDS must not be negative, not {config.retry_base_seconds!r}."
            )
        return config


class _Round:
    """One post this run holds, until its last account is settled."""

    def __init__(self, *, post: ScheduledPost, targets: list[AccountTarget], lease_token: uuid.UUID) -> None:
        self.post = post
        self.ref = PostRef(
            post_id=post.pk, content=post.content, metadata=post.metadata or {}, lease_token=lease_token
        )
        self.targets = targets
        self.statuses = {target.post_account_id: target.status for target in targets}
        self.published_at = {target.post_account_id: target.published_at for target in targets}
        self.retry_after: float | None = None
        self.remaining = 0
        self.broken = False
        self.lost = False
        self._lock = threading.Lock()

    def settle(self, target: AccountTarget, outcome: AccountOutcome | None) -> bool:
        """Take one account's outcome; True for the call that settles the last one."""
        with self._lock:
            if outcome is None:
                self.broken = True
            elif not outcome.recorded:
                self.lost = True
            else:
                self.statuses[target.post_account_id] = outcome.status
                self.published_at[target.post_account_id] = outcome.published_at or target.published_at
                if outcome.retry_after is not None:
                    self.retry_after = max(self.retry_after or 0.0, outcome.retry_after)
            self.remaining -= 1
            return self.remaining == 0


class _Run:
    def __init__(self, *, config: _RunConfig, post_ids: list[int] | None) -> None:
        self.config = config
        self.post_ids = post_ids
        self.lease_token = uuid.uuid4()
        self.summary = PublishRunSummary()
        self.taken = 0
        self._summary_lock = threading.Lock()
        self._outstanding = 0
        self._room = threading.Condition()
        self._started = time.monotonic()

    def execute(self) -> PublishRunSummary:
        pool = WorkerPool(size=self.config.concurrency)
        heartbeat = Heartbeat(
            beat=partial(
                posts_extend_lease, lease_token=self.lease_token, lease_seconds=self.config.lease_seconds
            ),
            interval=self.config.lease_seconds / 3,
        )
        try:
            # Recovery first: posts of a run that died wait longest.
            for take, counter in ((posts_claim_expired, "recovered"), (posts_claim_due, "claimed")):
                while self._may_claim():
                    self._wait_for_room()
                    if not self._may_claim():
                        break
                    tried = take(
                        lease_token=self.lease_token,
                        lease_seconds=self.config.lease_seconds,
                        limit=self._batch_size(),
                        post_ids=self.post_ids,
                    )
                    if not tried:
                        break
                    heartbeat.start()
                    rounds = self._load(tried)
                    self.taken += len(rounds)
                    setattr(self.summary, counter, getattr(self.summary, counter) + len(rounds))
                    for round_ in rounds:
                        self._dispatch(round_, pool)
        finally:
            pool.close()
            heartbeat.stop()
        self.summary.duration_seconds = time.monotonic() - self._started
        logger.info("%s in %.1f s", self.summary.line(), self.summary.duration_seconds)
        return self.summary

    # --- claiming -----------------------------------------------------------------------------------

    def _may_claim(self) -> bool:
        if self.config.limit is not None and self.taken >= self.config.limit:
            return False
        return time.monotonic() - self._started < self.config.max_seconds

    def _batch_size(self) -> int:
        size = self.config.concurrency
        if self.config.limit is not None:
            size = min(size, self.config.limit - self.taken)
        return size

    @property
    def _room_below(self) -> int:
        return 2 * self.config.concurrency

    def _wait_for_room(self) -> None:
        """Claim more only when the queue runs short, so leases start when the work can."""
        with self._room:
            while self._outstanding >= self._room_below:
                self._room.wait()

    def _load(self, tried: list[int]) -> list[_Round]:
        """The posts this run won among ``tried``, each with its accounts: a fixed number of queries."""
        posts = posts_held_by_run(
            lease_token=self.lease_token,
            post_ids=tried,
            missed_after_seconds=self.config.missed_after_seconds,
        )
        if not posts:
            return []
        post_accounts, problems = _post_accounts_load([post.pk for post in posts])
        in_doubt = [pa.pk for pa in post_accounts if pa.status == AccountStatus.PUBLISHING]
        call_started: dict[int, datetime] = {}
        if in_doubt:
            call_started = post_accounts_last_call_started(post_account_ids=in_doubt)
            _attempts_close_dangling(post_account_ids=in_doubt)
        targets: dict[int, list[AccountTarget]] = {post.pk: [] for post in posts}
        for pa in post_accounts:
            targets[pa.post_id].append(
                AccountTarget(
                    post_account_id=pa.pk,
                    status=pa.status,
                    account=None if pa.account_id in problems else pa.account,
                    label=str(pa.account),
                    account_problem=problems.get(pa.account_id, ""),
                    publish_state=pa.publish_state or {},
                    published_at=pa.published_at,
                    in_doubt_since=call_started.get(pa.pk),
                )
            )
        return [_Round(post=post, targets=targets[post.pk], lease_token=self.lease_token) for post in posts]

    # --- fanning out --------------------------------------------------------------------------------

    def _dispatch(self, round_: _Round, pool: WorkerPool) -> None:
        post = round_.post
        pending = [t for t in round_.targets if t.status == AccountStatus.PENDING]
        # A call that may have gone out is always settled by asking the platform, never by re-sending.
        jobs: list[tuple[Callable[..., AccountOutcome], AccountTarget]] = [
            (post_account_reconcile, t) for t in round_.targets if t.status == AccountStatus.PUBLISHING
        ]
        if post.is_missed:
            if pending:
                if not post_accounts_mark_missed(
                    post=round_.ref,
                    targets=pending,
                    message=_missed_message(post, self.config.missed_after_seconds),
                ):
                    self._count(lost=1)
                    return
                for target in pending:
                    round_.statuses[target.post_account_id] = AccountStatus.FAILED
        else:
            jobs += [(post_account_publish, t) for t in pending]
        if not jobs:
            self._finalize(round_)
            return
        round_.remaining = len(jobs)
        for work, target in jobs:
            with self._room:
                self._outstanding += 1
            pool.submit(partial(self._run_job, round_, work, target))

    def _run_job(self, round_: _Round, work: Callable[..., AccountOutcome], target: AccountTarget) -> None:
        try:
            try:
                outcome: AccountOutcome | None = work(post=round_.ref, target=target)
            except Exception:
                logger.exception(
                    "Post %s -> %s: the publisher failed unexpectedly; the post is left for recovery",
                    round_.ref.post_id,
                    target.label,
                )
                outcome = None
            if round_.settle(target, outcome):
                self._finalize(round_)
        finally:
            with self._room:
                self._outstanding -= 1
                if self._outstanding < self._room_below:  # wake the claimer only when it may claim
                    self._room.notify()

    # --- finalizing ---------------------------------------------------------------------------------

    def _finalize(self, round_: _Round) -> None:
        post_id = round_.ref.post_id
        if round_.lost:
            self._count(lost=1)
            return
        if round_.broken:
            _post_release_lease(post_id=post_id, lease_token=self.lease_token)
            self._count(errors=1)
            return
        try:
            status = self._post_finalize(round_)
        except Exception:
            logger.exception("Post %s: finalizing failed; the post is left for recovery", post_id)
            _post_release_lease(post_id=post_id, lease_token=self.lease_token)
            self._count(errors=1)
            return
        if status is None:
            logger.warning("Post %s: another run took it over; its result is left to that run", post_id)
            self._count(lost=1)
            return
        category = post_run_category(post_status=status, account_statuses=round_.statuses.values())
        logger.debug("Post %s: %s (%s)", post_id, status, category)
        self._count(processed=1, **{str(category): 1})

    def _post_finalize(self, round_: _Round) -> str | None:
        """Roll the post's accounts up: back to SCHEDULED for a retry of its pending accounts, or an end.

        Returns the post's new status, or None when this run no longer holds the post.
        """
        post = round_.post
        pending = [pk for pk, status in round_.statuses.items() if status == AccountStatus.PENDING]
        now = timezone.now()
        if pending and not post.is_missed and post.retry_count < post.max_retries:
            delay = retry_delay_seconds(
                retry_count=post.retry_count,
                base_seconds=self.config.retry_base_seconds,
                max_seconds=self.config.retry_max_seconds,
                retry_after=round_.retry_after,
            )
            held = ScheduledPost.objects.filter(
                pk=post.pk, status=PostStatus.PUBLISHING, lease_token=self.lease_token
            )
            updated = held.update(
                status=PostStatus.SCHEDULED,
                retry_count=F("retry_count") + 1,
                next_attempt_at=ExpressionWrapper(
                    Now() + timedelta(seconds=delay), output_field=DateTimeField()
                ),
                lease_token=None,
                lease_expires_at=None,
                updated_at=now,
            )
            return PostStatus.SCHEDULED if updated else None
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
        # One statement needs no transaction; out-of-retry accounts must end together with the post.
        with transaction.atomic() if pending else nullcontext():
            updated = post_update_held(
                post_id=post.pk,
                lease_token=self.lease_token,
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

    def _count(self, **figures: int) -> None:
        with self._summary_lock:
            for name, value in figures.items():
                setattr(self.summary, name, getattr(self.summary, name) + value)


def _post_accounts_load(post_ids: list[int]) -> tuple[list[ScheduledPostAccount], dict[int, str]]:
    """The accounts of the posts, and for each SocialAccount whose token cannot be decrypted, why.

    Each SocialAccount is loaded (and its tokens decrypted) once, however many of the posts go to it. A key
    problem is the operator's, not the post's: the other accounts load and go out regardless.
    """
    post_accounts = list(post_accounts_for_publishing(post_ids=post_ids, with_social_account=False))
    account_ids = {pa.account_id for pa in post_accounts}
    problems: dict[int, str] = {}
    try:
        accounts = SocialAccount.objects.in_bulk(account_ids)
    except TokenDecryptionError:
        # Without tokens for labels and checks; then one by one, to tell which ones cannot be read.
        accounts = SocialAccount.objects.defer("access_token", "refresh_token").in_bulk(account_ids)
        for account_id in account_ids:
            try:
                accounts[account_id] = SocialAccount.objects.get(pk=account_id)
            except TokenDecryptionError as exc:
                logger.error("SocialAccount %s: %s (system check social.E003)", account_id, exc)
                problems[account_id] = KEY_PROBLEM_MESSAGE
    for pa in post_accounts:
        pa.account = accounts[pa.account_id]
    return post_accounts, problems


def _attempts_close_dangling(*, post_account_ids: list[int]) -> None:
    """Close the attempts a dead run left open; reconciliation records what became of them."""
    PublishAttempt.objects.filter(
        post_account_id__in=post_account_ids, outcome=AttemptOutcome.IN_PROGRESS
    ).update(
        outcome=AttemptOutcome.FAILED,
        error_kind=ErrorKind.UNKNOWN,
        finished_at=timezone.now(),
        error_message="The run making this call stopped before it answered; the outcome is checked next.",
    )


def _post_release_lease(*, post_id: int, lease_token: uuid.UUID) -> None:
    """Give a post this run could not finish to the next run's recovery at once instead of after the lease."""
    try:
        ScheduledPost.objects.filter(
            pk=post_id, status=PostStatus.PUBLISHING, lease_token=lease_token
        ).update(lease_token=None, lease_expires_at=Now())
    except Exception:
        logger.exception(
            "Post %s: could not release its lease; it is recovered when the lease expires", post_id
        )


def _missed_message(post: ScheduledPost, missed_after_seconds: float) -> str:
    hours = missed_after_seconds / 3600
    return (
        f"Not published: it was due at {post.due_at:%Y-%m-%d %H:%M} UTC, more than {hours:g} hours ago "
        "(PUBLISH_MISSED_AFTER), and a late post is not sent."
    )


# --- dry run ---------------------------------------------------------------------------------------


def _dry_run(*, config: _RunConfig, post_ids: list[int] | None) -> PublishRunSummary:
    """What a run would do now, account by account; claims and writes nothing."""
    started = time.monotonic()
    summary = PublishRunSummary(dry_run=True)
    lines = summary.dry_run_lines
    expired = post_expired_lease_queryset()
    due = post_due_queryset()
    if post_ids is not None:
        expired, due = expired.filter(pk__in=post_ids), due.filter(pk__in=post_ids)
    for post_id in expired.values_list("pk", flat=True)[: config.limit]:
        lines.append(f"Post {post_id}: its run stopped (lease expired); it would be recovered.")
    due_ids = list(due.values_list("pk", flat=True)[: config.limit])
    posts = posts_with_due_state(post_ids=due_ids, missed_after_seconds=config.missed_after_seconds)
    by_post: dict[int, list[ScheduledPostAccount]] = {post.pk: [] for post in posts}
    for pa in post_accounts_for_publishing(post_ids=due_ids):
        by_post[pa.post_id].append(pa)
    for post in posts:
        lines.append(
            f"Post {post.pk}: due {post.due_at:%Y-%m-%d %H:%M:%S} UTC, round {post.retry_count + 1} of "
            f"{post.max_retries + 1}"
        )
        if post.is_missed:
            lines.append(f"  missed: {_missed_message(post, config.missed_after_seconds)}")
        for pa in by_post[post.pk]:
            lines.extend(_dry_run_account_lines(post, pa))
    summary.duration_seconds = time.monotonic() - started
    return summary


def _dry_run_account_lines(post: ScheduledPost, pa: ScheduledPostAccount) -> list[str]:
    account = pa.account
    if pa.status != AccountStatus.PENDING:
        if pa.status == AccountStatus.PUBLISHING:
            return [
                f"  -> {account}: a call may have gone out; it would be checked with the platform, not re-sent"
            ]
        return [f"  -> {account}: already {pa.status}, not sent again"]
    lines = [f"  -> {account}:"]
    try:
        payload = PublishPayload.for_platform(
            content=post.content, metadata=post.metadata, platform=account.platform
        )
    except (AttributeError, TypeError, ValueError) as exc:
        return [*lines, f"     problem: the post's metadata cannot be read: {exc}"]
    lines.append(f"     text: {payload.text!r}")
    if payload.media:
        lines.extend(
            f"     media: {item.type} {item.url}" + (f" (alt: {item.alt_text!r})" if item.alt_text else "")
            for item in payload.media
        )
    else:
        lines.append("     media: none")
    if payload.options:
        lines.append(f"     options: {dict(payload.options)}")
    if account.status != SocialAccountStatus.ACTIVE:
        lines.append(
            f"     problem: the account is {account.get_status_display().lower()}; it would not be sent"
        )
    try:
        problems = validation_problems(account, payload)
    except UnknownPlatformError as exc:
        problems = [str(exc)]
    except TokenDecryptionError:
        problems = [KEY_PROBLEM_MESSAGE]
    lines.extend(f"     problem: {problem}" for problem in problems)
    return lines
