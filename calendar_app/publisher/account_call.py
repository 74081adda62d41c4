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

Two ends are not results yet. A post over one of the platform's quotas is not started (the start says
so): the account stays PENDING, deferred. A platform still processing what was sent (``StillProcessing``)
leaves the account PUBLISHING with its saved progress; a later run calls the client's ``resume``
(``resume_processing``). An account sent again whose earlier call saved progress goes on from it too, when
its client can (``client_resumes``), so a container or upload is never made twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from calendar_app.models import ErrorKind
from social.crypto import TokenDecryptionError
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import BaseClient
from social.platforms import CannotTell
from social.platforms import Found
from social.platforms import InDoubtAttempt
from social.platforms import NotFound
from social.platforms import PublishError
from social.platforms import PublishPayload
from social.platforms import PublishResult
from social.platforms import ReconcileResult
from social.platforms import StillProcessing
from social.platforms import TokenRefreshError
from social.platforms import TokenRevokedError
from social.platforms import UnknownOAuthProviderError
from social.platforms import UnknownPlatformError
from social.platforms import account_quota_rules
from social.platforms import client_resumes
from social.platforms import token_refresh_margin
from social.platforms import validation_problems
from social.platforms.quotas import quota_scope_key
from social.services import social_account_mark_needs_reconnect
from social.services import social_account_refresh_token

from .call_writes import KEY_PROBLEM_MESSAGE
from .call_writes import CallContext
from .call_writes import CallWrites
from .call_writes import NotStarted
from .media import MediaNotReady
from .media import payload_media_unreachable
from .quotas import Deferral
from .quotas import QuotaRequest
from .recorder import LOST
from .recorder import NOT_STARTED
from .recorder import Attempt
from .recorder import Verdict
from .recorder import post_account_resume_call
from .workers import pool_http_session

logger = logging.getLogger(__name__)

__all__ = ["KEY_PROBLEM_MESSAGE", "AccountCall", "CallContext"]

# What a platform call comes back with: the post, a refusal, or "still processing".
type CallAnswer = PublishResult | PublishError | StillProcessing

# How soon a processing account whose token cannot be used right now is looked at again.
PROCESSING_RECHECK_SECONDS = 300.0


class AccountCall(CallWrites):
    """One account of one post: publish it, reconcile it, or resume it."""

    # --- the three paths ----------------------------------------------------------------------------

    def publish(self) -> None:
        """Send a PENDING account its post, unless something known in advance says it cannot go."""
        self._follow(self._publish)

    def reconcile_in_doubt(self) -> None:
        """Settle an account left PUBLISHING by a run that died mid-call: ask the platform, never re-send."""
        self._follow(self._reconcile_in_doubt)

    def resume_processing(self) -> None:
        """Go on with an account whose platform was still processing it: ``client.resume``, never a new send."""
        self._follow(self._resume_processing)

    def _follow(self, path: Callable[[], None]) -> None:
        """One path; one the run stopped before it started is settled as not started."""
        try:
            path()
        except NotStarted:
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
        except MediaNotReady as exc:
            return self._end_before_call(exc.verdict, exc.kind, exc.message)
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
        # Library media a platform fetches by URL: fetched here first, so what it could not get is retried.
        unreachable = payload_media_unreachable(payload, session=pool_http_session())
        if unreachable:
            return self._end_before_call(Verdict.RETRY, ErrorKind.TRANSIENT, unreachable)

        fresh = self._with_fresh_token(account, must_succeed=True)
        if fresh is None:
            return None
        if fresh is not account:
            account, client = fresh, self._client(fresh)

        resumes = bool(self.target.publish_state) and client_resumes(client)
        quota = QuotaRequest(
            post_account_id=self.target.post_account_id,
            account_id=account.pk,
            platform=account.platform,
            quotas=account_quota_rules(account) if self.context.quotas else (),
        )
        started = self._start_publish(quota=quota, keep_state=resumes)
        if started is None:
            return self.context.recorder.settle(self.post, self.target, LOST)
        if isinstance(started, Deferral):
            return self._record_deferral(started)
        attempt = started
        result = self._call(client, payload, resume=self._resumable(client, payload, attempt))
        return self._answered(account, payload, attempt, result)

    def _resume_processing(self) -> None:
        account = self.target.account
        self.state = dict(self.target.publish_state)
        if account is None:  # its token cannot be decrypted now
            return self._recheck_later(f"it cannot be checked now: {self.target.account_problem}")
        try:
            payload = self._payload(account)
            client = self._client(account)
        except MediaNotReady as exc:  # its library media cannot be read now
            return self._recheck_later(f"its media cannot be read now: {exc.message}")
        except (AttributeError, TypeError, ValueError, UnknownPlatformError) as exc:
            return self._record(
                None, Verdict.FAILED, kind=ErrorKind.INVALID, message=f"The post cannot be resumed: {exc}"
            )
        fresh = self._with_fresh_token(account, must_succeed=False) or account
        if fresh is not account:
            account, client = fresh, self._client(fresh)
        if self.context.stopping():
            raise NotStarted
        attempt = self._db(lambda: post_account_resume_call(self.post, self.target))
        if attempt is None:
            return self.context.recorder.settle(self.post, self.target, LOST)
        # Always resume (even if the client saved nothing): publishing again could post twice.
        resume = InDoubtAttempt(
            payload=payload,
            started_at=self.target.in_doubt_since or attempt.started_at,
            state=dict(self.state),
        )
        return self._answered(account, payload, attempt, self._call(client, payload, resume=resume))

    def _reconcile_in_doubt(self) -> None:
        account = self.target.account
        self.state = dict(self.target.publish_state)
        cause = "A call was in flight when its run stopped"
        if account is None:
            return self._cannot_check(f"{cause}, and it cannot be checked: {self.target.account_problem}")
        try:
            payload = self._payload(account, for_call=False)
        except (AttributeError, TypeError, ValueError) as exc:
            return self._cannot_check(f"{cause}, and the post's metadata cannot be read to check it: {exc}")
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

    def _answered(
        self, account: SocialAccount, payload: PublishPayload, attempt: Attempt, result: CallAnswer
    ) -> None:
        """Record what the call answered; a refused token is refreshed first and the call made once more."""
        if isinstance(result, PublishError) and result.kind == ErrorKind.AUTH:
            return self._refresh_and_retry(account, payload, attempt, result)
        return self._settle(account, payload, attempt, result)

    def _recheck_later(self, why: str) -> None:
        """A processing account that cannot be checked now: it stays processing and is looked at again later."""
        return self._record(
            None,
            Verdict.PROCESSING,
            message=f"Still processing; {why}",
            wait=PROCESSING_RECHECK_SECONDS,
            processing_since=self.target.processing_since,
        )

    def _cannot_check(self, message: str) -> None:
        """An in-doubt account that cannot even be checked: for a person to settle."""
        return self._record(None, Verdict.CANNOT_TELL, kind=ErrorKind.UNKNOWN, message=message)

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
            return self._record_refusal(
                attempt,
                error,
                Verdict.FAILED,
                f"The token cannot be refreshed ({exc}): reconnect the account.",
            )
        except (TokenRefreshError, UnknownOAuthProviderError, TokenDecryptionError) as exc:
            reason = KEY_PROBLEM_MESSAGE if isinstance(exc, TokenDecryptionError) else str(exc)
            return self._record_refusal(
                attempt, error, Verdict.RETRY, f"Refreshing the token failed for now ({reason}); will retry."
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
        resumes = bool(self.state) and client_resumes(client)
        retry_attempt = self._restart_call(attempt, error, keep_state=resumes)
        if retry_attempt is None:
            return self.context.recorder.settle(self.post, self.target, LOST)
        result = self._call(client, payload, resume=self._resumable(client, payload, retry_attempt))
        if isinstance(result, PublishError) and result.kind == ErrorKind.AUTH:
            self._db(
                lambda: social_account_mark_needs_reconnect(
                    account_id=refreshed.pk, rejected_access_token=refreshed.access_token
                )
            )
            return self._record_refusal(
                retry_attempt,
                result,
                Verdict.FAILED,
                "Refused again with a refreshed token: reconnect the account.",
            )
        return self._settle(refreshed, payload, retry_attempt, result)

    def _record_refusal(
        self, attempt: Attempt, refusal: PublishError, verdict: Verdict, what_next: str
    ) -> None:
        """The platform refused the token: its words and status, then what became of refreshing it. An
        account that must be reconnected fails as AUTH; a refresh that failed for now is retried."""
        kind = ErrorKind.AUTH if verdict == Verdict.FAILED else ErrorKind.TRANSIENT
        return self._record(
            attempt,
            verdict,
            kind=kind,
            message=f"{refusal.message} {what_next}",
            http_status=refusal.http_status,
        )

    def _record_published(self, attempt: Attempt, post: PublishResult | Found, *, message: str = "") -> None:
        return self._record(
            attempt,
            Verdict.PUBLISHED,
            message=message,
            platform_post_id=post.platform_post_id,
            platform_post_url=post.platform_post_url,
        )

    def _settle(
        self, account: SocialAccount, payload: PublishPayload, attempt: Attempt, result: CallAnswer
    ) -> None:
        if isinstance(result, PublishResult):
            return self._record_published(attempt, result, message=result.notice)
        if isinstance(result, StillProcessing):
            return self._record_processing(account, attempt, result)
        if result.kind == ErrorKind.UNKNOWN:
            reconcile_attempt = self._start_reconcile(after=(attempt, result))
            if reconcile_attempt is None:
                return self.context.recorder.settle(self.post, self.target, LOST)
            return self._reconcile(
                account, payload, reconcile_attempt, started_at=attempt.started_at, cause=result.message
            )
        verdict = Verdict.RETRY if result.kind == ErrorKind.TRANSIENT else Verdict.FAILED
        block = None
        if verdict == Verdict.RETRY and result.limit and result.retry_after:
            key = quota_scope_key(
                platform=account.platform, account_id=account.pk, per_app=result.limit == "app"
            )
            block = (key, result.retry_after)
        return self._record(
            attempt,
            verdict,
            kind=result.kind,
            message=result.message,
            http_status=result.http_status,
            retry_after=result.retry_after if verdict == Verdict.RETRY else None,
            block=block,
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
            return self._record_published(attempt, answer)
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

    def _resumable(
        self, client: BaseClient, payload: PublishPayload, attempt: Attempt
    ) -> InDoubtAttempt | None:
        """What the call goes on from, when it continues saved progress instead of starting over."""
        if not self.state or not client_resumes(client):
            return None
        started_at = self.target.in_doubt_since or attempt.started_at
        return InDoubtAttempt(payload=payload, started_at=started_at, state=dict(self.state))

    def _call(
        self, client: BaseClient, payload: PublishPayload, *, resume: InDoubtAttempt | None = None
    ) -> CallAnswer:
        try:
            result = client.publish(payload) if resume is None else client.resume(resume)
        except (PublishError, StillProcessing) as exc:
            return exc
        except Exception as exc:  # the request may have gone out: treat it as an unknown outcome
            return PublishError(ErrorKind.UNKNOWN, f"The call failed unexpectedly ({self._describe(exc)}).")
        if not isinstance(result, PublishResult) or not result.platform_post_id:
            return PublishError(ErrorKind.UNKNOWN, "The client answered without the new post's id.")
        return result
