"""Mastodon's REST API on the account's own server (``extra["server_url"]``): ``POST /api/v1/statuses`` with
an ``Idempotency-Key``; media through ``POST /api/v2/media``, waited for until processed.

The account's ``external_id`` is ``<account id>@<server host>``. Limits come from the server
(``limits.py``), read from ``account.extra`` as loaded: a call never touches the database.
Options (metadata ``platforms.MASTODON``): ``visibility`` (public, unlisted, private, direct; default the
account's own default), ``spoiler_text`` (a content warning), ``language`` (ISO 639-1).

The Idempotency-Key is derived from the payload's ``idempotency_key`` (the post and the account, given by
the publisher) and what is sent: a retry of the same post to the same account, after an answer that never
came, gets the status the first call made (the server keeps a key for an hour) instead of a second one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import ClassVar

import requests
from requests_toolbelt import MultipartEncoder

from social.models import Platform
from social.platforms.base.client import CannotTell
from social.platforms.base.client import CountedLink
from social.platforms.base.client import ErrorKind
from social.platforms.base.client import Found
from social.platforms.base.client import InDoubtAttempt
from social.platforms.base.client import MediaItem
from social.platforms.base.client import NotFound
from social.platforms.base.client import PublishError
from social.platforms.base.client import PublishPayload
from social.platforms.base.client import PublishResult
from social.platforms.base.client import TextCount
from social.platforms.base.http import KIB
from social.platforms.base.http import HttpClient
from social.platforms.base.http import MediaStream
from social.platforms.base.http import Step
from social.platforms.base.http import error_words
from social.platforms.base.http import media_label
from social.platforms.base.http import retry_after_seconds
from social.platforms.base.http import safe_json
from social.platforms.base.text import is_web_url
from social.platforms.base.text import normalize_text

from . import VISIBILITY
from .limits import ServerLimits
from .server import host_of
from .text import is_same_status_text
from .text import status_length
from .text import url_spans

VISIBILITIES = VISIBILITY.values()
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")
MEDIA_TYPES = ("image", "gif", "video")
# Statuses listed per page when looking for one (Mastodon's maximum), and how far back to look.
LIST_LIMIT = 40
RECONCILE_MAX_PAGES = 3
RECONCILE_SLACK = timedelta(minutes=2)
STREAM_CHUNK_BYTES = 256 * KIB

CREATE_STATUS = Step("create the status", creates_post=True)
LIST_STATUSES = Step("list the account's recent statuses")


def status_idempotency_key(payload: PublishPayload) -> str:
    """The Idempotency-Key of a status: the same for the same post to the same account with the same
    content, so a retry is recognised; "" when the publisher gave no identity."""
    if not payload.idempotency_key:
        return ""
    sent = {
        "post": payload.idempotency_key,
        "text": payload.text,
        "media": [[item.identity, item.type, item.alt_text] for item in payload.media],
        "options": {key: payload.options.get(key) for key in ("visibility", "spoiler_text", "language")},
    }
    return hashlib.sha256(json.dumps(sent, sort_keys=True).encode()).hexdigest()


class MastodonClient(HttpClient):
    platform = Platform.MASTODON
    api_url_setting = ""  # each account's own server

    # How long an upload may take to be processed before the post is retried later.
    media_wait_seconds: ClassVar[float] = 120.0

    @property
    def api_url(self) -> str:
        server_url = (self.account.extra or {}).get("server_url")
        if not isinstance(server_url, str) or not server_url:
            raise self.fail(ErrorKind.INVALID, "the account has no server_url; reconnect it")
        return server_url.rstrip("/")

    @property
    def server_limits(self) -> ServerLimits:
        return ServerLimits.of_account(self.account.extra)

    @property
    def account_id(self) -> str:
        """The account's id on its server (``external_id`` is ``<id>@<host>``)."""
        return self.account.external_id.rsplit("@", 1)[0]

    # --- validation --------------------------------------------------------------------------------

    def text_count(self, payload: PublishPayload) -> TextCount:
        """As the account's server counts (the content warning included, every link its URL weight),
        against that server's limit, both from its cached instance configuration."""
        limits = self.server_limits
        spoiler_text = payload.options.get("spoiler_text") or ""
        url_weight = limits.characters_reserved_per_url
        return TextCount(
            count=status_length(
                payload.text,
                spoiler_text=spoiler_text if isinstance(spoiler_text, str) else "",
                url_weight=url_weight,
            ),
            limit=limits.max_characters,
            text=payload.text,
            unit="characters as Mastodon counts them",
            links=tuple(CountedLink(start, end, url_weight) for start, end in url_spans(payload.text)),
        )

    def validate(self, payload: PublishPayload) -> list[str]:
        limits = self.server_limits
        options = payload.options
        problems = []
        spoiler_text = options.get("spoiler_text") or ""
        if not isinstance(spoiler_text, str):
            problems.append("the content warning (spoiler_text) must be text")
        length = self.text_count(payload).count
        if length > limits.max_characters:
            where = f"on {self._host()}" if self._host() else "here"
            problems.append(
                f"{length:,} characters as Mastodon counts them (links {limits.characters_reserved_per_url}, "
                f"@user@domain as @user, the content warning included), the limit {where} is "
                f"{limits.max_characters:,}"
            )
        visibility = options.get("visibility")
        if visibility not in (None, "", *VISIBILITIES):
            problems.append(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        language = options.get("language")
        if language not in (None, "") and not (isinstance(language, str) and LANGUAGE.fullmatch(language)):
            problems.append(f"language {language!r} is not an ISO 639-1 code such as en or de")
        problems += self._media_problems(payload.media, limits)
        if not payload.text.strip() and not payload.media:
            problems.append("the post has no text and no media")
        return problems

    def _media_problems(self, media: tuple[MediaItem, ...], limits: ServerLimits) -> list[str]:
        problems = []
        for index, item in enumerate(media, start=1):
            if item.type not in MEDIA_TYPES:
                problems.append(f"media {index} is a {item.type}; Mastodon takes images, GIFs and videos")
            if not item.is_located:
                problems.append(f"media {index} needs an http(s) URL")
            if len(item.alt_text) > limits.description_limit:
                problems.append(
                    f"the alt text of media {index} has {len(item.alt_text):,} characters, the limit is "
                    f"{limits.description_limit:,}"
                )
        if len(media) > limits.max_media_attachments:
            problems.append(f"{len(media)} media items, the limit is {limits.max_media_attachments}")
        if len(media) > 1 and any(item.type == "video" for item in media):
            problems.append("a video must be the status's only media item")
        return problems

    def _host(self) -> str:
        server_url = (self.account.extra or {}).get("server_url")
        return host_of(server_url) if isinstance(server_url, str) else ""

    # --- publishing --------------------------------------------------------------------------------

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        limits = self.server_limits
        media_ids = [self._upload(index, item, limits) for index, item in enumerate(payload.media)]
        body: dict[str, Any] = {"status": payload.text}
        if media_ids:
            body["media_ids"] = media_ids
        for key in ("visibility", "spoiler_text", "language"):
            if payload.options.get(key):
                body[key] = payload.options[key]
        status = self.create_post(
            f"{self.api_url}/api/v1/statuses",
            CREATE_STATUS,
            json=body,
            idempotency_key=status_idempotency_key(payload),
        )
        return PublishResult(platform_post_id=str(status["id"]), platform_post_url=self._status_url(status))

    def _status_url(self, status: dict[str, Any]) -> str:
        url = status.get("url")
        if isinstance(url, str) and is_web_url(url):
            return url
        return f"{self.api_url}/web/statuses/{status.get('id')}"

    # --- reconciling -------------------------------------------------------------------------------

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        """Look for the text among the account's statuses made since the attempt started."""
        sent = attempt.payload
        if not sent.text.strip():
            return CannotTell("a status without text cannot be recognised among the account's statuses")
        since = attempt.started_at - RECONCILE_SLACK
        spoiler_text = normalize_text(str(sent.options.get("spoiler_text") or ""))
        params: dict[str, Any] = {"limit": LIST_LIMIT, "exclude_reblogs": "true"}
        url = f"{self.api_url}/api/v1/accounts/{self.account_id}/statuses"
        try:
            for _ in range(RECONCILE_MAX_PAGES):
                response = self.call("GET", url, step=LIST_STATUSES, params=params)
                statuses = safe_json(response)
                if not isinstance(statuses, list):
                    return CannotTell("Mastodon's list of statuses was not a list")
                for status in statuses:
                    if not isinstance(status, dict):
                        continue
                    if (
                        is_same_status_text(str(status.get("content") or ""), sent.text)
                        and normalize_text(str(status.get("spoiler_text") or "")) == spoiler_text
                        and _created_since(status, since)
                    ):
                        return Found(
                            platform_post_id=str(status["id"]), platform_post_url=self._status_url(status)
                        )
                if not statuses or not _created_since(statuses[-1], since):
                    return NotFound("no status with this text since the attempt started")
                params["max_id"] = str(statuses[-1].get("id"))
        except PublishError as exc:  # a failure to look is doubt, never "not there"
            return CannotTell(f"could not list the account's statuses: {exc.message}")
        return CannotTell("too many statuses since the attempt to look through")

    # --- errors ------------------------------------------------------------------------------------

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        detail = error_words(response, "error")
        if response.status_code == 429:
            return self.status_error(
                response,
                step,
                kind=ErrorKind.TRANSIENT,
                detail=detail,
                retry_after=rate_limit_reset_seconds(response),
            )
        return self.status_error(response, step, detail=detail)

    # --- media -------------------------------------------------------------------------------------

    def _upload(self, index: int, item: MediaItem, limits: ServerLimits) -> str:
        """Stream the file from its URL into ``POST /api/v2/media``; wait until the server processed it."""
        label = media_label(index, item)
        max_bytes = limits.size_limit(item.type)
        step = Step(f"upload {label}")
        with self.stream_media(item, label=label) as source:
            if source.total_bytes is not None and source.total_bytes > max_bytes:
                raise self._too_big(label, max_bytes)
            if limits.supported_mime_types and source.content_type not in limits.supported_mime_types:
                raise self.fail(
                    ErrorKind.INVALID,
                    f"{label} is {source.content_type}, which {self._host() or 'the server'} does not take",
                )
            if source.total_bytes is None:
                if item.type == "video":
                    raise self.fail(
                        ErrorKind.INVALID,
                        f"{label} at its URL does not state its size (no Content-Length); "
                        "Mastodon needs it to upload a video",
                    )
                # A small file of unknown size: read it whole, within the server's limit.
                data: Any = self._read_bounded(source, label, max_bytes)
            else:
                data = _StreamedFile(source, label, self)
            fields: dict[str, Any] = {"file": (f"media-{index + 1}", data, source.content_type)}
            if item.alt_text:
                fields["description"] = item.alt_text
            encoder = MultipartEncoder(fields=fields)
            response = self.call(
                "POST",
                f"{self.api_url}/api/v2/media",
                step=step,
                timeout=self.upload_timeout,
                headers={"Content-Type": encoder.content_type},
                data=encoder,
            )
        media = self.json_body(response, step)
        media_id = media.get("id")
        if not media_id:
            raise self.fail(ErrorKind.TRANSIENT, f"Mastodon answered the upload of {label} without an id")
        if response.status_code == 202 or not media.get("url"):
            self._wait_until_processed(label, str(media_id))
        return str(media_id)

    def _read_bounded(self, source: MediaStream, label: str, max_bytes: int) -> bytes:
        content = bytearray()
        for chunk in source.chunks(64 * KIB):
            content += chunk
            if len(content) > max_bytes:
                raise self._too_big(label, max_bytes)
        return bytes(content)

    def _wait_until_processed(self, label: str, media_id: str) -> None:
        """Poll ``GET /api/v1/media/:id``: 206 while processing, 200 with its url when ready."""
        step = Step(f"check the processing of {label}")
        waited = 0.0
        wait = 1.0
        while True:
            if waited >= self.media_wait_seconds:
                raise self.fail(
                    ErrorKind.TRANSIENT,
                    f"Mastodon was still processing {label} after {self.media_wait_seconds:.0f} s",
                )
            self.sleep(wait)
            waited += wait
            wait = min(wait * 2, 5.0)
            response = self.call(
                "GET",
                f"{self.api_url}/api/v1/media/{media_id}",
                step=step,
                expect=lambda status: status in (200, 206),
            )
            if response.status_code == 200 and self.json_body(response, step).get("url"):
                return


class _StreamedFile:
    """The media being downloaded, as the file-like object a multipart encoder reads: ``len`` is what is
    left to read, and bytes are pulled from the download only as the upload sends them."""

    def __init__(self, source: MediaStream, label: str, client: MastodonClient) -> None:
        self._total = source.total_bytes or 0
        self._read = 0
        self._chunks: Iterator[bytes] = source.chunks(STREAM_CHUNK_BYTES)
        self._buffer = b""
        self._label = label
        self._client = client

    @property
    def len(self) -> int:
        return self._total - self._read

    def read(self, size: int = -1) -> bytes:
        wanted = self.len if size is None or size < 0 else min(size, self.len)
        while len(self._buffer) < wanted:
            chunk = next(self._chunks, None)
            if chunk is None:
                # The source ended before the size it announced: the upload cannot be completed.
                raise self._client.fail(
                    ErrorKind.TRANSIENT,
                    f"{self._label} ended after {self._read + len(self._buffer)} of the {self._total} bytes "
                    "its URL announced",
                )
            self._buffer += chunk
        piece, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
        self._read += len(piece)
        return piece


def rate_limit_reset_seconds(response: requests.Response, *, now: datetime | None = None) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (an ISO 8601 time); else what ``Retry-After`` says."""
    value = (response.headers.get("X-RateLimit-Reset") or "").strip()
    if value:
        try:
            reset = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            reset = None
        if reset is not None:
            if reset.tzinfo is None:
                reset = reset.replace(tzinfo=UTC)
            return max(0.0, (reset - (now or datetime.now(UTC))).total_seconds())
    return retry_after_seconds(response.headers)


def _created_since(status: Any, since: datetime) -> bool:
    try:
        created = datetime.fromisoformat(str(status.get("created_at")).replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return True  # no usable time: keep looking rather than conclude
    return created >= since
