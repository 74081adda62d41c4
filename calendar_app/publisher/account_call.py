"""One account of one post: the platform call and what it leaves in the database.

Per account a run uses a couple of short transactions and never holds one across a platform call:
1. mark the account PUBLISHING (only if it is still PENDING and the post still under this run's lease) and
   open its PublishAttempt; commit. From here on a crash leaves evidence that a call may have happened.
2. call the platform.
3. record the result on the account (only if it is still PUBLISHING under this lease: the stale-writer
   guard) and close the attempt.
An UNKNOWN outcome is reconciled at once, as its own RECONCILE attempt; the account is sent again only when
the platform confirms the post is not there. Platform failures never raise from here: each ends as an
``AccountOutcome``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from calendar_app.models import (
    AccountStatus,
    AttemptAction,
    AttemptOutcome,
    ErrorKind,
)
from social.clients import (
    BaseClient,
    CannotTell,
    Found,
    InDoubtAttempt,
    NotFound,
    PublishError,
    PublishPayload,
    PublishResult,
    ReconcileResult,
    UnknownPlatformError,
    client_for,
    validation_problems,
)
from social.crypto import TokenDecryptionError
from social.models import SocialAccount, SocialAccountStatus
from social.oauth import TokenRefreshError, TokenRevokedError, UnknownOAuthProviderError
from social.services import social_account_mark_needs_reconnect, social_account_refresh_token

from .sql import (
    attempt_close,
    attempt_open,
    post_account_finish_call,
    post_account_start_call,
    post_account_update_held,
)
from .workers import pool_http_session

logger = logging.getLogger(__name__)

TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
MESSAGE_LIMIT = 500
KEY_PROBLEM_MESSAGE = (
    "The account's token cannot be decrypted with the configured ENCRYPTION_KEY (system check social.E003: "
    "run `manage.py check`). The post is kept and retried once the key is fixed."
)

# (pattern, replacement) pairs for secrets a library may echo (a URL's query string, a header).
_SECRET_PATTERNS = (
    (re.compile(r"(?i)\b(access_token|refresh_token|client_secret|token)=[^&\s'\"]+"), r"\1=[redacted]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
)


@dataclass(frozen=True)
class PostRef:
    """What an account's work needs to know about its post."""

    post_id: int
    content: str
    metadata: Mapping[str, Any]
    lease_token: UUID


@dataclass
class AccountTarget:
    """An account of a claimed post as the claim found it."""

    post_account_id: int
    status: str
    account: SocialAccount | None  # None when its tokens cannot be decrypted (see account_problem)
    label: str
    account_problem: str = ""
    publish_state: dict[str, Any] = field(default_factory=dict)
    published_at: datetime | None = None
    in_doubt_since: datetime | None = None  # when the unanswered call of a PUBLISHING account started


@dataclass(frozen=True)
class AccountOutcome:
    """Where an account ended this round. ``recorded`` is False when another run had taken the post over."""

    status: str
    error_kind: str = ""
    message: str = ""
    retry_after: float | None = None
    published_at: datetime | None = None
    recorded: bool = True


LOST = AccountOutcome(status=AccountStatus.PUBLISHING, recorded=False)


@dataclass(frozen=True)
class _Attempt:
    id: int
    started_at: datetime


def post_account_publish(*, post: PostRef, target: AccountTarget) -> AccountOutcome:
    """Send a PENDING account its post, unless something known in advance says it cannot go."""
    return _AccountWork(post=post, target=target).publish()


def post_account_reconcile(*, post: PostRef, target: AccountTarget) -> AccountOutcome:
    """Settle an account left PUBLISHING by a run that died mid-call: ask the platform, never re-send."""
    return _AccountWork(post=post, target=target).reconcile_in_doubt()


def post_accounts_mark_missed(*, post: PostRef, targets: list[AccountTarget], message: str) -> bool:
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
            if not post_account_update_held(
                post_account_id=target.post_account_id,
                post_id=post.post_id,
                lease_token=post.lease_token,
                from_status=AccountStatus.PENDING,
                values=values,
            ):
                transaction.set_rollback(True)
                return False
    for target in targets:
        logger.warning("Post %s -> %s: %s: %s", post.post_id, target.label, ErrorKind.MISSED, message)
    return True


class _AccountWork:
    def __init__(self, *, post: PostRef, target: AccountTarget) -> None:
        self.post = post
        self.target = target
        self.state: dict[str, Any] = {}
        self.secrets: set[str] = set()
        if target.account is not None:
            self._remember_secrets(target.account)

    # --- the two paths ------------------------------------------------------------------------------

    def publish(self) -> AccountOutcome:
        account = self.target.account
        if account is None:
            return self._end_before_call(
                AccountStatus.PENDING, ErrorKind.TRANSIENT, self.target.account_problem
            )
        if account.status == SocialAccountStatus.NEEDS_RECONNECT:
            return self._end_before_call(
                AccountStatus.FAILED,
                ErrorKind.AUTH,
                "The account needs reconnecting (its token was refused or revoked): reconnect the account.",
            )
        if account.status == SocialAccountStatus.DISABLED:
            return self._end_before_call(AccountStatus.FAILED, ErrorKind.INVALID, "The account is disabled.")
        try:
            payload = self._payload(account)
        except (AttributeError, TypeError, ValueError) as exc:
            return self._end_before_call(
                AccountStatus.FAILED, ErrorKind.INVALID, f"The post's metadata cannot be read: {exc}"
            )
        try:
            client = self._client(account)
            problems = validation_problems(account, payload, client=client)
        except UnknownPlatformError as exc:
            return self._end_before_call(
                AccountStatus.PENDING, ErrorKind.TRANSIENT, f"{exc} The post is kept and retried."
            )
        except Exception as exc:
            return self._end_before_call(
                AccountStatus.PENDING,
                ErrorKind.TRANSIENT,
                f"Preparing the call failed unexpectedly ({self._describe(exc)}); will retry.",
            )
        if problems:
            return self._end_before_call(AccountStatus.FAILED, ErrorKind.INVALID, "; ".join(problems))

        account, problem = self._with_fresh_token(account, must_succeed=True)
        if problem is not None:
            return problem
        if account is not self.target.account:
            client = self._client(account)

        attempt = self._start_publish()
        if attempt is None:
            return LOST
        result = self._call(client, payload)
        if isinstance(result, PublishError) and result.kind == ErrorKind.AUTH:
            return self._refresh_and_retry(account, payload, attempt, result)
        return self._settle(account, payload, attempt, result)

    def reconcile_in_doubt(self) -> AccountOutcome:
        account = self.target.account
        self.state = dict(self.target.publish_state)
        if account is None:
            return self._record(
                None,
                status=AccountStatus.NEEDS_REVIEW,
                kind=ErrorKind.UNKNOWN,
                message=f"A call was in flight when its run stopped, and it cannot be checked: "
                f"{self.target.account_problem}",
                attempt_outcome=AttemptOutcome.CANNOT_TELL,
            )
        try:
            payload = self._payload(account)
        except (AttributeError, TypeError, ValueError) as exc:
            return self._record(
                None,
                status=AccountStatus.NEEDS_REVIEW,
                kind=ErrorKind.UNKNOWN,
                message=f"A call was in flight when its run stopped, and the post's metadata cannot be read "
                f"to check it: {exc}",
                attempt_outcome=AttemptOutcome.CANNOT_TELL,
            )
        account, _ = self._with_fresh_token(account, must_succeed=False)
        attempt = self._start_reconcile()
        if attempt is None:
            return LOST
        return self._reconcile(
            account,
            payload,
            attempt,
            started_at=self.target.in_doubt_since or attempt.started_at,
            cause="A call was in flight when its run stopped",
        )

    # --- steps --------------------------------------------------------------------------------------

    def _refresh_and_retry(
        self, account: SocialAccount, payload: PublishPayload, attempt: _Attempt, error: PublishError
    ) -> AccountOutcome:
        """The platform refused the token: refresh it (unless another run already did) and call once more."""
        try:
            refreshed = social_account_refresh_token(
                account_id=account.pk, rejected_access_token=account.access_token
            )
        except TokenRevokedError as exc:
            return self._record(
                attempt,
                status=AccountStatus.FAILED,
                kind=ErrorKind.AUTH,
                message=f"{error.message} The token cannot be refreshed ({exc}): reconnect the account.",
                http_status=error.http_status,
                attempt_outcome=AttemptOutcome.FAILED,
            )
        except (TokenRefreshError, UnknownOAuthProviderError, TokenDecryptionError) as exc:
            reason = KEY_PROBLEM_MESSAGE if isinstance(exc, TokenDecryptionError) else str(exc)
            return self._record(
                attempt,
                status=AccountStatus.PENDING,
                kind=ErrorKind.TRANSIENT,
                message=f"{error.message} Refreshing the token failed for now ({reason}); will retry.",
                http_status=error.http_status,
                attempt_outcome=AttemptOutcome.FAILED,
            )
        self._remember_secrets(refreshed)
        try:
            client = self._client(refreshed)
        except Exception as exc:
            return self._record(
                attempt,
                status=AccountStatus.PENDING,
                kind=ErrorKind.TRANSIENT,
                message=f"Building the client failed unexpectedly ({self._describe(exc)}); will retry.",
                attempt_outcome=AttemptOutcome.FAILED,
            )
        retry_attempt = self._start_publish(after=(attempt, error))
        if retry_attempt is None:
            return LOST
        result = self._call(client, payload)
        if isinstance(result, PublishError) and result.kind == ErrorKind.AUTH:
            social_account_mark_needs_reconnect(
                account_id=refreshed.pk, rejected_access_token=refreshed.access_token
            )
            return self._record(
                retry_attempt,
                status=AccountStatus.FAILED,
                kind=ErrorKind.AUTH,
                message=f"{result.message} Refused again with a refreshed token: reconnect the account.",
                http_status=result.http_status,
                attempt_outcome=AttemptOutcome.FAILED,
            )
        return self._settle(refreshed, payload, retry_attempt, result)

    def _settle(
        self,
        account: SocialAccount,
        payload: PublishPayload,
        attempt: _Attempt,
        result: PublishResult | PublishError,
    ) -> AccountOutcome:
        if isinstance(result, PublishResult):
            return self._record(
                attempt,
                status=AccountStatus.PUBLISHED,
                platform_post_id=result.platform_post_id,
                platform_post_url=result.platform_post_url,
                attempt_outcome=AttemptOutcome.PUBLISHED,
            )
        if result.kind == ErrorKind.UNKNOWN:
            reconcile_attempt = self._start_reconcile(after=(attempt, result))
            if reconcile_attempt is None:
                return LOST
            return self._reconcile(
                account, payload, reconcile_attempt, started_at=attempt.started_at, cause=result.message
            )
        if result.kind == ErrorKind.TRANSIENT:
            return self._record(
                attempt,
                status=AccountStatus.PENDING,
                kind=ErrorKind.TRANSIENT,
                message=result.message,
                http_status=result.http_status,
                retry_after=result.retry_after,
                attempt_outcome=AttemptOutcome.FAILED,
            )
        return self._record(
            attempt,
            status=AccountStatus.FAILED,
            kind=result.kind,
            message=result.message,
            http_status=result.http_status,
            attempt_outcome=AttemptOutcome.FAILED,
        )

    def _reconcile(
        self,
        account: SocialAccount,
        payload: PublishPayload,
        attempt: _Attempt,
        *,
        started_at: datetime,
        cause: str,
    ) -> AccountOutcome:
        try:
            answer: ReconcileResult = self._client(account).reconcile(
                InDoubtAttempt(payload=payload, started_at=started_at, state=dict(self.state))
            )
        except Exception as exc:  # a check that breaks proves nothing either way
            answer = CannotTell(f"the check failed: {self._describe(exc)}")
        if isinstance(answer, Found):
            return self._record(
                attempt,
                status=AccountStatus.PUBLISHED,
                platform_post_id=answer.platform_post_id,
                platform_post_url=answer.platform_post_url,
                attempt_outcome=AttemptOutcome.PUBLISHED,
            )
        if isinstance(answer, NotFound):
            return self._record(
                attempt,
                status=AccountStatus.PENDING,
                kind=ErrorKind.UNKNOWN,
                message=f"{cause}; the platform confirmed the post is not there, so it will be sent again.",
                attempt_outcome=AttemptOutcome.NOT_FOUND,
                attempt_message=answer.reason,
            )
        reason = getattr(answer, "reason", "") or "no reason given"
        return self._record(
            attempt,
            status=AccountStatus.NEEDS_REVIEW,
            kind=ErrorKind.UNKNOWN,
            message=f"{cause}; whether it was published cannot be told ({reason}). Check the account, then "
            "mark it published or send it again.",
            attempt_outcome=AttemptOutcome.CANNOT_TELL,
            attempt_message=reason,
        )

    def _with_fresh_token(
        self, account: SocialAccount, *, must_succeed: bool
    ) -> tuple[SocialAccount, AccountOutcome | None]:
        """Refresh a token that expires within minutes, before the call rather than after a refusal."""
        now = timezone.now()
        expires_at = account.token_expires_at
        if expires_at is None or expires_at > now + TOKEN_REFRESH_MARGIN:
            return account, None
        try:
            fresh = social_account_refresh_token(account_id=account.pk, refresh_within=TOKEN_REFRESH_MARGIN)
        except TokenRevokedError as exc:
            if not must_succeed:
                return account, None
            return account, self._end_before_call(
                AccountStatus.FAILED,
                ErrorKind.AUTH,
                f"The token cannot be refreshed ({exc}): reconnect the account.",
            )
        except (TokenRefreshError, UnknownOAuthProviderError, TokenDecryptionError) as exc:
            if not must_succeed or expires_at > now:
                return account, None  # still valid for a few minutes: use it
            reason = KEY_PROBLEM_MESSAGE if isinstance(exc, TokenDecryptionError) else str(exc)
            return account, self._end_before_call(
                AccountStatus.PENDING,
                ErrorKind.TRANSIENT,
                f"The token has expired and refreshing it failed for now ({reason}); will retry.",
            )
        self._remember_secrets(fresh)
        return fresh, None

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

    # --- writes -------------------------------------------------------------------------------------

    def _update(self, from_status: str, values: dict[str, Any], *, count_attempt: bool = False) -> bool:
        """Write the account only while it is ``from_status`` and its post is still under this run's lease."""
        return post_account_update_held(
            post_account_id=self.target.post_account_id,
            post_id=self.post.post_id,
            lease_token=self.post.lease_token,
            from_status=from_status,
            values=values,
            count_attempt=count_attempt,
        )

    def _start_publish(self, *, after: tuple[_Attempt, PublishError] | None = None) -> _Attempt | None:
        now = timezone.now()
        with transaction.atomic() if after is not None else nullcontext():
            if after is not None:  # the same account again, after a token refresh
                self._close_attempt(after[0], error=after[1], finished_at=now)
            attempt_id = post_account_start_call(
                post_account_id=self.target.post_account_id,
                post_id=self.post.post_id,
                lease_token=self.post.lease_token,
                from_status=AccountStatus.PENDING if after is None else AccountStatus.PUBLISHING,
                values={"status": AccountStatus.PUBLISHING, "publish_state": {}, "updated_at": now},
                action=AttemptAction.PUBLISH,
                started_at=now,
            )
        if attempt_id is None:
            return None
        self.state = {}
        return _Attempt(id=attempt_id, started_at=now)

    def _start_reconcile(self, *, after: tuple[_Attempt, PublishError] | None = None) -> _Attempt | None:
        now = timezone.now()
        with transaction.atomic():
            if after is not None:
                self._close_attempt(after[0], error=after[1], finished_at=now)
            if not self._update(AccountStatus.PUBLISHING, {"updated_at": now}):
                return None
            return self._open_attempt(AttemptAction.RECONCILE, now)

    def _open_attempt(self, action: str, started_at: datetime) -> _Attempt:
        attempt_id = attempt_open(
            post_account_id=self.target.post_account_id, action=action, started_at=started_at
        )
        return _Attempt(id=attempt_id, started_at=started_at)

    def _record(
        self,
        attempt: _Attempt | None,
        *,
        status: str,
        attempt_outcome: str,
        kind: str = "",
        message: str = "",
        http_status: int | None = None,
        retry_after: float | None = None,
        platform_post_id: str = "",
        platform_post_url: str = "",
        attempt_message: str | None = None,
    ) -> AccountOutcome:
        """Write the result on the account (still PUBLISHING under this lease) and close the attempt."""
        now = timezone.now()
        message = self._safe(message)
        published_at = now if status == AccountStatus.PUBLISHED else None
        values: dict[str, Any] = {
            "status": status,
            "error_kind": kind,
            "error_message": message,
            "updated_at": now,
        }
        if status == AccountStatus.PUBLISHED:
            values.update(
                platform_post_id=platform_post_id[:255],
                platform_post_url=platform_post_url[:500],
                published_at=published_at,
            )
        if attempt is None:
            recorded = self._update(AccountStatus.PUBLISHING, values)
        else:
            recorded = post_account_finish_call(
                post_account_id=self.target.post_account_id,
                post_id=self.post.post_id,
                lease_token=self.post.lease_token,
                values=values,
                attempt_id=attempt.id,
                attempt_values={
                    "finished_at": now,
                    "outcome": attempt_outcome,
                    "error_kind": kind,
                    "http_status": http_status,
                    "error_message": self._safe(message if attempt_message is None else attempt_message),
                },
            )
        if not recorded:
            logger.warning(
                "Post %s -> %s: another run took the post over during the call; its result (%s%s) was not "
                "recorded on the account, only in the attempt history.",
                self.post.post_id,
                self.target.label,
                status,
                f" {platform_post_id}" if platform_post_id else "",
            )
            return LOST
        self._log(status, kind, message)
        return AccountOutcome(
            status=status,
            error_kind=kind,
            message=message,
            retry_after=retry_after,
            published_at=published_at,
        )

    def _end_before_call(self, status: str, kind: str, message: str) -> AccountOutcome:
        """An outcome known without calling the platform: no attempt row, the account was never sent."""
        message = self._safe(message)
        values = {
            "status": status,
            "error_kind": kind,
            "error_message": message,
            "updated_at": timezone.now(),
        }
        if not self._update(AccountStatus.PENDING, values):
            return LOST
        self._log(status, kind, message)
        return AccountOutcome(status=status, error_kind=kind, message=message)

    def _close_attempt(self, attempt: _Attempt, *, error: PublishError, finished_at: datetime) -> None:
        attempt_close(
            attempt_id=attempt.id,
            values={
                "finished_at": finished_at,
                "outcome": AttemptOutcome.FAILED,
                "error_kind": error.kind,
                "http_status": error.http_status,
                "error_message": self._safe(error.message),
            },
        )

    def _save_progress(self, state: dict[str, Any]) -> None:
        """``on_progress`` of the client: committed at once, so a run that dies leaves it for reconciliation."""
        self.state.update(state)
        self._update(AccountStatus.PUBLISHING, {"publish_state": dict(self.state)})

    # --- helpers ------------------------------------------------------------------------------------

    def _client(self, account: SocialAccount) -> BaseClient:
        # Inside the run's pool the worker's session, so calls reuse its connections (workers.py).
        return client_for(account, on_progress=self._save_progress, session=pool_http_session())

    def _payload(self, account: SocialAccount) -> PublishPayload:
        return PublishPayload.for_platform(
            content=self.post.content, metadata=self.post.metadata, platform=account.platform
        )

    def _remember_secrets(self, account: SocialAccount) -> None:
        self.secrets.update(token for token in (account.access_token, account.refresh_token) if token)

    def _safe(self, message: str) -> str:
        """A short message with no token in it, whatever a client or library put there."""
        for secret in self.secrets:
            message = message.replace(secret, "[redacted]")
        for pattern, replacement in _SECRET_PATTERNS:
            message = pattern.sub(replacement, message)
        return message[:MESSAGE_LIMIT]

    def _describe(self, exc: BaseException) -> str:
        return self._safe(f"{type(exc).__name__}: {exc}")

    def _log(self, status: str, kind: str, message: str) -> None:
        if status == AccountStatus.PUBLISHED:
            return
        logger.warning("Post %s -> %s: %s: %s", self.post.post_id, self.target.label, kind, message)
