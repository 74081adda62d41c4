"""The publisher run: recover, claim, fan out, record, finalize.

One run holds one lease token. It first takes over posts whose run died (their lease expired), then claims
due posts in batches while its time budget lasts, and sends every pending account of every post it holds
through a bounded pool of call threads, so a slow platform never holds up the others. The call threads
hold no database connection: the run's writes go through a few database lanes (``PUBLISH_DB_CONNECTIONS``),
batched (recorder.py). Every write is conditional on this run still holding the post, so a run that was
presumed dead can never overwrite what the run that recovered its posts recorded.

When the run is told to stop (the watch loop's SIGTERM) or its database fails, it claims nothing more and
starts no new call; calls in flight finish and are recorded; posts it holds but never started go back to
SCHEDULED at once, and posts with a call that may have gone out are released to recovery.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Collection
from functools import partial

from django.db import transaction

from calendar_app.models import AccountStatus
from calendar_app.models import ErrorKind
from calendar_app.models import PublisherRun
from notifications.services import events_record
from social.crypto import get_key_ring

from .account_call import AccountCall
from .account_call import CallContext
from .after_run import publisher_after_run
from .config import RunConfig
from .config import missed_message
from .dry_run import dry_run as _dry_run
from .events import needs_review_events
from .events import post_end_event
from .finalize import PostRound
from .finalize import post_accounts_mark_missed
from .finalize import post_finalize
from .finalize import post_release
from .history import RunHistory
from .leases import posts_claim_due
from .leases import posts_claim_expired
from .leases import posts_extend_lease
from .load import post_rounds_load
from .quotas import quota_slots_prune
from .recorder import BROKEN
from .recorder import AccountOutcome
from .recorder import Recorder
from .summary import PublishRunSummary
from .targets import AccountTarget
from .targets import PostRef
from .workers import Batcher
from .workers import DbLanes
from .workers import Heartbeat
from .workers import WorkerPool
from .workers import is_connection_error

logger = logging.getLogger(__name__)

__all__ = ["PublishRunSummary", "publish_due_posts"]


def publish_due_posts(
    *,
    limit: int | None = None,
    max_seconds: float | None = None,
    concurrency: int | None = None,
    dry_run: bool = False,
    post_ids: Collection[int] | None = None,
    trigger: str = PublisherRun.Trigger.CRON,
    stop: threading.Event | None = None,
    keep_claiming: bool = False,
    after_run: bool = True,
) -> PublishRunSummary:
    """Publish every due post and say what happened.

    ``limit`` caps the posts taken (recovered and claimed); ``max_seconds`` is the time after which no
    more are claimed (what was claimed is finished); ``concurrency`` is the number of platform calls in
    flight; None means the setting. ``post_ids`` restricts the run to those posts. ``dry_run`` claims
    nothing and lists, per account, what would be sent. ``trigger`` names who started the run (its
    PublisherRun row). ``stop``, once set, drains the run: nothing new is claimed or started, what is in
    flight finishes. ``keep_claiming`` (the watch loop) keeps claiming while calls are in flight instead of
    ending when nothing more is due. ``after_run``: the run follows its work with the after-run step
    (after_run.py: recurring posts, health, notifications) on one of its own connections; the watch loop
    runs that step on a thread of its own instead, so that it never holds up the next turn. Raises
    ValueError for a bad argument and ImproperlyConfigured for bad settings, before anything is claimed.
    A database that fails mid-run ends it early with ``summary.error`` set. Do not call it inside a
    transaction: each account's state must be committed before its platform call.
    """
    config = RunConfig.load(limit=limit, max_seconds=max_seconds, concurrency=concurrency)
    # Fails fast on a missing or malformed ENCRYPTION_KEY, before any post is claimed.
    get_key_ring()
    post_ids = None if post_ids is None else list(post_ids)
    if dry_run:
        return _dry_run(config=config, post_ids=post_ids)
    run = _Run(config=config, post_ids=post_ids, stop=stop or threading.Event(), keep_claiming=keep_claiming)
    return run.execute(trigger=trigger, after_run=after_run)


class _Run:
    def __init__(
        self, *, config: RunConfig, post_ids: list[int] | None, stop: threading.Event, keep_claiming: bool
    ) -> None:
        self.config = config
        self.post_ids = post_ids
        self.stop = stop
        self.keep_claiming = keep_claiming
        self.lease_token = uuid.uuid4()
        self.summary = PublishRunSummary()
        self.taken = 0
        self.failure: BaseException | None = None
        self._summary_lock = threading.Lock()
        self._outstanding = 0
        self._room = threading.Condition()
        self._rounds: dict[int, PostRound] = {}
        self._started = time.monotonic()
        inline = config.concurrency == 1
        self.lanes = DbLanes(size=config.db_connections, inline=inline, on_failure=self._database_failed)
        self.history: RunHistory | None = None
        self.recorder = Recorder(
            lanes=self.lanes,
            lease_token=self.lease_token,
            on_outcome=self._on_outcome,
            review_events=lambda results: needs_review_events(
                results, rounds=self._rounds, group_key=self._group_key()
            ),
        )
        self.context = CallContext(
            recorder=self.recorder, lanes=self.lanes, stopping=self.stopping, quotas=config.quotas
        )
        self._ends = Batcher(lanes=self.lanes, write=self._end_posts, done=_nothing, failed=self._ends_failed)

    def stopping(self) -> bool:
        return self.stop.is_set() or self.failure is not None

    def _group_key(self) -> str | None:
        return None if self.history is None else self.history.group_key

    def execute(self, *, trigger: str, after_run: bool) -> PublishRunSummary:
        self.history = history = RunHistory(
            lanes=self.lanes, trigger=trigger, eager=trigger != PublisherRun.Trigger.WATCH
        )
        pool = WorkerPool(size=self.config.concurrency, name="publisher-call", database=False)
        heartbeat = Heartbeat(
            beat=partial(
                self.lanes.call,
                partial(
                    posts_extend_lease, lease_token=self.lease_token, lease_seconds=self.config.lease_seconds
                ),
            ),
            interval=self.config.lease_seconds / 3,
        )
        completed = False
        try:
            history.begin()
            self._claim_and_dispatch(pool, heartbeat, history)
            completed = True
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            self._database_failed(exc)
        finally:
            pool.close()
            self.recorder.wait_idle()
            self._ends.wait_idle()
            heartbeat.stop()
            if self.taken and self.failure is None:
                self._prune_quota_slots()
            self.summary.duration_seconds = time.monotonic() - self._started
            if self.failure is not None:
                self.summary.error = (
                    f"The database failed mid-run ({_one_line(self.failure)}): the {self.summary.released} "
                    "posts not started went back to the queue; calls that may have gone out are left to "
                    "recovery."
                )
            history.end(self.summary)
            self.summary.run_id = history.run_id
            if after_run and completed and self.failure is None:
                self.lanes.call(partial(publisher_after_run, group_key=history.group_key))
            self.lanes.close()
        if self.failure is not None and not self.taken:
            raise self.failure  # nothing was taken: the database is simply unavailable
        # An idle look at the queue (the watch loop's, many a minute) is not worth a line.
        log = logger.info if self.taken or trigger != PublisherRun.Trigger.WATCH else logger.debug
        log("%s in %.1f s", self.summary.line(), self.summary.duration_seconds)
        return self.summary

    def _prune_quota_slots(self) -> None:
        try:
            self.lanes.call(quota_slots_prune)
        except Exception as exc:  # the ledger only grows a little longer; the next run prunes it
            logger.debug("Could not prune the quota ledger: %s", exc)

    def _database_failed(self, exc: BaseException) -> None:
        """Stop claiming and starting; the caller reports ``summary.error`` (one line, no traceback)."""
        if self.failure is None:
            self.failure = exc

    # --- claiming -----------------------------------------------------------------------------------

    def _claim_and_dispatch(self, pool: WorkerPool, heartbeat: Heartbeat, history: RunHistory) -> None:
        # Recovery first: posts of a run that died wait longest.
        for take, counter in ((posts_claim_expired, "recovered"), (posts_claim_due, "claimed")):
            while self._may_claim():
                self._wait_for_room()
                if not self._may_claim():
                    break
                tried = self.lanes.call(
                    partial(
                        take,
                        lease_token=self.lease_token,
                        lease_seconds=self.config.lease_seconds,
                        limit=self._batch_size(),
                        post_ids=self.post_ids,
                    )
                )
                if not tried:
                    if counter == "claimed" and self.keep_claiming and self._busy():
                        self.stop.wait(0.1)  # the watch loop: claim what falls due while calls are in flight
                        continue
                    break
                history.begin(eager=True)
                heartbeat.start()
                rounds = self.lanes.call(
                    partial(
                        post_rounds_load,
                        tried=tried,
                        lease_token=self.lease_token,
                        missed_after_seconds=self.config.missed_after_seconds,
                    )
                )
                self.taken += len(rounds)
                self._count(**{counter: len(rounds)})
                for round_ in rounds:
                    self._dispatch(round_, pool)

    def _may_claim(self) -> bool:
        if self.stopping():
            return False
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

    def _busy(self) -> bool:
        with self._room:
            return self._outstanding > 0 or bool(self._rounds)

    def _wait_for_room(self) -> None:
        """Claim more only when the queue runs short, so leases start when the work can; and only while
        fewer posts than that wait for their results to be written, so a database slower than the
        platforms holds the claims back instead of letting results pile up in memory."""
        with self._room:
            while not self.stopping() and (
                self._outstanding >= self._room_below or len(self._rounds) >= self._room_below
            ):
                self._room.wait(0.5)

    # --- fanning out --------------------------------------------------------------------------------

    def _dispatch(self, round_: PostRound, pool: WorkerPool) -> None:
        post = round_.post
        # Pending accounts of a post held for processing wait for their own (retry or deferral) time.
        pending = [] if post.waits else [t for t in round_.targets if t.status == AccountStatus.PENDING]
        # A call that may have gone out is always settled by asking the platform, never by re-sending; an
        # account the platform was still processing is resumed.
        jobs = [
            (
                AccountCall.resume_processing
                if t.processing_since is not None and not t.call_in_flight
                else AccountCall.reconcile_in_doubt,
                t,
            )
            for t in round_.targets
            if t.status == AccountStatus.PUBLISHING
        ]
        if post.is_missed:
            if pending:
                message = missed_message(post, self.config.missed_after_seconds)
                if not self.lanes.call(partial(post_accounts_mark_missed, round_.ref, pending, message)):
                    self._count(lost=1)
                    return
                for target in pending:
                    round_.end_account(
                        target.post_account_id,
                        status=AccountStatus.FAILED,
                        error_kind=ErrorKind.MISSED,
                        message=message,
                    )
        else:
            jobs += [(AccountCall.publish, t) for t in pending]
        with self._room:
            self._rounds[post.pk] = round_
        if not jobs:
            self._ends.add(round_)
            return
        round_.remaining = len(jobs)
        for work, target in jobs:
            with self._room:
                self._outstanding += 1
            pool.submit(partial(self._run_job, round_, work, target))

    def _run_job(self, round_: PostRound, work, target: AccountTarget) -> None:
        try:
            try:
                work(AccountCall(post=round_.ref, target=target, context=self.context))
            except Exception:
                logger.exception(
                    "Post %s -> %s: the publisher failed unexpectedly; the post is left for recovery",
                    round_.ref.post_id,
                    target.label,
                )
                self._on_outcome(round_.ref, target, BROKEN)
        finally:
            with self._room:
                self._outstanding -= 1
                if self._outstanding < self._room_below:  # wake the claimer only when it may claim
                    self._room.notify()

    def _on_outcome(self, post: PostRef, target: AccountTarget, outcome: AccountOutcome) -> None:
        round_ = self._rounds[post.post_id]
        if round_.settle(target, outcome):
            self._ends.add(round_)

    # --- finalizing ---------------------------------------------------------------------------------

    def _end_posts(self, rounds: list[PostRound]) -> None:
        """Finalize or release settled posts (on a lane, several at a time) in one transaction with one
        INSERT of their events, so a post that ended always has its event and a rolled-back end has none.
        A batch that fails is ended again post by post: one bad post costs the others nothing."""
        rounds = sorted(rounds, key=lambda round_: round_.ref.post_id)  # rows locked in one order
        try:
            try:
                ends = self._end_together(rounds)
            except Exception as exc:
                if len(rounds) == 1:
                    ends = [self._end_failed(rounds[0], exc)]
                else:
                    logger.debug(
                        "Ending %s posts together failed; one by one now", len(rounds), exc_info=True
                    )
                    ends = [self._end_alone(round_) for round_ in rounds]
            for figures in ends:
                self._count(**figures)
        finally:
            with self._room:
                for round_ in rounds:
                    self._rounds.pop(round_.ref.post_id, None)
                self._room.notify()

    def _end_together(self, rounds: list[PostRound]) -> list[dict[str, int]]:
        """End the posts and record their events, all or nothing; the summary's figures of each."""
        before = [(round_, dict(round_.statuses)) for round_ in rounds]
        try:
            with transaction.atomic():
                ends = [self._end_post(round_) for round_ in rounds]
                group_key = self._group_key()
                events_record(
                    events=[
                        event
                        for round_ in rounds
                        if (event := post_end_event(round_, group_key=group_key)) is not None
                    ]
                )
        except BaseException:
            for round_, statuses in before:  # rolled back: as if never ended
                round_.statuses, round_.ended_as = statuses, None
            raise
        return ends

    def _end_alone(self, round_: PostRound) -> dict[str, int]:
        try:
            return self._end_together([round_])[0]
        except Exception as exc:
            return self._end_failed(round_, exc)

    def _end_failed(self, round_: PostRound, exc: Exception) -> dict[str, int]:
        if is_connection_error(exc):
            self._database_failed(exc)
        else:
            logger.exception("Post %s: finalizing failed; the post is left for recovery", round_.ref.post_id)
        try:
            post_release(post_id=round_.ref.post_id, lease_token=self.lease_token, to_recovery=True)
        except Exception:  # it is recovered when its lease expires
            logger.debug("Post %s: could not release its lease", round_.ref.post_id, exc_info=True)
        return {"errors": 1}

    def _end_post(self, round_: PostRound) -> dict[str, int]:
        """End one post, in the caller's transaction; its figures for the summary."""
        post_id = round_.ref.post_id
        if round_.lost:
            return {"lost": 1}
        if round_.broken:
            post_release(post_id=post_id, lease_token=self.lease_token, to_recovery=True)
            return {"errors": 1}
        if round_.unstarted:
            if post_release(post_id=post_id, lease_token=self.lease_token, to_recovery=False):
                return {"released": 1}
            return {"errors": 1}  # a call of it may be out: recovery reconciles it
        outcome = post_finalize(round_=round_, lease_token=self.lease_token, config=self.config)
        if outcome is None:
            logger.warning("Post %s: another run took it over; its result is left to that run", post_id)
            return {"lost": 1}
        logger.debug("Post %s: %s", post_id, outcome)
        return {
            "processed": 1,
            "deferred": int(bool(round_.deferred)),
            "processing": int(bool(round_.processing)),
            str(outcome): 1,
        }

    def _ends_failed(self, rounds: list[PostRound], error: BaseException) -> None:
        # The lanes could not reach the database at all: the leases expire and recovery takes over.
        self._database_failed(error)
        with self._room:
            for round_ in rounds:
                self._rounds.pop(round_.ref.post_id, None)
            self._room.notify()
        self._count(errors=len(rounds))

    def _count(self, **figures: int) -> None:
        with self._summary_lock:
            for name, value in figures.items():
                setattr(self.summary, name, getattr(self.summary, name) + value)


def _nothing(*args: object) -> None:
    return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
