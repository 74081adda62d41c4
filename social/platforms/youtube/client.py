"""YouTube Data API v3: a resumable ``videos.insert``, the video streamed from its URL in chunks.

The account's ``external_id`` is the channel id. The post's text is the video's description.
Options (metadata ``platforms.YOUTUBE``): ``title`` (required), ``privacy_status`` (public, unlisted or
private; default public), ``tags`` (list of strings), ``category_id``, ``made_for_kids`` (default false),
``publish_at`` (an ISO time with its offset: upload now, private, and YouTube makes it public then).

The answer to the upload is the video resource: its ``status.privacyStatus`` says what YouTube made of it.
A video an unaudited API project uploads is private whatever was asked; the author is told (the result's
notice). A video scheduled with ``publish_at`` is uploaded at the post's time and the account stays
"still processing" until that time; a later run then checks that YouTube made it public (``resume``).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import ClassVar
from zoneinfo import ZoneInfo

import requests
from django.conf import settings

from social.models import Platform
from social.platforms.base.client import CannotTell
from social.platforms.base.client import ErrorKind
from social.platforms.base.client import Found
from social.platforms.base.client import InDoubtAttempt
from social.platforms.base.client import NotFound
from social.platforms.base.client import PublishError
from social.platforms.base.client import PublishPayload
from social.platforms.base.client import PublishResult
from social.platforms.base.client import StillProcessing
from social.platforms.base.http import KIB
from social.platforms.base.http import MIB
from social.platforms.base.http import HttpClient
from social.platforms.base.http import MediaStream
from social.platforms.base.http import Step
from social.platforms.base.http import excerpt
from social.platforms.base.http import media_label
from social.platforms.base.http import retry_after_seconds
from social.platforms.base.http import safe_json

from . import MAX_DESCRIPTION_LENGTH
from . import MAX_TITLE_LENGTH
from . import PRIVACY_STATUS
from . import QUOTA_ZONE

logger = logging.getLogger(__name__)

PRIVACY_STATUSES = PRIVACY_STATUS.values()
# Chunks must be multiples of 256 KiB, except the last.
CHUNK_UNIT = 256 * KIB
RESUME_INCOMPLETE = 308
SESSION_GONE = (404, 410)  # an upload session that expired or was cancelled
PACIFIC = ZoneInfo(QUOTA_ZONE)
RETRY_LATER_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "backendError"})
AUTH_REASONS = frozenset({"authError", "invalidCredentials", "unauthorized"})
_RANGE = re.compile(r"bytes=0-(\d+)")

START_UPLOAD = Step("start the video upload")
PROBE_UPLOAD = Step("ask how much of the upload arrived")
READ_VIDEO = Step("read the video's status")
# publish_at: at most this far ahead (the account waits "still processing" until then), and no nearer than
# this at upload time (a time that has come is simply uploaded as asked).
PUBLISH_AT_MAX_AHEAD = timedelta(days=30)
PUBLISH_AT_MIN_AHEAD = timedelta(minutes=1)
# After its publish time, how long YouTube may take to make a scheduled video public before we say so.
PUBLISH_GRACE = timedelta(hours=1)
FORCED_PRIVATE = (
    "YouTube made the video private although {asked} was asked: videos uploaded through an API project that "
    "has not passed YouTube's audit are private until the project is audited (the video is there; make it "
    "{asked} in YouTube Studio)."
)


def video_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    """YouTube's daily quota resets at midnight Pacific time."""
    now = (now or datetime.now(PACIFIC)).astimezone(PACIFIC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=PACIFIC)
    return (midnight - now).total_seconds()


class YouTubeClient(HttpClient):
    platform = Platform.YOUTUBE
    api_url_setting = "YOUTUBE_API_URL"

    chunk_size: ClassVar[int] = 8 * MIB
    # How many times one chunk is re-sent when YouTube commits only part of it.
    max_partial_resends: ClassVar[int] = 3
    # A scheduled video waits "still processing" until its publish_at, at most 30 days ahead.
    max_processing_seconds: ClassVar[float] = (PUBLISH_AT_MAX_AHEAD + timedelta(days=1)).total_seconds()

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        title = payload.options.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append("a video needs a title (the YouTube option 'title')")
        elif len(title) > MAX_TITLE_LENGTH:
            problems.append(f"title of {len(title)} characters, the limit is {MAX_TITLE_LENGTH}")
        if isinstance(title, str) and ("<" in title or ">" in title):
            problems.append("the title cannot contain < or >")
        if len(payload.text) > MAX_DESCRIPTION_LENGTH:
            problems.append(
                f"description of {len(payload.text):,} characters, the limit is {MAX_DESCRIPTION_LENGTH:,}"
            )
        if "<" in payload.text or ">" in payload.text:
            problems.append("the description cannot contain < or >")
        privacy = payload.options.get("privacy_status", "public")
        if privacy not in PRIVACY_STATUSES:
            problems.append(f"privacy_status {privacy!r} is not one of {', '.join(PRIVACY_STATUSES)}")
        problems += _publish_at_problems(payload.options.get("publish_at"), privacy)
        tags = payload.options.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            problems.append("tags must be a list of words")
        videos = [item for item in payload.media if item.type == "video"]
        if len(payload.media) != 1 or len(videos) != 1:
            problems.append("a YouTube post needs exactly one video and no other media")
        for index, item in enumerate(payload.media, start=1):
            if not item.is_located:
                problems.append(f"media {index} needs an http(s) URL")
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        item = payload.media[0]
        label = media_label(0, item)
        with self.stream_media(item, label=label) as source:
            if source.total_bytes is None:
                raise self.fail(
                    ErrorKind.INVALID,
                    f"{label} at its URL does not state its size (no Content-Length); YouTube needs it to upload",
                )
            publish_at = _scheduled_time(payload.options.get("publish_at"))
            session_url = self._start_session(payload, source, publish_at)
            # Saved before any byte is sent: the video exists only once the last byte arrives, and a
            # reconcile probes this session to learn whether it did.
            self.save_progress({"upload_url": session_url, "total_bytes": source.total_bytes})
            video = self._send_bytes(session_url, source, label)
        video_id = video.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise self.fail(
                ErrorKind.UNKNOWN,
                "YouTube finished the upload but its answer had no video id. The video may exist.",
            )
        status = video.get("status") if isinstance(video.get("status"), dict) else {}
        privacy = status.get("privacyStatus")
        if publish_at is None:
            asked = payload.options.get("privacy_status", "public")
            forced = privacy == "private" and asked != "private"
            return self._result(video_id, FORCED_PRIVATE.format(asked=asked) if forced else "")
        if not status.get("publishAt"):
            # YouTube kept it private without the schedule (as it does for unaudited projects).
            return self._result(video_id, FORCED_PRIVATE.format(asked=f"public at {_when(publish_at)}"))
        self.save_progress({"video_id": video_id, "publish_at": publish_at.isoformat()})
        raise StillProcessing(
            f"Uploaded as video {video_id}; YouTube makes it public at {_when(publish_at)}, and it is checked "
            "then.",
            check_after=(publish_at - datetime.now(UTC)).total_seconds() + 60,
        )

    def resume(self, attempt: InDoubtAttempt) -> PublishResult:
        """A scheduled video: public once its time has come. Anything else saved (an upload session of a call
        that failed) is started over: a session never made a video unless its last byte arrived."""
        video_id, publish_at = attempt.state.get("video_id"), _parse_time(attempt.state.get("publish_at"))
        if not isinstance(video_id, str) or not video_id or publish_at is None:
            return self.publish(attempt.payload)
        status = self._video_status(video_id)
        upload = status.get("uploadStatus")
        if upload in ("failed", "rejected", "deleted"):
            reason = status.get("failureReason") or status.get("rejectionReason") or upload
            raise self.fail(ErrorKind.INVALID, f"YouTube did not keep video {video_id}: {reason}")
        if status.get("privacyStatus") == "public":
            return self._result(video_id, "")
        now = datetime.now(UTC)
        if now < publish_at + PUBLISH_GRACE:
            raise StillProcessing(
                f"Video {video_id} is scheduled on YouTube for {_when(publish_at)}; it is checked again then.",
                check_after=max(60.0, (publish_at - now).total_seconds() + 60),
            )
        return self._result(
            video_id,
            f"YouTube has not made the video public at its time ({_when(publish_at)}): it is still "
            f"{status.get('privacyStatus') or 'not public'}; check it in YouTube Studio.",
        )

    def _result(self, video_id: str, notice: str) -> PublishResult:
        return PublishResult(platform_post_id=video_id, platform_post_url=video_url(video_id), notice=notice)

    def _video_status(self, video_id: str) -> dict[str, Any]:
        response = self.call(
            "GET",
            f"{self.api_url}/youtube/v3/videos",
            step=READ_VIDEO,
            params={"part": "status", "id": video_id},
        )
        items = self.json_body(response, READ_VIDEO).get("items")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise self.fail(ErrorKind.INVALID, f"video {video_id} is no longer on YouTube")
        status = items[0].get("status")
        return status if isinstance(status, dict) else {}

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        """Probe the saved upload session with an empty PUT of ``Content-Range: bytes */<total>``."""
        session_url, total = attempt.state.get("upload_url"), attempt.state.get("total_bytes")
        if not session_url or not isinstance(total, int):
            return NotFound("no upload session was saved, so no byte of the video was sent")
        try:
            response = self.call(
                "PUT",
                session_url,
                step=PROBE_UPLOAD,
                expect=lambda status: True,
                headers={"Content-Range": f"bytes */{total}", "Content-Length": "0"},
            )
        except PublishError as exc:
            return CannotTell(f"could not probe the upload session: {exc.message}")
        status = response.status_code
        if status in (200, 201):
            body = safe_json(response)
            video_id = body.get("id") if isinstance(body, dict) else None
            if isinstance(video_id, str) and video_id:
                return Found(platform_post_id=video_id, platform_post_url=video_url(video_id))
            return CannotTell("the upload is complete but YouTube's answer had no video id")
        if status == RESUME_INCOMPLETE:
            return NotFound("the upload did not complete, so no video was created")
        if status in SESSION_GONE:
            return NotFound("the upload session expired without completing, so no video was created")
        return CannotTell(f"the upload session answered HTTP {status}")

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        if response.status_code in SESSION_GONE and response.request.method == "PUT":
            # A chunk PUT (the probe accepts every status): the session expired before the last byte,
            # so no video exists and the next try starts over.
            return self.status_error(
                response,
                step,
                detail="the upload session expired; the next try starts a new upload",
                kind=ErrorKind.TRANSIENT,
            )
        body = safe_json(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return self.status_error(response, step, detail=excerpt(response.text))
        reasons = [entry.get("reason") for entry in error.get("errors") or [] if isinstance(entry, dict)]
        detail = excerpt(error.get("message") or "no message")
        if reasons:
            detail += f" ({', '.join(str(reason) for reason in reasons)})"
        kind, retry_after = self._kind(response, step, set(reasons))
        # The project's daily quota: every channel's uploads wait for midnight Pacific.
        limit = "app" if "quotaExceeded" in reasons else None
        return self.status_error(
            response, step, detail=detail, kind=kind, retry_after=retry_after, limit=limit
        )

    def _kind(
        self, response: requests.Response, step: Step, reasons: set[Any]
    ) -> tuple[ErrorKind | None, float | None]:
        retry_after = retry_after_seconds(response.headers)
        if "quotaExceeded" in reasons:
            return ErrorKind.TRANSIENT, retry_after or seconds_until_quota_reset()
        if "uploadLimitExceeded" in reasons:
            return ErrorKind.TRANSIENT, retry_after or 24 * 3600.0
        if response.status_code >= 500:
            return step.kind_if_maybe_sent, retry_after
        if reasons & RETRY_LATER_REASONS:
            return ErrorKind.TRANSIENT, retry_after
        if response.status_code == 401 or reasons & AUTH_REASONS:
            return ErrorKind.AUTH, retry_after
        return None, retry_after  # the generic mapping: 429 transient, other 4xx invalid

    # --- Steps ---------------------------------------------------------------------------------------

    def _start_session(
        self, payload: PublishPayload, source: MediaStream, publish_at: datetime | None
    ) -> str:
        options = payload.options
        snippet: dict[str, Any] = {"title": options["title"], "description": payload.text}
        if options.get("tags"):
            snippet["tags"] = options["tags"]
        if options.get("category_id"):
            snippet["categoryId"] = str(options["category_id"])
        response = self.call(
            "POST",
            f"{settings.YOUTUBE_UPLOAD_URL.rstrip('/')}/youtube/v3/videos",
            step=START_UPLOAD,
            params={"uploadType": "resumable", "part": "snippet,status"},
            headers={
                "Content-Type": "application/json; charset=UTF-8",
                "X-Upload-Content-Length": str(source.total_bytes),
                "X-Upload-Content-Type": source.content_type,
            },
            json={"snippet": snippet, "status": self._status(options, publish_at)},
        )
        session_url = response.headers.get("Location")
        if not session_url:
            raise self.fail(ErrorKind.TRANSIENT, "YouTube started no upload session (no Location header)")
        return session_url

    @staticmethod
    def _status(options: Any, publish_at: datetime | None) -> dict[str, Any]:
        status: dict[str, Any] = {
            "privacyStatus": options.get("privacy_status", "public"),
            "selfDeclaredMadeForKids": bool(options.get("made_for_kids", False)),
        }
        if publish_at is not None:
            # YouTube takes publishAt only on a private video, which it makes public at that time.
            status.update(privacyStatus="private", publishAt=publish_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return status

    def _send_bytes(self, session_url: str, source: MediaStream, label: str) -> dict[str, Any]:
        """PUT the video chunk by chunk, each read from the source as it is sent; return the video resource."""
        total = source.total_bytes or 0
        chunk_size = max(CHUNK_UNIT, self.chunk_size // CHUNK_UNIT * CHUNK_UNIT)
        offset = 0
        for chunk in source.chunks(chunk_size):
            chunk = chunk[: total - offset]
            if offset + len(chunk) < total and len(chunk) < chunk_size:
                break  # the source ended early; reported below before the final PUT is ever made
            response = self._put_chunk(session_url, chunk, offset, total, label)
            offset += len(chunk)
            if offset >= total:
                return self.json_body(response, self._chunk_step(label, last=True))
            # The response holds its request's body: let both go before the next chunk is read.
            del chunk, response
        raise self.fail(
            ErrorKind.TRANSIENT, f"{label} ended after {offset} of the {total} bytes its URL announced"
        )

    def _put_chunk(
        self, session_url: str, chunk: bytes, offset: int, total: int, label: str
    ) -> requests.Response:
        """Send one chunk; if YouTube commits only part of it (308 with a shorter Range), send the rest."""
        end = offset + len(chunk)
        step = self._chunk_step(label, last=end >= total)
        start = offset
        for _ in range(self.max_partial_resends + 1):
            response = self.call(
                "PUT",
                session_url,
                step=step,
                expect=lambda status: status in (200, 201, RESUME_INCOMPLETE),
                timeout=self.upload_timeout,
                headers={"Content-Range": f"bytes {start}-{end - 1}/{total}"},
                data=chunk[start - offset :],
            )
            if response.status_code != RESUME_INCOMPLETE:
                if end < total:
                    raise self.fail(
                        ErrorKind.UNKNOWN, f"YouTube completed the upload of {label} before its last byte"
                    )
                return response
            committed = _committed_bytes(response)
            if committed >= end:
                if end >= total:
                    # Every byte arrived yet YouTube still says "incomplete": the video was not created.
                    raise self.fail(ErrorKind.TRANSIENT, f"YouTube did not complete the upload of {label}")
                return response
            start = max(committed, start)
        raise self.fail(ErrorKind.TRANSIENT, f"YouTube kept committing only part of {label}; try again later")

    @staticmethod
    def _chunk_step(label: str, *, last: bool) -> Step:
        # The last byte is what creates the video: that PUT is the create call.
        if last:
            return Step(f"send the last part of {label}", creates_post=True)
        return Step(f"send a part of {label}")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else None


def _scheduled_time(value: Any) -> datetime | None:
    """``publish_at`` as an aware UTC time, when it is still ahead (a time that has come is no schedule)."""
    when = _parse_time(value)
    if when is None or when <= datetime.now(UTC) + PUBLISH_AT_MIN_AHEAD:
        return None
    return when.replace(microsecond=0)


def _publish_at_problems(value: Any, privacy: Any) -> list[str]:
    if value in (None, ""):
        return []
    when = _parse_time(value)
    if when is None:
        return [
            f"publish_at {value!r} is not an ISO time with its offset (for example 2026-03-03T18:00+01:00)"
        ]
    problems = []
    if when > datetime.now(UTC) + PUBLISH_AT_MAX_AHEAD:
        problems.append(f"publish_at is more than {PUBLISH_AT_MAX_AHEAD.days} days ahead")
    if privacy != "public":
        problems.append("publish_at makes the video public at that time: leave the privacy public")
    return problems


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _committed_bytes(response: requests.Response) -> int:
    """How many bytes a 308 says YouTube holds (``Range: bytes=0-N``); none without a Range header."""
    match = _RANGE.match(response.headers.get("Range", ""))
    return int(match.group(1)) + 1 if match else 0
