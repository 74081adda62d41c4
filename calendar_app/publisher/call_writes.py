"""What one account's call writes, and how: through the run's recorder and database lanes, never its own
connection (a platform-call thread has none). ``CallWrites`` is the base of ``AccountCall``
(account_call.py): the starts of its calls, its results, its saved progress, and the secrets its messages
must never carry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import TypeVar

from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptOutcome
from calendar_app.models import ErrorKind
from social.models import SocialAccount
from social.platforms import BaseClient
from social.platforms import PublishError
from social.platforms import PublishPayload
from social.platforms import StillProcessing
from social.platforms import client_for
from social.platforms import platform_spec
from social.redaction import redact

from .media import payload_media_resolve
from .quotas import Deferral
from .quotas import QuotaRequest
from .recorder import Attempt
from .recorder import Recorder
from .recorder import Result
from .recorder import Verdict
from .recorder import post_account_open_reconcile
from .recorder import post_account_restart_call
from .recorder import post_account_save_progress
from .targets import AccountTarget
from .targets import PostRef
from .workers import DbLanes
from .workers import is_connection_error
from .workers import pool_http_session

logger = logging.getLogger(__name__)

T = TypeVar("T")

MESSAGE_LIMIT = 500
KEY_PROBLEM_MESSAGE = (
    "The account's token cannot be decrypted with the configured ENCRYPTION_KEY (system check social.E003: "
    "run `manage.py check --database default`). The post is kept and retried once the key is fixed."
)


@dataclass(frozen=True)
class CallContext:
    """The run's side of a call: where its writes go, and whether it is stopping."""

    recorder: Recorder
    lanes: DbLanes
    stopping: Callable[[], bool]
    quotas: bool = True  # keep the platforms' posting quotas (PUBLISH_QUOTAS)


class NotStarted(Exception):
    """The run stopped (or its database failed) before this account's call went out."""


class CallWrites:
    """One account's call as the database sees it: its starts, results and progress."""

    def __init__(self, *, post: PostRef, target: AccountTarget, context: CallContext) -> None:
        self.post = post
        self.target = target
        self.context = context
        self.state: dict[str, Any] = {}
        self.secrets: set[str] = set()
        if target.account is not None:
            self._remember_secrets(target.account)

    # --- the database, through the run ------------------------------------------------------------

    def _db(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on one of the run's database lanes and wait for it."""
        try:
            return self.context.lanes.call(fn)
        except Exception as exc:
            if is_connection_error(exc):
                raise NotStarted from exc
            raise

    def _start_publish(self, *, quota: QuotaRequest, keep_state: bool) -> Attempt | Deferral | None:
        """Start the call (batched with others' starts): its attempt, a deferral when the post is over a
        quota, or None when the post is no longer this run's. ``keep_state``: go on from the saved progress."""
        if self.context.stopping():
            raise NotStarted
        try:
            started = self.context.recorder.start(
                self.post, self.target, quota=quota, keep_state=keep_state
            ).result()
        except Exception as exc:
            if is_connection_error(exc):
                raise NotStarted from exc
            raise
        if isinstance(started, Attempt):
            self.state = dict(self.target.publish_state) if keep_state else {}
        return started

    def _restart_call(self, after: Attempt, error: PublishError, *, keep_state: bool) -> Attempt | None:
        """The same account again, after a token refresh: close the refused call, open the next."""
        refused = self._attempt_failure(error)
        attempt = self._db(
            lambda: post_account_restart_call(self.post, self.target, after, refused, keep_state=keep_state)
        )
        if attempt is not None and not keep_state:
            self.state = {}
        return attempt

    def _start_reconcile(self, *, after: tuple[Attempt, PublishError] | None = None) -> Attempt | None:
        if after is None and self.context.stopping():
            raise NotStarted
        closing = None if after is None else (after[0], self._attempt_failure(after[1]))
        return self._db(lambda: post_account_open_reconcile(self.post, self.target, closing))

    def _attempt_failure(self, error: PublishError) -> dict[str, Any]:
        """How an attempt that failed with ``error`` is closed (its message made safe)."""
        return {
            "outcome": AttemptOutcome.FAILED,
            "error_kind": error.kind,
            "http_status": error.http_status,
            "error_message": self._safe(error.message),
        }

    def _record(
        self,
        attempt: Attempt | None,
        verdict: Verdict,
        *,
        kind: str = "",
        message: str = "",
        http_status: int | None = None,
        retry_after: float | None = None,
        platform_post_id: str = "",
        platform_post_url: str = "",
        attempt_message: str | None = None,
        wait: float | None = None,
        processing_since: datetime | None = None,
        block: tuple[str, float] | None = None,
        from_status: str = AccountStatus.PUBLISHING,
    ) -> None:
        """Hand the result to the recorder: written with others, on the account still in ``from_status``."""
        self.context.recorder.record(
            Result(
                post=self.post,
                target=self.target,
                verdict=verdict,
                attempt=attempt,
                from_status=from_status,
                kind=kind,
                message=self._safe(message),
                http_status=http_status,
                retry_after=retry_after,
                platform_post_id=platform_post_id,
                platform_post_url=platform_post_url,
                attempt_message=None if attempt_message is None else self._safe(attempt_message),
                wait=wait,
                processing_since=processing_since,
                block=block,
            )
        )

    def _end_before_call(
        self, verdict: Verdict, kind: str, message: str, *, wait: float | None = None
    ) -> None:
        """An outcome known without calling the platform: no attempt row, the account was never sent."""
        if self.context.stopping():
            raise NotStarted
        self._record(None, verdict, kind=kind, message=message, wait=wait, from_status=AccountStatus.PENDING)

    def _save_progress(self, state: dict[str, Any]) -> None:
        """``on_progress`` of the client: committed before the client goes on, so a run that dies leaves it
        for reconciliation."""
        self.state.update(state)
        saved = dict(self.state)
        self._db(lambda: post_account_save_progress(self.post, self.target, saved))

    def _record_processing(
        self, account: SocialAccount, attempt: Attempt, processing: StillProcessing
    ) -> None:
        since = self.target.processing_since or attempt.started_at
        limit = platform_spec(account.platform).client_class.max_processing_seconds
        if (timezone.now() - since).total_seconds() > limit:
            return self._record(
                attempt,
                Verdict.FAILED,
                kind=ErrorKind.INVALID,
                message=f"{processing.message} It has been processing for more than {limit / 3600:g} hours, "
                "so the publisher gave up: nothing was published. Check the media, then retry the post.",
            )
        return self._record(
            attempt,
            Verdict.PROCESSING,
            message=processing.message,
            wait=processing.check_after,
            processing_since=since,
        )

    def _record_deferral(self, deferral: Deferral) -> None:
        """Over a quota: no call, no attempt; the account waits PENDING with the reason."""
        self._end_before_call(Verdict.DEFERRED, ErrorKind.QUOTA, deferral.message, wait=deferral.seconds)

    def _client(self, account: SocialAccount) -> BaseClient:
        # Inside the run's pool the worker's session, so calls reuse its connections (workers.py).
        return client_for(account, on_progress=self._save_progress, session=pool_http_session())

    def _payload(self, account: SocialAccount, *, for_call: bool = True) -> PublishPayload:
        """What this account is sent; ``for_call`` also resolves library media for the call (signed URLs,
        readable sources), which a reconciliation does not need."""
        payload = PublishPayload.for_platform(
            content=self.post.content,
            metadata=self.post.metadata,
            platform=account.platform,
            idempotency_key=f"post-{self.post.post_id}-account-{account.pk}",
        )
        return payload_media_resolve(
            payload, sources=self.post.media_sources, platform=account.platform, for_call=for_call
        )

    def _remember_secrets(self, account: SocialAccount) -> None:
        self.secrets.update(token for token in (account.access_token, account.refresh_token) if token)

    def _safe(self, message: str) -> str:
        """A short message with no token in it, whatever a client or library put there."""
        return redact(message, self.secrets)[:MESSAGE_LIMIT]

    def _describe(self, exc: BaseException) -> str:
        return self._safe(f"{type(exc).__name__}: {exc}")
