"""Publishing to the Sandbox over HTTP, as to any platform: through the shared HTTP plumbing (one session,
finite timeouts, the token only in the Authorization header), with the network's own error shape.

- text: ``POST /sandbox/api/v1/posts`` (JSON ``text``, ``media_ids``) with an ``Idempotency-Key`` made from
  the post, the account and what is sent: a retry after an answer that never came gets the post the first
  call made instead of a second one;
- media: each file streamed from its URL into a resumable upload, ``POST /media`` then ``PUT`` pieces
  with ``Content-Range``; the network checks what arrived is the image, GIF or video it claims to be;
- reconciliation: the text (and media count) among the account's posts since the attempt started,
  ``GET /sandbox/api/v1/accounts/<handle>/posts?since=``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import requests

from social.models import Platform
from social.platforms.base.client import CannotTell
from social.platforms.base.client import ErrorKind
from social.platforms.base.client import Found
from social.platforms.base.client import InDoubtAttempt
from social.platforms.base.client import MediaItem
from social.platforms.base.client import NotFound
from social.platforms.base.client import PublishError
from social.platforms.base.client import PublishPayload
from social.platforms.base.client import PublishResult
from social.platforms.base.client import ReconcileResult
from social.platforms.base.http import HttpClient
from social.platforms.base.http import MediaStream
from social.platforms.base.http import Step
from social.platforms.base.http import error_words
from social.platforms.base.http import media_label
from social.platforms.base.http import safe_json

from .endpoints import API_PATH
from .endpoints import address_of_account
from .limits import MEDIA_LIMITS
from .limits import UPLOAD_PIECE_BYTES
from .limits import media_problems
from .limits import text_problems

CREATE_POST = Step("create the post", creates_post=True)
LIST_POSTS = Step("list the account's posts")
# How far before the attempt's start a post may be dated (clocks of two processes) and how many pages of
# the account's posts are read before giving up.
RECONCILE_SLACK = timedelta(minutes=2)
RECONCILE_PAGE_SIZE = 100
RECONCILE_MAX_PAGES = 3


def post_idempotency_key(payload: PublishPayload) -> str:
    """The same for the same post to the same account with the same content; "" without the publisher's
    identity for the post."""
    if not payload.idempotency_key:
        return ""
    sent = [
        payload.idempotency_key,
        payload.text,
        [[item.url, item.type, item.alt_text] for item in payload.media],
    ]
    return hashlib.sha256(json.dumps(sent).encode()).hexdigest()


class SandboxClient(HttpClient):
    platform = Platform.SANDBOX
    api_url_setting = ""  # the network's address: SANDBOX_URL, else the account's own (endpoints.py)

    @property
    def api_url(self) -> str:
        address = address_of_account(self.account.extra)
        if not address:
            raise self.fail(
                ErrorKind.INVALID, "the account has no Sandbox address: set SANDBOX_URL or reconnect it"
            )
        return f"{address}{API_PATH}"

    # --- validation --------------------------------------------------------------------------------

    def validate(self, payload: PublishPayload) -> list[str]:
        return text_problems(payload.text, media_count=len(payload.media)) + media_problems(
            [item.type for item in payload.media], [item.alt_text for item in payload.media]
        )

    # --- publishing --------------------------------------------------------------------------------

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        media_ids = [self._upload(index, item) for index, item in enumerate(payload.media)]
        post = self.create_post(
            f"{self.api_url}/posts",
            CREATE_POST,
            json={"text": payload.text, "media_ids": media_ids},
            idempotency_key=post_idempotency_key(payload),
        )
        return PublishResult(platform_post_id=str(post["id"]), platform_post_url=str(post.get("url") or ""))

    # --- reconciling -------------------------------------------------------------------------------

    def reconcile(self, attempt: InDoubtAttempt) -> ReconcileResult:
        """Look for what was sent among the account's posts made since the attempt started."""
        sent = attempt.payload
        if not sent.text.strip():
            return CannotTell("a post without text cannot be told apart among the account's posts")
        params: dict[str, Any] = {
            "since": (attempt.started_at - RECONCILE_SLACK).isoformat(),
            "limit": RECONCILE_PAGE_SIZE,
        }
        url = f"{self.api_url}/accounts/{self.account.external_id}/posts"
        try:
            for _ in range(RECONCILE_MAX_PAGES):
                body = safe_json(self.call("GET", url, step=LIST_POSTS, params=params))
                posts = body.get("posts") if isinstance(body, dict) else None
                if not isinstance(posts, list):
                    return CannotTell("the Sandbox's list of posts was not the documented JSON")
                for post in posts:
                    if _is_the_post(post, sent):
                        return Found(
                            platform_post_id=str(post["id"]), platform_post_url=str(post.get("url") or "")
                        )
                if not body.get("next_before"):
                    return NotFound("no post with this text since the attempt started")
                params["before"] = str(body["next_before"])
        except PublishError as exc:  # a failure to look is doubt, never "not there"
            return CannotTell(f"could not list the account's posts: {exc.message}")
        return CannotTell("too many posts since the attempt to look through")

    # --- errors ------------------------------------------------------------------------------------

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        """The network's errors are ``{"error": code, "message": words}``; the status says the kind."""
        return self.status_error(response, step, detail=error_words(response, "message"))

    # --- media -------------------------------------------------------------------------------------

    def _upload(self, index: int, item: MediaItem) -> str:
        """Stream one file from its URL into the network's resumable upload; its media id."""
        label = media_label(index, item)
        limits = MEDIA_LIMITS[item.type]
        with self.stream_media(item, label=label) as source:
            if source.total_bytes is not None and source.total_bytes > limits.max_bytes:
                raise self._over_limit(label, item.type, limits.max_bytes)
            if source.content_type not in limits.content_types:
                raise self.fail(
                    ErrorKind.INVALID,
                    f"{label} is {source.content_type}; a Sandbox {item.type} must be "
                    f"{', '.join(sorted(limits.content_types))}",
                )
            start = Step(f"start the upload of {label}")
            announced: dict[str, Any] = {
                "type": item.type,
                "content_type": source.content_type,
                "alt_text": item.alt_text,
            }
            if source.total_bytes is not None:
                announced["size"] = source.total_bytes
            media = self.json_body(
                self.call("POST", f"{self.api_url}/media", step=start, json=announced), start
            )
            if not media.get("id"):
                raise self.fail(
                    ErrorKind.TRANSIENT, f"the Sandbox answered the upload of {label} without an id"
                )
            self._send_pieces(str(media["id"]), source, item, label)
        return str(media["id"])

    def _send_pieces(self, media_id: str, source: MediaStream, item: MediaItem, label: str) -> None:
        """PUT the file in pieces; each but the last says ``/*`` when the total is not known yet."""
        step = Step(f"upload {label}")
        url = f"{self.api_url}/media/{media_id}/content"
        max_bytes = MEDIA_LIMITS[item.type].max_bytes
        sent = 0
        for piece, is_last in _with_last(source.chunks(UPLOAD_PIECE_BYTES)):
            if sent + len(piece) > max_bytes:
                raise self._over_limit(label, item.type, max_bytes)
            total = str(sent + len(piece)) if is_last else str(source.total_bytes or "*")
            response = self.call(
                "PUT",
                url,
                step=step,
                timeout=self.upload_timeout,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"bytes {sent}-{sent + len(piece) - 1}/{total}",
                },
                data=piece,
                expect=lambda status: status in (200, 201, 308),
            )
            sent += len(piece)
            if is_last != (response.status_code != 308):
                raise self.fail(
                    ErrorKind.TRANSIENT,
                    f"the Sandbox answered HTTP {response.status_code} to piece ending at byte {sent} of {label}",
                    http_status=response.status_code,
                )
        if not sent:
            raise self.fail(ErrorKind.INVALID, f"{label} at its URL is empty")

    def _over_limit(self, label: str, kind: str, max_bytes: int) -> PublishError:
        return self.fail(
            ErrorKind.INVALID, f"{label} is larger than {max_bytes:,} bytes, the Sandbox's limit for a {kind}"
        )


def _with_last(pieces: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each piece with whether it is the last (one piece of look-ahead)."""
    previous = next(pieces, None)
    while previous is not None:
        following = next(pieces, None)
        yield previous, following is None
        previous = following


def _is_the_post(post: Any, sent: PublishPayload) -> bool:
    return (
        isinstance(post, dict)
        and bool(post.get("id"))
        and post.get("text") == sent.text
        and len(post.get("media") or []) == len(sent.media)
    )
