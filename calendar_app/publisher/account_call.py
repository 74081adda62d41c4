"""One account of one post: the platform call and its reconciliation, on a platform-call thread.

The flow never touches the database itself (its thread has no connection): it asks the run's recorder and
database lanes. Per account:
1. prepare (payload, client, validation, a token about to expire is refreshed): a problem found here ends
   the account without a call and without an attempt row;
2. start: the account is marked PUBLISHING and its PublishAttempt opened, together with other accounts'
   marks in one transaction; the call goes out only once that has committed, so a crash from here on
   leaves evidence that a call may have happened;
3. call the platform;
4. hand the verdict to the recorder, which writes it (only while the account is still PUBLISHING under this
   run's lease: the stale-writer guard) and closes the attempt.
An UNKNOWN outcome is reconciled at once, as its own RECONCILE attempt; the account is sent again only
when the platform confirms the post is not there. Platform failures never raise from here: each ends as a
verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.utils import timezone

from calendar_app.models import AccountStatus, AttemptOutcome, ErrorKind
from social.crypto import TokenDecryptionError
from social.models import SocialAccount, SocialAccountStatus
from social.platforms import (
    BaseClient,
    CannotTell,
    Found,
    InDoubtAttempt,
    NotFound,
    PublishError,
    PublishPayload,
    PublishResult,
    ReconcileResult,
    TokenRefreshError,
    TokenRevokedError,
    UnknownOAuthProviderError,
    UnknownPlatformError,
    client_for,
    token_refresh_margin,
    validation_problems,
)
from social.redaction import redact
from social.services import social_account_mark_needs_reconnect, social_account_refresh_token

from .recorder import (
    LOST,
    NOT_STARTED,
    Attempt,
    Recorder,
    Result,
    Verdict,
    post_account_open_reconcile,
    post_account_restart_call,
    post_account_save_progress,
)
from .targets import AccountTarget, PostRef
from .workers import DbLanes, is_connection_error, pool_http_session

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


class _NotStarted(Exception):
    """The run stopped (or its database failed) before this account's call went out."""


class AccountCall:
    def __init__(self, *, post: PostRef, target: AccountTarget, context: CallContext) -> None:
        self.post = post
        self.target = target
        self.context = context
        self.state: dict[str, Any] = {}
        self.secrets: set[str] = set()
        if target.account is not None:
            self._remember_secrets(target.account)

    # --- the two paths ------------------------------------------------------------------------------

    def publish(self) -> None:
        """Send a PENDING account its post, unless something known in advance says it cannot go."""
        try:
            self._publish()
        except _NotStarted:
            self.context.recorder.settle(self.post, self.target, NOT_STARTED)

    def reconcile_in_doubt(self) -> None:
        """Settle an account left PUBLISHING by a run that died mid-call: ask the platform, never re-send."""
        try:
            self._reconcile_in_doubt()
        except _NotStarted:
            self.context.recorder.settle(self.post, self.target, NOT_STARTED)

    def _publish(self) -> None:
        account = self.target.account
        if account is None:
            return self._end_before_call(Verdict.RETRY, ErrorKind.TRANSIENT, self.target.account_problem)
        if account.status == SocialAccountStatus.NEEDS_RECONNECT:
            return self._end_before_call(
                Verdict.FAILED,
                ErrorKind.AUTH,
                "The account needs reconnecting (its token was refused or revoked): reconnect the account.",
            )
        if account.status == SocialAccountStatus.DISABLED:
            return self._end_before_call(Verdict.FAILED, ErrorKind.INVALID, "The account is disabled.")
        try:
            payload = self._payload(account)
        except (AttributeError, TypeError, ValueError) as exc:
            return self._end_before_call(
                Verdict.FAILED, ErrorKind.INVALID, f"The post's metadata cannot be read: {exc}"
            )
        try:
            client = self._client(account)
            problems = validation_problems(account, payload, client=client)
        except UnknownPlatformError as exc:
            return self._end_before_call(
                Verdict.RETRY, ErrorKind.TRANSIENT, f"{exc} The post is kept and retried."
            )
        except Exception as exc:
            return self._end_before_call(
                Verdict.RETRY,
                ErrorKind.TRANSIENT,
                f"Preparing the call failed unexpectedly ({self._describe(exc)}); will retry.",
            )
        if problems:
            return self._end_before_call(Verdict.FAILED, ErrorKind.INVALID, "; ".join(problems))

        fresh = self._with_fresh_token(account, must_succeed=True)
        if fresh is None:
            return None
        if fresh is not account:
            account, client = fresh, self._client(fresh)

        attempt = self._start_publish()
        if attempt is None:
            return self.context.recorder.settle(self.post, self.target, LOST)
        result = self._call(client, payload)
        if isinstance(result, PublishError) and result.kind == ErrorKind.AUTH:
            return self._refresh_and_retry(account, payload, attempt, result)
        return self._settle(account, payload, attempt, result)

    def _reconcile_in_doubt(self) -> None:
        account = self.target.account
        self.state = dict(self.target.publish_state)
        cause = "A call was in flight when its run stopped"
        if account is None:
            return self._record(
                None,
                Verdict.CANNOT_TELL,
                kind=ErrorKind.UNKNOWN,
                message=f"{cause}, and it cannot be checked: {self.target.account_problem}",
            )
        try:
            payload = self._payload(account)
        except (AttributeError, TypeError, ValueError) as exc:
            return self._record(
                None,
                Verdict.CANNOT_TELL,
                kind=ErrorKind.UNKNOWN,
                message=f"{cause}, and the post's metadata cannot be read to check it: {exc}",
            )
        account = self._with_fresh_token(account, must_succeed=False) or account
        attempt = self._start_reconcile()
        if attempt is None:
            return self.context.recorder.settle(self.post, self.target, LOST)
        return self._reconcile(
            account,
            payload,
            attempt,
            started_at=self.target.in_doubt_since or attempt.started_at,
            cause=cause,
        )

    # --- steps --------------------------------------------------------------------------------------

    def _refresh_and_retry(
        self, account: SocialAccount, payload: PublishPayload, attempt: Attempt, error: PublishError
    ) -> None:
        """The platform refused the token: refresh it (unless another run already did) and call once more."""
        try:
            refreshed = self._db(
                lambda: social_account_refresh_token(
                    account_id=account.pk, rejected_access_token=account.access_token
                )
            )
        except TokenRevokedError as exc:
            return self._record(
                attempt,
                Verdict.FAILED,
                kind=ErrorKind.AUTH,
                message=f"{error.message} The token cannot be refreshed ({exc}): reconnect the account.",
                http_status=error.http_status,
            )
        except (TokenRefreshError, UnknownOAuthProviderError, TokenDecryptionError) as exc:
            reason = KEY_PROBLEM_MESSAGE if isinstance(exc, TokenDecryptionError) else str(exc)
            return self._record(
                attempt,
                Verdict.RETRY,
                kind=ErrorKind.TRANSIENT,
                message=f"{error.message} Refreshing the token failed for now ({reason}); will retry.",
                http_status=error.http_status,
            )
        self._remember_secrets(refreshed)
        try:
            client = self._client(refreshed)
        except Exception as exc:
            return self._record(
                attempt,
                Verdict.RETRY,
                kind=ErrorKind.TRANSIENT,
                message=f"Building the client failed unexpectedly ({self._describe(exc)}); will retry.",
            )
        retry_attempt = self._start_publish(after=(attempt, error))
        if retry_attempt is None:
            return self.context.recorder.settle(self.post, self.target, LOST)
        result = self._call(client, payload)
        if isinstance(result, PublishError) and result.kind == ErrorKind.AUTH:
            self._db(
                lambda: social_account_mark_needs_reconnect(
                    account_id=refreshed.pk, rejected_access_token=refreshed.access_token
                )
            )
            return self._record(
                retry_attempt,
                Verdict.FAILED,
                kind=ErrorKind.AUTH,
                message=f"{result.message} Refused again with a refreshed token: reconnect the account.",
                http_status=result.http_status,
            )
        return self._settle(refreshed, payload, retry_attempt, result)

    def _settle(
        self,
        account: SocialAccount,
        payload: PublishPayload,
        attempt: Attempt,
        result: PublishResult | PublishError,
    ) -> None:
        if isinstance(result, PublishResult):
            return self._record(
                attempt,
                Verdict.PUBLISHED,
                platform_post_id=result.platform_post_id,
                platform_post_url=result.platform_post_url,
            )
        if result.kind == ErrorKind.UNKNOWN:
            reconcile_attempt = self._start_reconcile(after=(attempt, result))
            if reconcile_attempt is None:
                return self.context.recorder.settle(self.post, self.target, LOST)
            return self._reconcile(
                account, payload, reconcile_attempt, started_at=attempt.started_at, cause=result.message
            )
        verdict = Verdict.RETRY if result.kind == ErrorKind.TRANSIENT else Verdict.FAILED
        return self._record(
            attempt,
            verdict,
            kind=result.kind,
            message=result.message,
            http_status=result.http_status,
            retry_after=result.retry_after if verdict == Verdict.RETRY else None,
        )

    def _reconcile(
        self,
        account: SocialAccount,
        payload: PublishPayload,
        attempt: Attempt,
        *,
        started_at: datetime,
        cause: str,
    ) -> None:
        try:
            answer: ReconcileResult = self._client(account).reconcile(
                InDoubtAttempt(payload=payload, started_at=started_at, state=dict(self.state))
            )
        except Exception as exc:  # a check that breaks proves nothing either way
            answer = CannotTell(f"the check failed: {self._describe(exc)}")
        if isinstance(answer, Found):
            return self._record(
                attempt,
                Verdict.PUBLISHED,
                platform_post_id=answer.platform_post_id,
                platform_post_url=answer.platform_post_url,
            )
        if isinstance(answer, NotFound):
            return self._record(
                attempt,
                Verdict.CONFIRMED_ABSENT,
                kind=ErrorKind.UNKNOWN,
                message=f"{cause}; the platform confirmed the post is not there, so it will be sent again.",
                attempt_message=answer.reason,
            )
        reason = getattr(answer, "reason", "") or "no reason given"
        return self._record(
            attempt,
            Verdict.CANNOT_TELL,
            kind=ErrorKind.UNKNOWN,
            message=f"{cause}; whether it was published cannot be told ({reason}). Check the account, then "
            "mark it published or send it again.",
            attempt_message=reason,
        )

    def _with_fresh_token(self, account: SocialAccount, *, must_succeed: bool) -> SocialAccount | None:
        """Refresh a token that expires within its platform's margin, before the call rather than after a
        refusal.

        Returns the account to call with, or None when the account has ended (recorded) without a call.
        """
        now = timezone.now()
        expires_at = account.token_expires_at
        margin = token_refresh_margin(account.platform)  # minutes; days for long-lived tokens (Threads)
        if expires_at is None or expires_at > now + margin:
            return account
        try:
            fresh = self._db(
                lambda: social_account_refresh_token(account_id=account.pk, refresh_within=margin)
            )
        except TokenRevokedError as exc:
            if not must_succeed:
                return account
            self._end_before_call(
                Verdict.FAILED,
                ErrorKind.AUTH,
                f"The token cannot be refreshed ({exc}): reconnect the account.",
            )
            return None
        except (TokenRefreshError, UnknownOAuthProviderError, TokenDecryptionError) as exc:
            if not must_succeed or expires_at > now:
                return account  # still valid for a few minutes: use it
            reason = KEY_PROBLEM_MESSAGE if isinstance(exc, TokenDecryptionError) else str(exc)
            self._end_before_call(
                Verdict.RETRY,
                ErrorKind.TRANSIENT,
                f"The token has expired and refreshing it failed for now ({reason}); will retry.",
            )
            return None
        self._remember_secrets(fresh)
        return fresh

    def _call(self, client: BaseClient, payload: PublishPayload) -> PublishResult | PublishError:
        try:
            result = client.publish(payload)
        except PublishError as exc:
            return exc
        except Exception as exc:  # the request may have gone out: treat it as an unknown outcome
            return PublishError(ErrorKind.UNKNOWN, f"The call failed unexpectedly ({self._describe(exc)}).")
        if not isinstance(result, PublishResult) or not result.platform_post_id:
            return PublishError(ErrorKind.UNKNOWN, "The client answered without the new post's id.")
        return result

    # --- the database, through the run ------------------------------------------------------------

    def _db(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on one of the run's database lanes and wait for it."""
        try:
            return self.context.lanes.call(fn)
        except Exception as exc:
            if is_connection_error(exc):
                raise _NotStarted from exc
            raise

    def _start_publish(self, *, after: tuple[Attempt, PublishError] | None = None) -> Attempt | None:
        if after is None:
            if self.context.stopping():
                raise _NotStarted
            try:
                attempt = self.context.recorder.start(self.post, self.target).result()
            except Exception as exc:
                if is_connection_error(exc):
                    raise _NotStarted from exc
                raise
        else:  # the same account again, after a token refresh: close the refused call, open the next
            refused = self._attempt_failure(after[1])
            attempt = self._db(lambda: post_account_restart_call(self.post, self.target, after[0], refused))
        if attempt is not None:
            self.state = {}
        return attempt

    def _start_reconcile(self, *, after: tuple[Attempt, PublishError] | None = None) -> Attempt | None:
        if after is None and self.context.stopping():
            raise _NotStarted
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
    ) -> None:
        """Hand the result to the recorder: written with others, on the account still PUBLISHING."""
        self.context.recorder.record(
            Result(
                post=self.post,
                target=self.target,
                verdict=verdict,
                attempt=attempt,
                kind=kind,
                message=self._safe(message),
                http_status=http_status,
                retry_after=retry_after,
                platform_post_id=platform_post_id,
                platform_post_url=platform_post_url,
                attempt_message=None if attempt_message is None else self._safe(attempt_message),
            )
        )

    def _end_before_call(self, verdict: Verdict, kind: str, message: str) -> None:
        """An outcome known without calling the platform: no attempt row, the account was never sent."""
        if self.context.stopping():
            raise _NotStarted
        self.context.recorder.record(
            Result(
                post=self.post,
                target=self.target,
                verdict=verdict,
                attempt=None,
                from_status=AccountStatus.PENDING,
                kind=kind,
                message=self._safe(message),
            )
        )

    def _save_progress(self, state: dict[str, Any]) -> None:
        """``on_progress`` of the client: committed before the client goes on, so a run that dies leaves it
        for reconciliation."""
        self.state.update(state)
        saved = dict(self.state)
        self._db(lambda: post_account_save_progress(self.post, self.target, saved))

    # --- helpers ------------------------------------------------------------------------------------

    def _client(self, account: SocialAccount) -> BaseClient:
        # Inside the run's pool the worker's session, so calls reuse its connections (workers.py).
        return client_for(account, on_progress=self._save_progress, session=pool_http_session())

    def _payload(self, account: SocialAccount) -> PublishPayload:
        return PublishPayload.for_platform(
            content=self.post.content,
            metadata=self.post.metadata,
            platform=account.platform,
            idempotency_key=f"post-{self.post.post_id}-account-{account.pk}",
        )

    def _remember_secrets(self, account: SocialAccount) -> None:
        self.secrets.update(token for token in (account.access_token, account.refresh_token) if token)

    def _safe(self, message: str) -> str:
        """A short message with no token in it, whatever a client or library put there."""
        return redact(message, self.secrets)[:MESSAGE_LIMIT]

    def _describe(self, exc: BaseException) -> str:
        return self._safe(f"{type(exc).__name__}: {exc}")
