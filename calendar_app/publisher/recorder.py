"""What an account's call leaves in the database, written in batches by the run's few connections.

The call flow (``account_call.py``) decides a ``Verdict``; the outcome table below says what each verdict
writes on the account and on its attempt. The recorder writes them many at a time:

- ``start``: the PUBLISHING mark and the attempt row of many accounts in one transaction (one statement on
  PostgreSQL); each waiting call goes out only once that transaction has committed. Accounts whose
  platform caps posts take their quota slots in the same transaction, or are deferred (quotas.py).
- ``record``: results in batches (one statement on PostgreSQL), each write conditional on the account still
  being in the state the call left it in and its post still under this run's lease (the stale-writer
  guard). Whatever was written, or found taken over, is handed to the run (``on_outcome``). An account
  that becomes NEEDS_REVIEW gets its ``post_account.needs_review`` event in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.db import DatabaseError
from django.db import transaction
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from notifications.services import EventDraft
from notifications.services import events_record

from .quotas import Deferral
from .quotas import QuotaRequest
from .quotas import quota_scope_block
from .quotas import quota_slots_admit
from .quotas import quota_slots_release
from .quotas import quota_slots_take
from .sql import AccountResult
from .sql import HeldAccount
from .sql import attempt_close
from .sql import attempt_open
from .sql import post_account_start_call
from .sql import post_account_update_held
from .sql import post_accounts_record
from .sql import post_accounts_start_calls
from .targets import AccountTarget
from .targets import PostRef
from .workers import Batcher
from .workers import DbLanes
from .workers import is_connection_error

logger = logging.getLogger(__name__)


class Verdict(StrEnum):
    PUBLISHED = "published"  # the platform has the post (answered with it, or reconciliation found it)
    RETRY = "retry"  # a passing failure: send again in a later round
    FAILED = "failed"  # ends failed: invalid, refused, out of chances
    CONFIRMED_ABSENT = "confirmed_absent"  # an unknown outcome the platform confirmed did not land
    CANNOT_TELL = "cannot_tell"  # an unknown outcome nobody can settle: a person checks
    DEFERRED = "deferred"  # over a posting quota: not sent, waits for the window (no retry round)
    PROCESSING = "processing"  # the platform is still processing it: a later run resumes the account


@dataclass(frozen=True)
class OutcomeRow:
    account_status: str
    attempt_outcome: str


OUTCOMES: dict[Verdict, OutcomeRow] = {
    Verdict.PUBLISHED: OutcomeRow(AccountStatus.PUBLISHED, AttemptOutcome.PUBLISHED),
    Verdict.RETRY: OutcomeRow(AccountStatus.PENDING, AttemptOutcome.FAILED),
    Verdict.FAILED: OutcomeRow(AccountStatus.FAILED, AttemptOutcome.FAILED),
    Verdict.CONFIRMED_ABSENT: OutcomeRow(AccountStatus.PENDING, AttemptOutcome.NOT_FOUND),
    Verdict.CANNOT_TELL: OutcomeRow(AccountStatus.NEEDS_REVIEW, AttemptOutcome.CANNOT_TELL),
    Verdict.DEFERRED: OutcomeRow(AccountStatus.PENDING, AttemptOutcome.FAILED),  # never has an attempt
    Verdict.PROCESSING: OutcomeRow(AccountStatus.PUBLISHING, AttemptOutcome.PROCESSING),
}
# A call with one of these verdicts made nothing on the platform: its quota slot is given back.
RELEASES_SLOT = frozenset({Verdict.RETRY, Verdict.FAILED, Verdict.CONFIRMED_ABSENT})


@dataclass(frozen=True)
class Attempt:
    id: int
    started_at: datetime


@dataclass(frozen=True)
class AccountOutcome:
    """Where an account ended this round, as the run sees it."""

    status: str
    error_kind: str = ""
    message: str = ""
    retry_after: float | None = None
    published_at: datetime | None = None
    verdict: str = ""  # the verdict recorded (empty for the ends that wrote nothing)
    wait: float | None = None  # deferred or processing: seconds until the account may go on
    platform_post_url: str = ""
    recorded: bool = True  # False: another run had taken the post over
    started: bool = True  # False: the run stopped before this account's call (nothing written)
    broken: bool = False  # True: the work failed unexpectedly; the post is left for recovery


LOST = AccountOutcome(status=AccountStatus.PUBLISHING, recorded=False)
BROKEN = AccountOutcome(status=AccountStatus.PUBLISHING, recorded=False, broken=True)
NOT_STARTED = AccountOutcome(status=AccountStatus.PENDING, started=False)


@dataclass(frozen=True)
class Result:
    """One account's result for the recorder. ``attempt`` None: decided without a call (nothing to close)."""

    post: PostRef
    target: AccountTarget
    verdict: Verdict
    attempt: Attempt | None
    from_status: str = AccountStatus.PUBLISHING
    kind: str = ""
    message: str = ""
    http_status: int | None = None
    retry_after: float | None = None
    platform_post_id: str = ""
    platform_post_url: str = ""
    attempt_message: str | None = None
    wait: float | None = None  # DEFERRED, PROCESSING: seconds until the account may go on
    processing_since: datetime | None = None  # PROCESSING: when the platform first said so
    block: tuple[str, float] | None = None  # the platform's limit: (quota scope key, seconds) to wait

    def account_result(self, now: datetime) -> AccountResult:
        row = OUTCOMES[self.verdict]
        processing = self.verdict == Verdict.PROCESSING
        values: dict[str, Any] = {
            "status": row.account_status,
            "error_kind": self.kind,
            "error_message": self.message,
            "updated_at": now,
            "processing_since": (self.processing_since or now) if processing else None,
        }
        if row.account_status == AccountStatus.PUBLISHED:
            values.update(
                platform_post_id=self.platform_post_id[:255],
                platform_post_url=self.platform_post_url[:500],
                published_at=now,
            )
        attempt_values = None
        if self.attempt is not None:
            attempt_values = {
                "finished_at": now,
                "outcome": row.attempt_outcome,
                "error_kind": self.kind,
                "http_status": self.http_status,
                "error_message": self.message if self.attempt_message is None else self.attempt_message,
            }
        return AccountResult(
            post_account_id=self.target.post_account_id,
            post_id=self.post.post_id,
            from_status=self.from_status,
            values=values,
            attempt_id=None if self.attempt is None else self.attempt.id,
            attempt_values=attempt_values,
        )

    def outcome(self, now: datetime) -> AccountOutcome:
        status = OUTCOMES[self.verdict].account_status
        return AccountOutcome(
            status=status,
            error_kind=self.kind,
            message=self.message,
            retry_after=self.retry_after,
            published_at=now if status == AccountStatus.PUBLISHED else None,
            verdict=self.verdict,
            wait=self.wait,
            platform_post_url=self.platform_post_url[:500] if status == AccountStatus.PUBLISHED else "",
        )


OnOutcome = Callable[[PostRef, AccountTarget, AccountOutcome], None]
# The events of results just written (``post_account.needs_review``), recorded in their transaction.
EventsFor = Callable[[list["Result"]], list[EventDraft]]


class Recorder:
    """The run's writes of account starts and results, group-committed on its database lanes."""

    def __init__(
        self,
        *,
        lanes: DbLanes,
        lease_token: UUID,
        on_outcome: OnOutcome,
        review_events: EventsFor | None = None,
    ) -> None:
        self.lanes = lanes
        self.lease_token = lease_token
        self._on_outcome = on_outcome
        self._review_events = review_events
        self._starts = Batcher(
            lanes=lanes, write=self._write_starts, done=self._started, failed=self._starts_failed
        )
        self._results = Batcher(
            lanes=lanes, write=self._write_results, done=self._recorded, failed=self._results_failed
        )

    # --- starts -------------------------------------------------------------------------------------

    def start(
        self,
        post: PostRef,
        target: AccountTarget,
        *,
        quota: QuotaRequest | None = None,
        keep_state: bool = False,
    ) -> Future[Attempt | Deferral | None]:
        """Mark a PENDING account PUBLISHING and open its attempt, with others; resolves after the commit:
        the attempt, a ``Deferral`` when the post would exceed one of the platform's quotas (``quota``), or
        None when the post is no longer this run's. Raises (through the future) when the database failed.
        ``keep_state``: the call goes on from the account's saved ``publish_state`` (it is not cleared)."""
        future: Future[Attempt | Deferral | None] = Future()
        self._starts.add(_Start(post, target, future, quota, keep_state))
        return future

    def _write_starts(self, batch: list[_Start]) -> tuple[datetime, dict[int, int], dict[int, Deferral]]:
        now = timezone.now()
        requests = [start.quota for start in batch if start.quota is not None and start.quota.quotas]
        if not requests:
            return now, self._mark(batch, now), {}
        with transaction.atomic():
            quota_now, deferrals = quota_slots_admit(requests)
            started = self._mark([s for s in batch if s.target.post_account_id not in deferrals], now)
            quota_slots_take(requests=requests, started=started, now=quota_now)
        return now, started, deferrals

    def _mark(self, batch: list[_Start], now: datetime) -> dict[int, int]:
        started: dict[int, int] = {}
        for keep_state in (False, True):
            group = [(s.target.post_account_id, s.post.post_id) for s in batch if s.keep_state == keep_state]
            if group:
                started |= post_accounts_start_calls(
                    post_accounts=group, lease_token=self.lease_token, started_at=now, keep_state=keep_state
                )
        return started

    def _started(self, batch: list[_Start], written: tuple) -> None:
        now, started, deferrals = written
        for start in batch:
            pk = start.target.post_account_id
            attempt_id = started.get(pk)
            if pk in deferrals:
                start.future.set_result(deferrals[pk])
            else:
                start.future.set_result(None if attempt_id is None else Attempt(attempt_id, now))

    def _starts_failed(self, batch: list[_Start], error: BaseException) -> None:
        for start in batch:
            start.future.set_exception(error)

    # --- results ------------------------------------------------------------------------------------

    def record(self, result: Result) -> None:
        self._results.add(result)

    def settle(self, post: PostRef, target: AccountTarget, outcome: AccountOutcome) -> None:
        """An end that writes nothing (the post was taken over, or the run stopped before the call)."""
        self._on_outcome(post, target, outcome)

    def _write_results(self, batch: list[Result]) -> tuple[datetime, set[int], set[int]]:
        now = timezone.now()
        _quota_effects(batch)
        try:
            return now, self._write_batch(batch, now), set()
        except DatabaseError as exc:
            if is_connection_error(exc) or len(batch) == 1:
                raise
        # One bad row must not cost the others their results: write them one by one.
        written: set[int] = set()
        broken: set[int] = set()
        for result in batch:
            try:
                with transaction.atomic():
                    written |= self._write_batch([result], now)
            except DatabaseError as exc:
                if is_connection_error(exc):
                    raise
                broken.add(result.target.post_account_id)
        return now, written, broken

    def _write_batch(self, batch: list[Result], now: datetime) -> set[int]:
        """Write the results (one statement on PostgreSQL); an account that becomes NEEDS_REVIEW gets its
        event in the same transaction, so a batch without one costs no transaction and no INSERT."""
        rows = [result.account_result(now) for result in batch]
        reviews = [result for result in batch if result.verdict == Verdict.CANNOT_TELL]
        if not reviews or self._review_events is None:
            return post_accounts_record(results=rows, lease_token=self.lease_token)
        with transaction.atomic():
            written = post_accounts_record(results=rows, lease_token=self.lease_token)
            reviewed = [result for result in reviews if result.target.post_account_id in written]
            events_record(events=self._review_events(reviewed))
        return written

    def _recorded(self, batch: list[Result], written: tuple[datetime, set[int], set[int]]) -> None:
        now, ids, broken = written
        if broken:
            logger.error(
                "The results of %s accounts could not be written; their posts are left for recovery.",
                len(broken),
            )
        for result in batch:
            if result.target.post_account_id in broken:
                outcome = BROKEN
            elif result.target.post_account_id in ids:
                _log(result)
                outcome = result.outcome(now)
            else:
                logger.warning(
                    "Post %s -> %s: another run took the post over during the call; its result (%s%s) was "
                    "not recorded on the account, only in the attempt history.",
                    result.post.post_id,
                    result.target.label,
                    OUTCOMES[result.verdict].account_status,
                    f" {result.platform_post_id}" if result.platform_post_id else "",
                )
                outcome = LOST
            self._on_outcome(result.post, result.target, outcome)

    def _results_failed(self, batch: list[Result], error: BaseException) -> None:
        # The calls happened; their accounts stay PUBLISHING and recovery asks the platforms. A lost
        # connection is the run's to report, once.
        text = str(error).strip()
        log = logger.debug if is_connection_error(error) else logger.error
        log(
            "Recording the results of %s accounts failed (%s); their posts are left for recovery, which "
            "asks the platforms what became of each call.",
            len(batch),
            text.splitlines()[0] if text else type(error).__name__,
        )
        for result in batch:
            self._on_outcome(result.post, result.target, BROKEN)

    def wait_idle(self) -> None:
        self._starts.wait_idle()
        self._results.wait_idle()


@dataclass(frozen=True)
class _Start:
    post: PostRef
    target: AccountTarget
    future: Future
    quota: QuotaRequest | None
    keep_state: bool


def _quota_effects(batch: list[Result]) -> None:
    """Give back the slots of calls that made nothing; note the limits the platforms said are reached.
    Written even if the account's result then is not (another run took the post over): the call happened."""
    quota_slots_release(
        post_account_ids=[
            result.target.post_account_id
            for result in batch
            if result.attempt is not None and result.verdict in RELEASES_SLOT
        ]
    )
    for result in batch:
        if result.block is not None:
            quota_scope_block(key=result.block[0], seconds=result.block[1], reason=result.message)


def _log(result: Result) -> None:
    if result.verdict in (Verdict.PUBLISHED, Verdict.PROCESSING):
        return
    logger.warning(
        "Post %s -> %s: %s: %s", result.post.post_id, result.target.label, result.kind, result.message
    )


# --- the rare single writes of a call (a refused token retried, a reconciliation, progress) ------------


def post_account_restart_call(
    post: PostRef, target: AccountTarget, refused: Attempt, closing: dict[str, Any], *, keep_state: bool
) -> Attempt | None:
    """Close the attempt whose token was refused and open the next one, in one transaction; None when the
    post is no longer this run's. ``keep_state``: the next call goes on from the saved progress."""
    now = timezone.now()
    with transaction.atomic():
        attempt_close(attempt_id=refused.id, values={"finished_at": now, **closing})
        attempt_id = _open_call(post, target, now, keep_state=keep_state)
    return None if attempt_id is None else Attempt(attempt_id, now)


def post_account_resume_call(post: PostRef, target: AccountTarget) -> Attempt | None:
    """Open the call that goes on with an account its platform was still processing (it stays PUBLISHING,
    its progress kept); None when the post is no longer this run's."""
    now = timezone.now()
    attempt_id = _open_call(post, target, now, keep_state=True)
    return None if attempt_id is None else Attempt(attempt_id, now)


def _open_call(post: PostRef, target: AccountTarget, now: datetime, *, keep_state: bool) -> int | None:
    values: dict[str, Any] = {"status": AccountStatus.PUBLISHING, "updated_at": now}
    if not keep_state:
        values["publish_state"] = {}
    return post_account_start_call(
        held=_held(post, target), values=values, action=AttemptAction.PUBLISH, started_at=now
    )


def post_account_open_reconcile(
    post: PostRef, target: AccountTarget, closing: tuple[Attempt, dict[str, Any]] | None
) -> Attempt | None:
    """Open a RECONCILE attempt on an account still PUBLISHING under this run's lease (closing the call
    it follows, if any); None when the post is no longer this run's."""
    now = timezone.now()
    with transaction.atomic():
        if closing is not None:
            attempt_close(attempt_id=closing[0].id, values={"finished_at": now, **closing[1]})
        if not _update_held(post, target, {"updated_at": now}):
            return None
        attempt_id = attempt_open(
            post_account_id=target.post_account_id, action=AttemptAction.RECONCILE, started_at=now
        )
    return Attempt(attempt_id, now)


def post_account_save_progress(post: PostRef, target: AccountTarget, state: dict[str, Any]) -> bool:
    """What a client saved before a risky step, for reconciliation; committed before the client goes on."""
    return _update_held(post, target, {"publish_state": state})


def _update_held(post: PostRef, target: AccountTarget, values: dict[str, Any]) -> bool:
    return post_account_update_held(held=_held(post, target), values=values)


def _held(post: PostRef, target: AccountTarget) -> HeldAccount:
    """The account of a call in progress: written only while PUBLISHING and the post still this run's."""
    return HeldAccount(target.post_account_id, post.post_id, post.lease_token, AccountStatus.PUBLISHING)
