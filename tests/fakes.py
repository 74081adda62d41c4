"""Fake platforms for the publisher's tests.

A ``FakePlatform`` stands for the platforms' side of the wire: it remembers every post created on it, so a
client's reconciliation answers truthfully (Found only when the post really exists), and it counts sends
outside the database under test (in memory, or in an append-only file shared by several processes). Its
client classes are real ``BaseClient`` subclasses put in the registry by ``tests.platform_overrides``.
Per account a test scripts what the next calls do: succeed, fail with each kind, be slow, create the post
and then lose the answer, crash, or still be processing (``processing``); and what the next ``resume``
calls do (``will_resume``: by default the post is made). Only the platforms registered as ``resuming``
have a client that defines ``resume``.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import defaultdict
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from social.platforms import BaseClient
from social.platforms import CannotTell
from social.platforms import ErrorKind
from social.platforms import Found
from social.platforms import InDoubtAttempt
from social.platforms import NotFound
from social.platforms import OAuthProvider
from social.platforms import PublishError
from social.platforms import PublishPayload
from social.platforms import PublishResult
from social.platforms import ReconcileResult
from social.platforms import StillProcessing
from social.platforms import TokenRefreshError
from social.platforms import TokenRevokedError
from social.platforms import TokenSet
from tests.platform_overrides import client_overridden
from tests.platform_overrides import provider_overridden

FAKE_PLATFORMS = ("TWITTER", "FACEBOOK", "LINKEDIN")


@dataclass(frozen=True)
class Send:
    """One publish call that reached the platform."""

    account_id: int
    text: str
    access_token: str
    created: str | None  # the new post's id, None when the call created nothing
    at: float


Behaviour = Callable[["FakePlatform", "FakeClient", PublishPayload], PublishResult]
ResumeBehaviour = Callable[["FakePlatform", "FakeClient", InDoubtAttempt], PublishResult]


def ok(platform: FakePlatform, client: FakeClient, payload: PublishPayload) -> PublishResult:
    return platform.create(client, payload)


def fail(
    kind: str,
    message: str = "fake failure",
    *,
    http_status: int | None = None,
    retry_after: float | None = None,
    limit: str | None = None,
) -> Behaviour:
    def behaviour(platform: FakePlatform, client: FakeClient, payload: PublishPayload) -> PublishResult:
        platform.record(client, payload, created=None)
        raise PublishError(kind, message, http_status=http_status, retry_after=retry_after, limit=limit)

    return behaviour


def slow(seconds: float) -> Behaviour:
    def behaviour(platform: FakePlatform, client: FakeClient, payload: PublishPayload) -> PublishResult:
        time.sleep(seconds)
        return platform.create(client, payload)

    return behaviour


def created_then_lost(platform: FakePlatform, client: FakeClient, payload: PublishPayload) -> PublishResult:
    """The post is created, then the answer never arrives (a read timeout)."""
    platform.create(client, payload)
    raise PublishError(ErrorKind.UNKNOWN, "Read timed out after the request was sent.")


def lost_before_creating(
    platform: FakePlatform, client: FakeClient, payload: PublishPayload
) -> PublishResult:
    """The connection drops mid-request before the platform created anything."""
    platform.record(client, payload, created=None)
    raise PublishError(ErrorKind.UNKNOWN, "Connection reset mid-request.")


def crash(exc: BaseException) -> Behaviour:
    def behaviour(platform: FakePlatform, client: FakeClient, payload: PublishPayload) -> PublishResult:
        platform.record(client, payload, created=None)
        raise exc

    return behaviour


def progress(state: dict, then: Behaviour = ok) -> Behaviour:
    """Save reconciliation state (an upload session, a container id) before the risky step."""

    def behaviour(platform: FakePlatform, client: FakeClient, payload: PublishPayload) -> PublishResult:
        client.save_progress(state)
        return then(platform, client, payload)

    return behaviour


def processing(state: dict, *, check_after: float = 60.0) -> Behaviour:
    """The platform took the media but is still processing it: progress saved, "still processing"."""

    def behaviour(platform: FakePlatform, client: FakeClient, payload: PublishPayload) -> PublishResult:
        client.save_progress(state)
        platform.record(client, payload, created=None)
        raise StillProcessing(f"still processing {state}", check_after=check_after)

    return behaviour


def still_processing(*, check_after: float = 60.0) -> ResumeBehaviour:
    def behaviour(platform: FakePlatform, client: FakeClient, attempt: InDoubtAttempt) -> PublishResult:
        raise StillProcessing("still processing", check_after=check_after)

    return behaviour


def resume_fails(kind: str, message: str = "fake failure") -> ResumeBehaviour:
    def behaviour(platform: FakePlatform, client: FakeClient, attempt: InDoubtAttempt) -> PublishResult:
        raise PublishError(kind, message)

    return behaviour


class FakePlatform:
    def __init__(
        self, *, latency: float = 0.0, sends_file: str | os.PathLike | None = None, text_limit: int = 280
    ) -> None:
        self.latency = latency
        self.sends_file = Path(sends_file) if sends_file else None
        self.text_limit = text_limit
        self.calls: list[Send] = []
        self.reconciles: list[tuple[int, InDoubtAttempt]] = []
        self.resumes: list[tuple[int, InDoubtAttempt]] = []
        self._resume_script: dict[int, deque[ResumeBehaviour]] = defaultdict(deque)
        self.revoked_tokens: set[str] = set()
        self._posts: dict[tuple[int, str], str] = {}
        self._script: dict[int, deque[Behaviour]] = defaultdict(deque)
        self._reconcile_answers: dict[int, deque[ReconcileResult | BaseException]] = defaultdict(deque)
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()

    # --- scripting ----------------------------------------------------------------------------------

    def will(self, account, *behaviours: Behaviour) -> None:
        """The next publish calls to ``account`` behave so, in order; then they succeed."""
        self._script[account.pk].extend(behaviours)

    def will_resume(self, account, *behaviours: ResumeBehaviour) -> None:
        """The next resume calls for ``account`` behave so, in order; then they make the post."""
        self._resume_script[account.pk].extend(behaviours)

    def will_reconcile(self, account, *answers: ReconcileResult | BaseException) -> None:
        """Force the next reconciliation answers for ``account`` (default: the truth)."""
        self._reconcile_answers[account.pk].extend(answers)

    # --- what happened ------------------------------------------------------------------------------

    @property
    def sends(self) -> list[Send]:
        """Calls that created a post."""
        return [call for call in self.calls if call.created]

    def texts_sent_to(self, account) -> list[str]:
        return [send.text for send in self.sends if send.account_id == account.pk]

    def calls_to(self, account) -> list[Send]:
        return [call for call in self.calls if call.account_id == account.pk]

    def has_post(self, account, text: str) -> bool:
        return (account.pk, text) in self._posts

    # --- the platform side --------------------------------------------------------------------------

    def create(self, client: FakeClient, payload: PublishPayload) -> PublishResult:
        post_id = f"fake-{next(self._ids)}"
        self.record(client, payload, created=post_id)
        with self._lock:
            self._posts[(client.account.pk, payload.text)] = post_id
        if self.sends_file is not None:
            line = f"{client.account.pk}\t{payload.text}\n".encode()
            fd = os.open(self.sends_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)  # one small O_APPEND write: atomic between processes
            finally:
                os.close(fd)
        return PublishResult(post_id, f"https://fake.example/{post_id}")

    def record(self, client: FakeClient, payload: PublishPayload, *, created: str | None) -> None:
        with self._lock:
            self.calls.append(
                Send(client.account.pk, payload.text, client.account.access_token, created, time.monotonic())
            )

    def publish(self, client: FakeClient, payload: PublishPayload) -> PublishResult:
        if self.latency:
            time.sleep(self.latency)
        if client.account.access_token in self.revoked_tokens:
            self.record(client, payload, created=None)
            raise PublishError(ErrorKind.AUTH, "401 Unauthorized: the token was refused.", http_status=401)
        with self._lock:
            script = self._script[client.account.pk]
            behaviour = script.popleft() if script else ok
        return behaviour(self, client, payload)

    def resume(self, client: FakeClient, attempt: InDoubtAttempt) -> PublishResult:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.resumes.append((client.account.pk, attempt))
            script = self._resume_script[client.account.pk]
            behaviour = script.popleft() if script else None
        if behaviour is None:
            return self.create(client, attempt.payload)
        return behaviour(self, client, attempt)

    def reconcile(self, client: FakeClient, attempt: InDoubtAttempt) -> ReconcileResult:
        with self._lock:
            self.reconciles.append((client.account.pk, attempt))
            forced = self._reconcile_answers[client.account.pk]
            answer = forced.popleft() if forced else None
            existing = self._posts.get((client.account.pk, attempt.payload.text))
        if isinstance(answer, BaseException):
            raise answer
        if answer is not None:
            return answer
        return Found(existing) if existing else NotFound("no post with this text since the call started")

    # --- registration -------------------------------------------------------------------------------

    def client_class(
        self, platform: str, display_name: str | None = None, *, resuming: bool = False
    ) -> type[FakeClient]:
        return type(
            f"Fake{platform.title()}Client",
            (ResumingFakeClient if resuming else FakeClient,),
            {
                "platform": platform,
                "display_name": display_name or f"Fake{platform.title()}",
                "api_url_setting": f"{platform}_API_URL",
                "fake": self,
            },
        )

    @contextmanager
    def registered(
        self, platforms: tuple[str, ...] = FAKE_PLATFORMS, *, resuming: tuple[str, ...] = ()
    ) -> Iterator[FakePlatform]:
        """The fake clients in the registry for ``platforms``, and resuming ones for ``resuming``."""
        with ExitStack() as stack:
            for platform in platforms:
                stack.enter_context(client_overridden(platform, self.client_class(platform)))
            for platform in resuming:
                client = self.client_class(platform, resuming=True)
                stack.enter_context(client_overridden(platform, client))
            yield self


class FakeClient(BaseClient):
    fake: FakePlatform

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        if len(payload.text) > self.fake.text_limit:
            problems.append(f"{len(payload.text)} characters, the limit is {self.fake.text_limit}")
        if not payload.text and not payload.media:
            problems.append("text or media is required")
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        return self.fake.publish(self, payload)

    def reconcile(self, attempt: InDoubtAttempt) -> ReconcileResult:
        return self.fake.reconcile(self, attempt)


class ResumingFakeClient(FakeClient):
    """A fake client whose platform may still be processing a post: it goes on from saved progress."""

    def resume(self, attempt: InDoubtAttempt) -> PublishResult:
        return self.fake.resume(self, attempt)


class FakeTokenEndpoint:
    """The token endpoint of an OAuth provider: answers refreshes in the order scripted."""

    def __init__(self) -> None:
        self.answers: deque[TokenSet | Exception] = deque()
        self.refreshes: list[str] = []

    def will(self, *answers: TokenSet | Exception) -> None:
        self.answers.extend(answers)

    def refresh(self, refresh_token: str) -> TokenSet:
        self.refreshes.append(refresh_token)
        if not self.answers:
            raise TokenRefreshError("the fake token endpoint has no answer scripted")
        answer = self.answers.popleft()
        if isinstance(answer, Exception):
            raise answer
        return answer

    @staticmethod
    def fresh(access_token: str = "fresh-access", refresh_token: str = "fresh-refresh") -> TokenSet:
        expires_at: datetime = timezone.now() + timedelta(hours=2)
        return TokenSet(access_token=access_token, refresh_token=refresh_token, expires_at=expires_at)

    @contextmanager
    def registered(self, platform: str = "TWITTER") -> Iterator[FakeTokenEndpoint]:
        endpoint = self

        class FakeProvider(OAuthProvider):
            supports_refresh = True

            def refresh(self, refresh_token: str) -> TokenSet:
                return endpoint.refresh(refresh_token)

        FakeProvider.platform = platform
        with provider_overridden(platform, FakeProvider):
            yield self


__all__ = [
    "FAKE_PLATFORMS",
    "CannotTell",
    "FakePlatform",
    "FakeTokenEndpoint",
    "Send",
    "TokenRevokedError",
    "crash",
    "created_then_lost",
    "fail",
    "lost_before_creating",
    "ok",
    "processing",
    "progress",
    "resume_fails",
    "slow",
    "still_processing",
]
