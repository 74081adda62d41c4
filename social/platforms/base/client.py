"""The interface every platform client offers the publisher (docs/architecture.md, docs/platforms.md)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import Protocol
from typing import TypedDict

import requests
from django.conf import settings
from django.db import models

from ..registry import platform_spec
from .text import is_web_url

if TYPE_CHECKING:
    from social.models import SocialAccount


class ErrorKind(models.TextChoices):
    """How a failed platform call is classified, and so what the publisher does next."""

    TRANSIENT = "TRANSIENT", "Transient"
    AUTH = "AUTH", "Authentication"
    INVALID = "INVALID", "Invalid"
    UNKNOWN = "UNKNOWN", "Unknown outcome"


class MediaSourceError(Exception):
    """A library asset's bytes cannot be read now (its storage failed); one line, no secret."""


class MediaSourceReader(Protocol):
    """An open library asset: its size, and its bytes in exact chunks (only one held at a time)."""

    total_bytes: int

    def chunks(self, chunk_size: int) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class MediaSource(Protocol):
    """Where a library asset's bytes are, resolved before the call: reading needs no database.

    ``open()`` and the reader's ``chunks()`` raise ``MediaSourceError`` when the storage fails.
    """

    asset_id: int
    kind: str  # "image" | "video" | "gif"
    content_type: str
    size: int
    alt_text: str

    def open(self) -> MediaSourceReader: ...


@dataclass(frozen=True)
class MediaItem:
    """One media item of a post: by ``url``, or a media-library asset (``asset_id``).

    At publish time an asset item carries its ``source``: clients that upload read the bytes from it
    (``HttpClient.stream_media``); for a platform that fetches by URL, ``url`` is the asset's signed URL.
    """

    url: str = ""
    # "image" | "video" | "gif"; "" only on input, for an asset item: the asset's own kind.
    type: str = "image"
    alt_text: str = ""
    asset_id: int | None = None
    source: MediaSource | None = field(default=None, compare=False, repr=False)

    @property
    def is_located(self) -> bool:
        """It says where its bytes are: a library asset, or an http(s) URL."""
        return self.asset_id is not None or is_web_url(self.url)

    @property
    def identity(self) -> str:
        """What the item is, the same on every try (an asset's signed URL changes; the asset does not)."""
        return f"asset:{self.asset_id}" if self.asset_id is not None else self.url

    def with_source(self, source: MediaSource, *, url: str = "") -> MediaItem:
        """The item at publish time: the asset's bytes, its kind, its alt text unless this use has its own."""
        return replace(
            self, source=source, url=url, type=source.kind, alt_text=self.alt_text or source.alt_text
        )

    # What the post's metadata says of the file when it is known (a media library asset's probe): its
    # size in bytes and, for a video or GIF, its length in seconds; None for a bare URL.
    size_bytes: int | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class PublishPayload:
    """What one account is sent: the post's text and media after that platform's overrides."""

    text: str
    media: tuple[MediaItem, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    # Which post goes to which account, the same on every try: a platform that takes an idempotency key
    # (Mastodon) derives it from this, so a retry after an unknown outcome cannot post twice. "" = none.
    idempotency_key: str = ""

    def media_problems(
        self, *, kinds: Collection[str], takes: str, needs: str = "an http(s) URL"
    ) -> list[str]:
        """Each media item of a kind not in ``kinds`` ("media 2 is a video; ``takes``"), and each that says
        nowhere its bytes are ("media 2 needs ``needs``")."""
        problems = []
        for index, item in enumerate(self.media, start=1):
            if item.type not in kinds:
                problems.append(f"media {index} is a {item.type}; {takes}")
            if not item.is_located:
                problems.append(f"media {index} needs {needs}")
        return problems

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
            media=tuple(media_item_from_metadata(item) for item in media),
            options=overrides,
            idempotency_key=idempotency_key,
        )


def media_item_from_metadata(item: Mapping[str, Any]) -> MediaItem:
    """One item of ``metadata.media``: ``{"url", "type", "alt_text"}``, or ``{"asset": id, ...}`` for a
    media-library asset (its type, when missing, is the asset's kind: set at publish time)."""
    asset = item.get("asset")
    if asset is not None:
        if isinstance(asset, bool) or not isinstance(asset, int):
            raise ValueError(f"a media item's asset must be an asset id (a number), not {asset!r}")
        return MediaItem(type=item.get("type", ""), alt_text=item.get("alt_text", ""), asset_id=asset)
    return MediaItem(
        url=item.get("url", ""),
        type=item.get("type", "image"),
        alt_text=item.get("alt_text", ""),
        size_bytes=_number(item.get("size_bytes"), int),
        duration_seconds=_number(item.get("duration_seconds"), float),
    )


@dataclass(frozen=True)
class CountedLink:
    """A link in a counted text: ``TextCount.text[start:end]`` (code points), and what it counts as
    (``weight``; None: as written)."""

    start: int
    end: int
    weight: int | None = None


@dataclass(frozen=True)
class TextCount:
    """A payload's text as its platform counts it, against the account's limit (None: no limit).

    ``text`` is the text as counted (X counts the NFC form), which ``links`` index into.
    """

    count: int
    limit: int | None
    text: str
    unit: str = "characters"  # how people should read ``count``: "characters as X counts them"
    links: tuple[CountedLink, ...] = ()

    @property
    def over(self) -> bool:
        return self.limit is not None and self.count > self.limit


def _number(value: Any, kind: type) -> Any:
    """A size or duration from the metadata, or None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return kind(value)


@dataclass(frozen=True)
class PublishResult:
    platform_post_id: str
    platform_post_url: str = ""
    # Something the author should know about the published post (YouTube made it private): kept on the
    # account's result and shown in the admin.
    notice: str = ""


# ``PublishError.limit``: which of the platform's posting limits refused the call.
LIMIT_ACCOUNT = "account"
LIMIT_APP = "app"


class ErrorDetails(TypedDict, total=False):
    """What a ``PublishError`` may say besides its kind and message."""

    http_status: int | None
    retry_after: float | None
    limit: str | None


class PublishError(Exception):
    """A platform call that did not publish. ``retry_after`` is in seconds from now.

    ``limit`` (``"account"`` or ``"app"``) says the refusal was the platform's posting limit for the account
    or for the whole app, and ``retry_after`` when it frees: the publisher then defers the account's (or
    app's) other posts until then instead of calling.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
        limit: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.http_status = http_status
        self.retry_after = retry_after
        if limit not in (None, LIMIT_ACCOUNT, LIMIT_APP):
            raise ValueError(f"limit must be {LIMIT_ACCOUNT!r}, {LIMIT_APP!r} or None, not {limit!r}")
        self.limit = limit

    def __repr__(self) -> str:
        return f"PublishError({self.kind!s}, {self.message!r}, http_status={self.http_status})"


class StillProcessing(Exception):
    """The platform is still processing what the call sent (a media container, an uploaded video).

    Raised by ``publish`` or ``resume`` once what is needed to go on was saved (``save_progress``): the
    publisher keeps the account PUBLISHING, gives the worker back, and calls ``resume`` in a later run,
    no sooner than ``check_after`` seconds from now.
    """

    def __init__(self, message: str, *, check_after: float) -> None:
        super().__init__(message)
        self.message = message
        self.check_after = max(0.0, float(check_after))

    def __repr__(self) -> str:
        return f"StillProcessing({self.message!r}, check_after={self.check_after})"


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


@dataclass(frozen=True)
class InDoubtAttempt:
    """A call whose outcome is unknown: what was sent, when, and what the client saved on the way."""

    payload: PublishPayload
    started_at: datetime
    state: Mapping[str, Any] = field(default_factory=dict)


class BaseClient:
    """A client for one account. Subclasses set the class attributes and implement the three methods, and
    ``resume`` if their ``publish`` may raise ``StillProcessing``."""

    platform: ClassVar[str]
    api_url_setting: ClassVar[str]
    # How long the platform may keep processing one post before the publisher gives up on it (an
    # Instagram or Threads container expires 24 hours after it was made).
    max_processing_seconds: ClassVar[float] = 24 * 3600.0

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

    def text_count(self, payload: PublishPayload) -> TextCount:
        """The payload's text as this platform counts it, with the account's limit: what ``validate``
        checks the text's length against. By default, characters (code points) against the spec's
        ``limits.text_length``; a platform that counts otherwise (weighted, graphemes, links as a fixed
        length) or whose limit depends on the account overrides it."""
        return TextCount(
            count=len(payload.text), limit=platform_spec(self.platform).limits.text_length, text=payload.text
        )

    def preview_notes(self, payload: PublishPayload) -> list[str]:
        """What the platform will show with the post that its text and media do not (a link card)."""
        return []

    def publish(self, payload: PublishPayload) -> PublishResult:
        raise NotImplementedError

    def reconcile(self, attempt: InDoubtAttempt) -> ReconcileResult:
        return CannotTell("this platform offers no way to tell")

    def resume(self, attempt: InDoubtAttempt) -> PublishResult:
        """Go on from what an earlier call saved (``attempt.state``): poll once; still processing ->
        ``StillProcessing`` again; ready -> publish (saving progress before the call that makes the post);
        failed -> ``PublishError(INVALID)``. Never makes a second container or upload for what was saved.

        The publisher calls it for an account whose last call ended "still processing", and instead of
        ``publish`` for an account sent again whose earlier call saved progress, when the client defines
        it (``client_resumes``).
        """
        raise NotImplementedError


def client_resumes(client: BaseClient) -> bool:
    """Whether the client continues from saved progress (defines ``resume``)."""
    return type(client).resume is not BaseClient.resume
