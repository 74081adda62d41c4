"""The interface every platform client offers the publisher (docs/architecture.md, docs/platforms.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from django.conf import settings
from django.db import models

from ..registry import platform_spec

if TYPE_CHECKING:
    from social.models import SocialAccount


class ErrorKind(models.TextChoices):
    """How a failed platform call is classified, and so what the publisher does next."""

    TRANSIENT = "TRANSIENT", "Transient"
    AUTH = "AUTH", "Authentication"
    INVALID = "INVALID", "Invalid"
    UNKNOWN = "UNKNOWN", "Unknown outcome"


@dataclass(frozen=True)
class MediaItem:
    url: str
    type: str  # "image" | "video" | "gif"
    alt_text: str = ""


@dataclass(frozen=True)
class PublishPayload:
    """What one account is sent: the post's text and media after that platform's overrides."""

    text: str
    media: tuple[MediaItem, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    # Which post goes to which account, the same on every try: a platform that takes an idempotency key
    # (Mastodon) derives it from this, so a retry after an unknown outcome cannot post twice. "" = none.
    idempotency_key: str = ""

    @classmethod
    def for_platform(
        cls, *, content: str, metadata: Mapping[str, Any] | None, platform: str, idempotency_key: str = ""
    ) -> PublishPayload:
        """Resolve the post's metadata (docs/architecture.md): per-platform ``content`` and ``media``
        override the post's; anything else under the platform is that platform's options."""
        metadata = metadata or {}
        overrides = dict((metadata.get("platforms") or {}).get(platform) or {})
        text = overrides.pop("content", None)
        media = overrides.pop("media", None)
        if media is None:
            media = metadata.get("media") or []
        return cls(
            text=content if text is None else text,
            media=tuple(
                MediaItem(
                    url=item.get("url", ""), type=item.get("type", "image"), alt_text=item.get("alt_text", "")
                )
                for item in media
            ),
            options=overrides,
            idempotency_key=idempotency_key,
        )


@dataclass(frozen=True)
class PublishResult:
    platform_post_id: str
    platform_post_url: str = ""


class PublishError(Exception):
    """A platform call that did not publish. ``retry_after`` is in seconds from now."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.http_status = http_status
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"PublishError({self.kind!s}, {self.message!r}, http_status={self.http_status})"


@dataclass(frozen=True)
class Found:
    platform_post_id: str
    platform_post_url: str = ""


@dataclass(frozen=True)
class NotFound:
    reason: str = ""


@dataclass(frozen=True)
class CannotTell:
    reason: str = ""


ReconcileResult = Found | NotFound | CannotTell


class StillProcessing(Exception):
    """The platform is still processing what the client sent (a container, an upload): nothing is published
    yet and nothing failed. The client saved what it needs (``save_progress``) before raising this; a later
    run calls ``resume()`` no sooner than ``check_after`` seconds from now, instead of a worker waiting."""

    def __init__(self, message: str, *, check_after: float) -> None:
        super().__init__(message)
        self.message = message
        self.check_after = check_after

    def __repr__(self) -> str:
        return f"StillProcessing({self.message!r}, check_after={self.check_after})"


@dataclass(frozen=True)
class InDoubtAttempt:
    """A call whose outcome is unknown: what was sent, when, and what the client saved on the way."""

    payload: PublishPayload
    started_at: datetime
    state: Mapping[str, Any] = field(default_factory=dict)


class BaseClient:
    """A client for one account. Subclasses set the class attributes and implement the three methods."""

    platform: ClassVar[str]
    api_url_setting: ClassVar[str]

    def __init__(
        self,
        account: SocialAccount,
        *,
        session: requests.Session | None = None,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.account = account
        self._session = session
        self._on_progress = on_progress

    @property
    def display_name(self) -> str:
        """The platform's name in messages ("X"), from its spec."""
        return platform_spec(self.platform).name

    @property
    def session(self) -> requests.Session:
        """The client's one HTTP session, made on first use (validating a post needs none)."""
        if self._session is None:
            self._session = requests.Session()
        return self._session

    @property
    def api_url(self) -> str:
        return getattr(settings, self.api_url_setting).rstrip("/")

    @property
    def timeout(self) -> tuple[float, float]:
        return (settings.PLATFORM_CONNECT_TIMEOUT, settings.PLATFORM_READ_TIMEOUT)

    def save_progress(self, state: dict[str, Any]) -> None:
        """Persist what reconciliation will need (a container id, an upload session) before a risky step."""
        if self._on_progress is not None:
            self._on_progress(state)

    def validate(self, payload: PublishPayload) -> list[str]:
        raise NotImplementedError

    def publish(self, payload: PublishPayload) -> PublishResult:
        raise NotImplementedError

    def reconcile(self, attempt: InDoubtAttempt) -> ReconcileResult:
        return CannotTell("this platform offers no way to tell")

    def resume(self, attempt: InDoubtAttempt) -> PublishResult:
        """Go on with a publish that raised StillProcessing, from what it saved (``attempt.state``): poll
        once; still processing raises StillProcessing again, ready publishes, failed raises PublishError.
        Only clients that raise StillProcessing implement it."""
        raise NotImplementedError(f"{type(self).__name__} never raises StillProcessing, so never resumes")
