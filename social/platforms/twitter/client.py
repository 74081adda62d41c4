"""X API v2: ``POST /2/tweets``, images through ``POST /2/media/upload``, GIFs and videos through the
chunked ``/2/media/upload/initialize|append|finalize`` flow.

A GIF or video X is still processing after a short wait is handed to a later run: its media id is saved
and the call ends "still processing"; ``resume`` asks X for its status and makes the post once it is
ready, without uploading it again.

The account's ``external_id`` is the X user id; ``extra["username"]`` (optional) makes post links read
``https://x.com/<username>/status/<id>`` instead of ``https://x.com/i/status/<id>``.
"""

from __future__ import annotations

import base64
import unicodedata
from datetime import UTC
from datetime import timedelta
from typing import Any
from typing import ClassVar

import requests

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
from social.platforms.base.client import StillProcessing
from social.platforms.base.client import TextCount
from social.platforms.base.http import MIB
from social.platforms.base.http import HttpClient
from social.platforms.base.http import Step
from social.platforms.base.http import excerpt
from social.platforms.base.http import media_label
from social.platforms.base.http import retry_after_seconds
from social.platforms.base.http import safe_json
from social.platforms.base.http import seconds_until_epoch
from social.platforms.base.text import normalize_text

from . import MAX_WEIGHTED_LENGTH
from .twitter_text import LONG_POST_MAX_WEIGHTED_LENGTH
from .twitter_text import invalid_characters
from .twitter_text import parse_tweet
from .twitter_text import url_spans
from .twitter_text.data import CONFIG_V3

# --- The client ---------------------------------------------------------------------------------------

MAX_IMAGES = 4
IMAGE_MAX_BYTES = 5 * MIB
GIF_MAX_BYTES = 15 * MIB
# What X's v2 upload takes of a video (docs/platforms.md, X: media); "512 MB" read as the smaller, decimal
# figure, so no file X refuses gets through.
VIDEO_MAX_BYTES = 512 * 1_000_000
VIDEO_MIN_SECONDS = 0.5
VIDEO_MAX_SECONDS = 140.0
# POST /2/media/upload takes these image types (docs.x.com/x-api/media/upload-media).
IMAGE_TYPES = frozenset({"image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/bmp", "image/tiff"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/mp2t"})
UPLOAD_CHUNK_BYTES = 4 * MIB
MAX_SEGMENTS = 1000  # segment_index is 0..999
RECONCILE_SLACK = timedelta(minutes=2)
RECONCILE_MAX_PAGES = 3
_URL_PLACEHOLDER = "\x00"

CREATE_POST = Step("create the post", creates_post=True)
LIST_POSTS = Step("list the account's recent posts")
# The limits the rate-limit headers of a 429 name, and whose they are.
RATE_LIMIT_HEADERS = (
    ("x-rate-limit", "account"),
    ("x-user-limit-24hour", "account"),
    ("x-app-limit-24hour", "app"),
)


class TwitterClient(HttpClient):
    platform = Platform.TWITTER
    api_url_setting = "TWITTER_API_URL"

    # A call waits this long for X to process a GIF or video, then hands it to a later run.
    media_wait_seconds: ClassVar[float] = 15.0

    @property
    def max_weighted_length(self) -> int:
        return LONG_POST_MAX_WEIGHTED_LENGTH if self.account.long_posts else MAX_WEIGHTED_LENGTH

    def text_count(self, payload: PublishPayload) -> TextCount:
        """Weighted as twitter-text counts (every link 23), against 280 or the account's long-post limit."""
        limit = self.max_weighted_length
        return TextCount(
            count=parse_tweet(payload.text, max_weighted_length=limit).weighted_length,
            limit=limit,
            text=unicodedata.normalize("NFC", payload.text),
            unit="characters as X counts them",
            links=tuple(
                CountedLink(start, end, CONFIG_V3.url_length) for start, end in url_spans(payload.text)
            ),
        )

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = _text_problems(self.text_count(payload))
        kinds = [item.type for item in payload.media]
        for index, item in enumerate(payload.media, start=1):
            if item.type not in ("image", "gif", "video"):
                problems.append(f"media {index} is a {item.type}; X takes images, a GIF or a video")
            if not item.is_located:
                problems.append(f"media {index} needs an http(s) URL")
            problems += _known_size_problems(index, item)
        if ("gif" in kinds or "video" in kinds) and len(kinds) > 1:
            problems.append("a GIF or a video must be the post's only media item")
        elif len(kinds) > MAX_IMAGES:
            problems.append(f"{len(kinds)} images, the limit is {MAX_IMAGES}")
        if not payload.text.strip() and not payload.media:
            problems.append("the post has no text and no media")
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        media_ids = [
            self._upload_media(index, item) if item.type != "image" else self._upload_image(index, item)
            for index, item in enumerate(payload.media)
        ]
        return self._create_post(payload, media_ids)

    def resume(self, attempt: InDoubtAttempt) -> PublishResult:
        """Go on with the saved media: make the post once X has processed them, never upload them again
        (unless X no longer has them)."""
        media_ids = attempt.state.get("media_ids")
        if not isinstance(media_ids, list) or not media_ids:
            return self.publish(attempt.payload)
        self.ensure_valid(attempt.payload)
        for media_id in media_ids:
            try:
                body = self._media_status(str(media_id))
            except PublishError as exc:
                if exc.kind != ErrorKind.INVALID:
                    raise
                return self.publish(attempt.payload)  # X no longer knows it (expired): upload again
            self._wait_for_processing("the saved media", str(media_id), body, wait=0.0)
        return self._create_post(attempt.payload, [str(media_id) for media_id in media_ids])

    def _create_post(self, payload: PublishPayload, media_ids: list[str]) -> PublishResult:
        # X's schema defaults text to "" "so it is always sent": a media-only post sends it empty.
        body: dict[str, Any] = {"text": payload.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        response = self.call("POST", f"{self.api_url}/2/tweets", step=CREATE_POST, json=body)
        post_id = (self.json_body(response, CREATE_POST).get("data") or {}).get("id")
        if not post_id:
            raise self.missing_id_error(response, CREATE_POST, "data.id")
        return PublishResult(platform_post_id=str(post_id), platform_post_url=self.post_url(str(post_id)))

    def post_url(self, post_id: str) -> str:
        username = (self.account.extra or {}).get("username") or "i"
        return f"https://x.com/{username}/status/{post_id}"

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        """Look for the text among the account's posts since the attempt started (GET /2/users/:id/tweets)."""
        if not attempt.payload.text.strip():
            return CannotTell("a post without text cannot be recognised among the account's posts")
        start_time = (attempt.started_at - RECONCILE_SLACK).astimezone(UTC)
        params: dict[str, Any] = {
            "start_time": start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": 100,
            "tweet.fields": "created_at,text",
            "exclude": "retweets,replies",
        }
        url = f"{self.api_url}/2/users/{self.account.external_id}/tweets"
        try:
            for _ in range(RECONCILE_MAX_PAGES):
                body = self.json_body(self.call("GET", url, step=LIST_POSTS, params=params), LIST_POSTS)
                posts = body.get("data") or []
                if not isinstance(posts, list):
                    return CannotTell("X's list of posts was not a list")
                for post in posts:
                    if isinstance(post, dict) and same_post_text(
                        post.get("text") or "", attempt.payload.text
                    ):
                        post_id = str(post.get("id"))
                        return Found(platform_post_id=post_id, platform_post_url=self.post_url(post_id))
                next_token = (body.get("meta") or {}).get("next_token")
                if not next_token:
                    return NotFound("no post with this text since the attempt started")
                params["pagination_token"] = next_token
        except PublishError as exc:  # a failure to look is doubt, never "not there"
            return CannotTell(f"could not list the account's posts: {exc.message}")
        return CannotTell("too many posts since the attempt to look through")

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        body = safe_json(response)
        detail = _problem_detail(body) or excerpt(response.text)
        status = response.status_code
        if status == 403 and "duplicate" in detail.lower():
            return self.status_error(
                response, step, kind=ErrorKind.INVALID, detail=f"duplicate content, X refuses it: {detail}"
            )
        if status == 429:
            wait, limit = _rate_limit_wait(response)
            return self.status_error(
                response,
                step,
                kind=ErrorKind.TRANSIENT,
                detail=detail,
                retry_after=wait,
                # Only the create call's limits are posting limits (the upload endpoints have their own).
                limit=limit if step.creates_post and wait is not None else None,
            )
        return self.status_error(response, step, detail=detail)

    # --- Media ---------------------------------------------------------------------------------------

    def _upload_image(self, index: int, item: MediaItem) -> str:
        label = media_label(index, item)
        media = self.download_media(item, label=label, max_bytes=IMAGE_MAX_BYTES)
        if media.content_type not in IMAGE_TYPES:
            raise self.fail(
                ErrorKind.INVALID,
                f"{label} is {media.content_type}; X takes JPEG, PNG, WebP, BMP or TIFF images (GIFs as type gif)",
            )
        step = Step(f"upload {label}")
        response = self.call(
            "POST",
            f"{self.api_url}/2/media/upload",
            step=step,
            timeout=self.upload_timeout,
            # The body takes only media, media_category and additional_owners: X reads the type itself.
            json={"media": base64.b64encode(media.content).decode("ascii"), "media_category": "tweet_image"},
        )
        return self._media_id(response, step)

    def _upload_media(self, index: int, item: MediaItem) -> str:
        """A GIF or video through the chunked flow, streamed from its URL one chunk at a time."""
        label = media_label(index, item)
        with self.stream_media(item, label=label) as source:
            total = source.total_bytes
            if total is None:
                raise self.fail(
                    ErrorKind.INVALID,
                    f"{label} at its URL does not state its size (no Content-Length); X needs it to upload",
                )
            if item.type == "gif":
                category, content_type = "tweet_gif", "image/gif"
                if total > GIF_MAX_BYTES:
                    raise self.fail(ErrorKind.INVALID, f"{label} is larger than X's GIF limit of 15 MB")
            else:
                category, content_type = "tweet_video", source.content_type
                if content_type not in VIDEO_TYPES:
                    raise self.fail(
                        ErrorKind.INVALID, f"{label} is {content_type}; X takes MP4 or MOV videos"
                    )
                if total > VIDEO_MAX_BYTES:
                    raise self.fail(
                        ErrorKind.INVALID, f"{label} is {total / 1e6:,.0f} MB; X takes videos up to 512 MB"
                    )
            initialize = Step(f"start the upload of {label}")
            response = self.call(
                "POST",
                f"{self.api_url}/2/media/upload/initialize",
                step=initialize,
                json={"media_type": content_type, "total_bytes": total, "media_category": category},
            )
            media_id = self._media_id(response, initialize)
            chunk_size = max(UPLOAD_CHUNK_BYTES, -(-total // MAX_SEGMENTS))
            sent = 0
            for segment, chunk in enumerate(source.chunks(chunk_size)):
                chunk = chunk[: total - sent]
                self.call(
                    "POST",
                    f"{self.api_url}/2/media/upload/{media_id}/append",
                    step=Step(f"upload part {segment + 1} of {label}"),
                    timeout=self.upload_timeout,
                    data={"segment_index": str(segment)},
                    files={"media": ("chunk", chunk, "application/octet-stream")},
                )
                sent += len(chunk)
                if sent >= total:
                    break
            if sent != total:
                raise self.fail(
                    ErrorKind.TRANSIENT, f"{label} ended after {sent} of the {total} bytes its URL announced"
                )
        finalize = Step(f"finish the upload of {label}")
        response = self.call("POST", f"{self.api_url}/2/media/upload/{media_id}/finalize", step=finalize)
        body = self.json_body(response, finalize)
        # Saved once uploaded: a later run goes on with it instead of uploading it again.
        self.save_progress({"media_ids": [media_id]})
        self._wait_for_processing(label, media_id, body, wait=self.media_wait_seconds)
        return media_id

    def _wait_for_processing(self, label: str, media_id: str, body: dict[str, Any], *, wait: float) -> None:
        """Poll the upload's STATUS until X has processed it (no processing_info means it is ready), for at
        most ``wait`` seconds; then "still processing", for a later run."""
        waited = 0.0
        while True:
            info = (body.get("data") or {}).get("processing_info")
            if not isinstance(info, dict) or info.get("state") == "succeeded":
                return
            if info.get("state") == "failed":
                reason = (info.get("error") or {}).get("message") or "no reason given"
                raise self.fail(ErrorKind.INVALID, f"X could not process {label}: {excerpt(reason)}")
            check_after = info.get("check_after_secs")
            pause = float(check_after) if isinstance(check_after, int | float) and check_after >= 0 else 2.0
            if waited + pause > wait:
                raise StillProcessing(
                    f"X is still processing {label} (media {media_id}); it is checked again in a later run.",
                    check_after=pause,
                )
            self.sleep(pause)
            waited += pause
            body = self._media_status(media_id)

    def _media_status(self, media_id: str) -> dict[str, Any]:
        step = Step(f"check the processing of media {media_id}")
        response = self.call(
            "GET",
            f"{self.api_url}/2/media/upload",
            step=step,
            params={"command": "STATUS", "media_id": media_id},
        )
        return self.json_body(response, step)

    def _media_id(self, response: requests.Response, step: Step) -> str:
        media_id = (self.json_body(response, step).get("data") or {}).get("id")
        if not media_id:
            raise self.fail(ErrorKind.TRANSIENT, f"X answered {step.description} without data.id")
        return str(media_id)


def _problem_detail(body: Any) -> str:
    """The words of X's problem JSON ({"title", "detail", "type", "status"}) or its older {"errors": [...]}."""
    if not isinstance(body, dict):
        return ""
    words = body.get("detail") or body.get("title")
    if not words and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        words = first.get("message") or first.get("detail") if isinstance(first, dict) else None
    return excerpt(words) if isinstance(words, str) else ""


def _rate_limit_wait(response: requests.Response) -> tuple[float | None, str | None]:
    """Seconds until the exhausted limit resets (the 15-minute window or the 24-hour user/app caps), and
    whose limit it is ("account" or "app"; None when no header names it)."""
    headers = response.headers
    exhausted = [
        (wait, owner)
        for prefix, owner in RATE_LIMIT_HEADERS
        if headers.get(f"{prefix}-remaining") == "0"
        and (wait := seconds_until_epoch(headers.get(f"{prefix}-reset"))) is not None
    ]
    if exhausted:
        return max(exhausted)
    return seconds_until_epoch(headers.get("x-rate-limit-reset")) or retry_after_seconds(headers), None


def _known_size_problems(index: int, item: MediaItem) -> list[str]:
    """What X refuses of a file whose size or length the post's metadata states (a media library asset); a
    bare URL's size is checked when it is downloaded, its length by X when it processes it."""
    problems = []
    limits = {
        "image": (IMAGE_MAX_BYTES, "5 MB"),
        "gif": (GIF_MAX_BYTES, "15 MB"),
        "video": (VIDEO_MAX_BYTES, "512 MB"),
    }
    if item.type in limits and item.size_bytes is not None and item.size_bytes > limits[item.type][0]:
        problems.append(
            f"media {index} is {item.size_bytes / 1e6:,.1f} MB; X takes a {item.type} up to {limits[item.type][1]}"
        )
    seconds = item.duration_seconds
    if item.type == "video" and seconds is not None and not VIDEO_MIN_SECONDS <= seconds <= VIDEO_MAX_SECONDS:
        problems.append(
            f"media {index} is a video of {seconds:g} s; X takes videos of {VIDEO_MIN_SECONDS:g} to "
            f"{VIDEO_MAX_SECONDS:g} seconds"
        )
    return problems


def _text_problems(count: TextCount) -> list[str]:
    """What X's counting (twitter-text 3.1.0) refuses: over the limit, or characters it does not take."""
    problems = []
    length, limit = count.count, count.limit
    if count.over:
        premium = (
            f" ({LONG_POST_MAX_WEIGHTED_LENGTH:,} if the account has X Premium and long posts turned on)"
            if limit < LONG_POST_MAX_WEIGHTED_LENGTH and length <= LONG_POST_MAX_WEIGHTED_LENGTH
            else ""
        )
        problems.append(
            f"{length:,} characters as X counts them (links 23, emoji and wide characters 2), "
            f"the limit is {limit:,}{premium}"
        )
    if refused := invalid_characters(count.text):
        codes = ", ".join(f"U+{ord(char):04X}" for char in refused)
        problems.append(
            f"the text contains {codes}, which X refuses (an invisible character, often pasted in "
            f"from another app); remove {'it' if len(refused) == 1 else 'them'}"
        )
    return problems


def _without_urls(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    spans = url_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + f" {_URL_PLACEHOLDER} " + text[end:]
    return normalize_text(text)


def same_post_text(listed: str, sent: str) -> bool:
    """Whether a listed post is the one sent: X shortens links to t.co and appends links to its media."""
    listed_plain, sent_plain = _without_urls(listed), _without_urls(sent)
    if not listed_plain.startswith(sent_plain):
        return False
    return all(token == _URL_PLACEHOLDER for token in listed_plain[len(sent_plain) :].split())
