"""HTTP plumbing every platform client shares: timeouts, error kinds, safe JSON, Retry-After, media (read
from its URL, or from the media library's storage for an asset).

Each platform module subclasses ``HttpClient`` and overrides ``error_from_response`` to read its own error
shape; everything about the wire that is the same everywhere lives here once.
"""

from __future__ import annotations

import logging
import mimetypes
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import Unpack
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import NewConnectionError

from social.redaction import redact

from .client import BaseClient
from .client import ErrorDetails
from .client import ErrorKind
from .client import MediaItem
from .client import MediaSourceError
from .client import PublishError
from .client import PublishPayload

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB
EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class Step:
    """One platform call: what it does, in words for messages, and whether it is the call that makes the post.

    A create call that may have reached the platform (read timeout, connection lost, 5xx) has an UNKNOWN
    outcome; the same failure on a preparatory call (media upload, container, polling) is TRANSIENT, since
    nothing was published yet.
    """

    description: str
    creates_post: bool = False

    @property
    def kind_if_maybe_sent(self) -> ErrorKind:
        return ErrorKind.UNKNOWN if self.creates_post else ErrorKind.TRANSIENT


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """A short single-line excerpt of a platform's text for an error message."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds from now that a ``Retry-After`` header asks for (a number of seconds or an HTTP date)."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def seconds_until_epoch(epoch_seconds: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from now until a unix time given as a header value (X's ``x-rate-limit-reset``)."""
    try:
        reset = float(epoch_seconds or "")
    except ValueError:
        return None
    return max(0.0, reset - (now or datetime.now(UTC)).timestamp())


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the request certainly never reached the platform (DNS, refused, connect timeout, TLS)."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def safe_json(response: requests.Response) -> Any:
    """The body as JSON, or None when it is not JSON (an HTML error page, a truncated body)."""
    try:
        return response.json()
    except ValueError:
        return None


def error_words(response: requests.Response, key: str) -> str:
    """What an error answer says: the words at ``key`` of its JSON object, else an excerpt of the body."""
    body = safe_json(response)
    words = body.get(key) if isinstance(body, dict) else None
    return excerpt(words) if isinstance(words, str) and words else excerpt(response.text)


def describe_body(response: requests.Response) -> str:
    content_type = response.headers.get("Content-Type", "no content type").split(";")[0]
    return f"{content_type}, {len(response.content)} bytes"


def media_content_type(item: MediaItem, header_value: str | None) -> str:
    """The media's MIME type: the server's Content-Type unless it is generic, else a guess from the URL."""
    declared = (header_value or "").split(";")[0].strip().lower()
    if declared and declared not in {"application/octet-stream", "binary/octet-stream"}:
        return declared
    guessed, _ = mimetypes.guess_type(urlsplit(item.url).path)
    return guessed or declared or "application/octet-stream"


@dataclass(frozen=True)
class DownloadedMedia:
    content: bytes
    content_type: str


class MediaStream:
    """A media file being downloaded with ``stream=True``: its size and type, and its bytes in exact chunks."""

    def __init__(self, client: HttpClient, item: MediaItem, label: str, response: requests.Response) -> None:
        self._client = client
        self._item = item
        self._label = label
        self._response = response
        self.content_type = media_content_type(item, response.headers.get("Content-Type"))
        length = response.headers.get("Content-Length", "")
        self.total_bytes: int | None = int(length) if length.isdigit() else None

    def chunks(self, chunk_size: int) -> Iterator[bytes]:
        """Chunks of exactly ``chunk_size`` bytes (the last may be shorter); only one is held at a time."""
        buffer = bytearray()
        received = 0
        try:
            for piece in self._response.iter_content(chunk_size=64 * KIB):
                buffer += piece
                received += len(piece)
                while len(buffer) >= chunk_size:
                    # One copy out of the buffer (a plain slice would copy twice).
                    with memoryview(buffer) as view:
                        chunk = bytes(view[:chunk_size])
                    del buffer[:chunk_size]
                    yield chunk
                    del chunk  # hold no sent chunk while the next one fills
        except requests.RequestException as exc:
            raise self._client.fail(
                ErrorKind.TRANSIENT,
                f"the download of {self._label} from {host_of(self._item.url)} broke off after {received} bytes "
                f"({type(exc).__name__})",
            ) from exc
        if buffer:
            yield bytes(buffer)

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> MediaStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SourceStream(MediaStream):
    """A library asset read from its storage (local files or S3) instead of downloaded: the same interface
    as ``MediaStream`` (size, type, exact chunks), one chunk held at a time. A storage failure is
    ``TRANSIENT``: nothing was sent, and the file is still there to send later."""

    def __init__(self, client: HttpClient, item: MediaItem, label: str) -> None:
        self._client = client
        self._item = item
        self._label = label
        source = item.source
        assert source is not None
        try:
            self._reader = source.open()
        except MediaSourceError as exc:
            raise self._failure(exc) from exc
        self.content_type = source.content_type
        self.total_bytes = self._reader.total_bytes

    def chunks(self, chunk_size: int) -> Iterator[bytes]:
        try:
            yield from self._reader.chunks(chunk_size)
        except MediaSourceError as exc:
            raise self._failure(exc) from exc

    def close(self) -> None:
        self._reader.close()

    def _failure(self, exc: MediaSourceError) -> PublishError:
        return self._client.fail(
            ErrorKind.TRANSIENT, f"{self._label} cannot be read from the media library: {exc}"
        )


class HttpClient(BaseClient):
    """A platform client speaking HTTP through its one session, with a finite timeout on every call.

    Tokens go only into the Authorization header of platform calls (never into URLs, never into the
    session's default headers, so a media download from a third-party host never carries one).
    """

    # Uploads may take longer to answer than ordinary calls; still finite.
    upload_read_timeout: ClassVar[float] = 120.0

    def sleep(self, seconds: float) -> None:
        """Polling waits go through here so a test can record them instead of sleeping."""
        time.sleep(seconds)

    # --- Hooks for each platform ---------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.account.access_token}"}

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        """Map a response the step did not expect to a PublishError. Platforms read their own error shape."""
        return self.status_error(response, step, detail=excerpt(response.text))

    # --- Calls ---------------------------------------------------------------------------------------

    @property
    def upload_timeout(self) -> tuple[float, float]:
        connect, read = self.timeout
        return (connect, max(read, self.upload_read_timeout))

    def call(
        self,
        method: str,
        url: str,
        *,
        step: Step,
        expect: Callable[[int], bool] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request; return the response if its status is expected (2xx by default), else raise."""
        all_headers = {**self.auth_headers(), **(headers or {})}
        try:
            response = self.session.request(
                method,
                url,
                headers=all_headers,
                timeout=timeout or self.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise self.transport_error(exc, url, step) from exc
        logger.debug("%s: %s answered HTTP %s", self.display_name, step.description, response.status_code)
        if not (expect or _is_success)(response.status_code):
            raise self.error_from_response(response, step)
        return response

    def json_body(self, response: requests.Response, step: Step) -> dict[str, Any]:
        """The JSON object a successful call documents; a clear PublishError if the body is not one."""
        body = safe_json(response)
        if isinstance(body, dict):
            return body
        maybe = " The post may exist." if step.creates_post else ""
        raise self.fail(
            step.kind_if_maybe_sent,
            f"{self.display_name} answered HTTP {response.status_code} to {step.description} with a body that "
            f"is not the documented JSON ({describe_body(response)}).{maybe}",
            http_status=response.status_code,
        )

    def create_post(
        self, url: str, step: Step, *, json: dict[str, Any], idempotency_key: str = ""
    ) -> dict[str, Any]:
        """POST what makes the post, with its ``Idempotency-Key`` where there is one; the JSON object the
        platform answers, which names the post by its ``id``."""
        response = self.call(
            "POST",
            url,
            step=step,
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else None,
            json=json,
        )
        created = self.json_body(response, step)
        if not created.get("id"):
            raise self.missing_id_error(response, step, "its id")
        return created

    # --- Errors --------------------------------------------------------------------------------------

    def missing_id_error(self, response: requests.Response, step: Step, what: str) -> PublishError:
        """A successful answer to a create call that lacks ``what`` identifies the post: it may exist."""
        return self.fail(
            ErrorKind.UNKNOWN,
            f"{self.display_name} answered HTTP {response.status_code} to {step.description} without {what}. "
            "The post may exist.",
            http_status=response.status_code,
        )

    def fail(self, kind: str, message: str, **details: Unpack[ErrorDetails]) -> PublishError:
        """A PublishError whose message is scrubbed of this account's tokens and of tokens in URLs."""
        return PublishError(kind, self.redact(message), **details)

    def redact(self, text: str) -> str:
        return redact(text, (self.account.access_token, self.account.refresh_token))

    def transport_error(self, exc: requests.RequestException, url: str, step: Step) -> PublishError:
        host = host_of(url)
        if _never_sent(exc):
            return self.fail(
                ErrorKind.TRANSIENT,
                f"could not connect to {host} to {step.description} ({type(exc).__name__}); nothing was sent",
            )
        maybe = " The post may exist." if step.creates_post else ""
        if isinstance(exc, requests.Timeout):
            return self.fail(
                step.kind_if_maybe_sent,
                f"{host} did not answer in time to {step.description} (read timeout).{maybe}",
            )
        return self.fail(
            step.kind_if_maybe_sent,
            f"the connection to {host} was lost while trying to {step.description} "
            f"({type(exc).__name__}).{maybe}",
        )

    def status_error(
        self,
        response: requests.Response,
        step: Step,
        *,
        detail: str = "",
        kind: ErrorKind | None = None,
        retry_after: float | None = None,
        limit: str | None = None,
    ) -> PublishError:
        """The generic mapping of an HTTP status to an error kind, with the platform's words as detail.

        ``limit``: the refusal was the platform's posting limit of the account or app (``PublishError``)."""
        status = response.status_code
        if kind is None:
            kind = kind_for_status(status, step)
        if retry_after is None:
            retry_after = retry_after_seconds(response.headers)
        message = f"{self.display_name} answered HTTP {status} to {step.description}"
        if detail:
            message += f": {detail}"
        if kind == ErrorKind.UNKNOWN:
            message += ("" if message.endswith(".") else ".") + " The post may exist."
        return self.fail(kind, message, http_status=status, retry_after=retry_after, limit=limit)

    def ensure_valid(self, payload: PublishPayload) -> None:
        """Refuse before any HTTP what validate() refuses, so a bad post never reaches the platform."""
        problems = self.validate(payload)
        if problems:
            raise self.fail(ErrorKind.INVALID, "; ".join(problems))

    # --- Media ---------------------------------------------------------------------------------------

    def _open_media(self, item: MediaItem, label: str) -> requests.Response:
        step = Step(f"download {label}")
        try:
            response = self.session.get(item.url, stream=True, timeout=self.timeout, allow_redirects=True)
        except requests.RequestException as exc:
            raise self.transport_error(exc, item.url, step) from exc
        if response.status_code >= 400:
            response.close()
            status = response.status_code
            kind = ErrorKind.TRANSIENT if status >= 500 or status in (408, 429) else ErrorKind.INVALID
            raise self.fail(
                kind,
                f"{label} at {host_of(item.url)} answered HTTP {status}; check that its URL is public",
                http_status=status,
                retry_after=retry_after_seconds(response.headers),
            )
        return response

    def download_media(self, item: MediaItem, *, label: str, max_bytes: int) -> DownloadedMedia:
        """Fetch a (small) media file into memory, refusing one over ``max_bytes`` before or while reading."""
        with self.stream_media(item, label=label) as stream:
            if stream.total_bytes is not None and stream.total_bytes > max_bytes:
                raise self._too_big(label, max_bytes)
            content = bytearray()
            for chunk in stream.chunks(64 * KIB):
                content += chunk
                if len(content) > max_bytes:
                    raise self._too_big(label, max_bytes)
            return DownloadedMedia(content=bytes(content), content_type=stream.content_type)

    def _too_big(self, label: str, max_bytes: int) -> PublishError:
        return self.fail(
            ErrorKind.INVALID, f"{label} is larger than {self.display_name}'s limit of {max_bytes // MIB} MB"
        )

    def stream_media(self, item: MediaItem, *, label: str) -> MediaStream:
        """Open a (large) media file for reading in chunks, from the library's storage for an asset, else
        from its URL; the caller closes it."""
        if item.source is not None:
            return SourceStream(self, item, label)
        return MediaStream(self, item, label, self._open_media(item, label))


def _is_success(status: int) -> bool:
    return 200 <= status < 300


def kind_for_status(status: int, step: Step) -> ErrorKind:
    if status == 401:
        return ErrorKind.AUTH
    if status in (408, 429):
        return ErrorKind.TRANSIENT
    if status >= 500 or status < 400:
        return step.kind_if_maybe_sent
    return ErrorKind.INVALID


def media_label(index: int, item: MediaItem) -> str:
    return f"{item.type} {index + 1}"
