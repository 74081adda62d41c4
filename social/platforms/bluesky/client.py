"""Bluesky: a post is an ``app.bsky.feed.post`` record created in the account's repository on its PDS.

- ``com.atproto.repo.createRecord`` with a record key (a TID) chosen and saved before the call, so an
  unanswered call is settled by ``com.atproto.repo.getRecord`` of exactly that key;
- links, mentions and hashtags as facets at UTF-8 byte offsets (``richtext.py``); a mentioned handle is
  resolved to its DID with ``com.atproto.identity.resolveHandle``, one that does not resolve stays text;
- up to four images through ``com.atproto.repo.uploadBlob``, streamed from their URLs, with alt text and
  their aspect ratio; without images, a card for the first link (``linkcard.py``).

The account's ``external_id`` is its DID; every call goes to ``extra["pds_url"]`` (``BLUESKY_PDS_URL``
when unset) with the session's access JWT. Errors are XRPC's ``{"error", "message"}``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any

import requests
from django.conf import settings

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
from social.platforms.base.http import Step
from social.platforms.base.http import excerpt
from social.platforms.base.http import media_label
from social.platforms.base.http import retry_after_seconds
from social.platforms.base.http import safe_json
from social.platforms.base.http import seconds_until_epoch

from . import IMAGE_MAX_BYTES
from . import MAX_GRAPHEMES
from . import MAX_TEXT_BYTES
from .linkcard import LinkCardReader
from .media import ImageSize
from .media import StreamedBody
from .richtext import facets
from .richtext import find_spans
from .richtext import first_link
from .richtext import grapheme_count
from .richtext import mentioned_handles
from .richtext import utf8_length
from .tid import is_tid
from .tid import new_tid

logger = logging.getLogger(__name__)

POST_COLLECTION = "app.bsky.feed.post"
MAX_IMAGES = 4
MAX_LANGS = 3
MAX_RESOLVED_MENTIONS = 20
UPLOAD_CHUNK_BYTES = 64 * KIB
# A BCP-47 language tag as people write them: "en", "pt-BR", "zh-Hant".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# XRPC error names that mean the access token is no good: refresh it and call again.
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})

CREATE_RECORD = Step("create the post", creates_post=True)
GET_RECORD = Step("read the post back by its record key")


class BlueskyClient(HttpClient):
    platform = Platform.BLUESKY
    api_url_setting = "BLUESKY_PDS_URL"

    @property
    def api_url(self) -> str:
        """The account's PDS (where its session was created), else the default."""
        pds_url = (self.account.extra or {}).get("pds_url") or getattr(settings, self.api_url_setting)
        return str(pds_url).rstrip("/")

    def xrpc(self, method: str) -> str:
        return f"{self.api_url}/xrpc/{method}"

    @property
    def did(self) -> str:
        return self.account.external_id

    def post_url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self.did}/post/{rkey}"

    def record_uri(self, rkey: str) -> str:
        return f"at://{self.did}/{POST_COLLECTION}/{rkey}"

    # --- Checking ------------------------------------------------------------------------------------

    def text_count(self, payload: PublishPayload) -> TextCount:
        """Grapheme clusters, links as written (the byte limit is a separate check of ``validate``)."""
        return TextCount(
            count=grapheme_count(payload.text),
            limit=MAX_GRAPHEMES,
            text=payload.text,
            unit="characters (graphemes, as Bluesky counts them)",
            links=tuple(
                CountedLink(span.start, span.end) for span in find_spans(payload.text) if span.kind == "link"
            ),
        )

    def preview_notes(self, payload: PublishPayload) -> list[str]:
        url = None if payload.media else first_link(payload.text)
        if url is None:
            return []
        return [
            f"Bluesky shows a link card for {url}: its title, description and image are read from the page "
            "when the post goes out (no card if the page has none)."
        ]

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        text = payload.text
        count, size = self.text_count(payload), utf8_length(text)
        if count.over:
            problems.append(
                f"{count.count} characters (grapheme clusters, as Bluesky counts them), the limit is {count.limit}"
            )
        if size is None:
            problems.append("the text holds a character that cannot be encoded (a lone surrogate)")
        elif size > MAX_TEXT_BYTES:
            problems.append(f"{size:,} bytes of text in UTF-8, the limit is {MAX_TEXT_BYTES:,}")
        problems += payload.media_problems(
            kinds={"image"}, takes="this scheduler posts images to Bluesky, not videos or GIFs"
        )
        if len(payload.media) > MAX_IMAGES:
            problems.append(f"{len(payload.media)} images, the limit is {MAX_IMAGES}")
        if not text.strip() and not payload.media:
            problems.append("the post has no text and no media")
        problems.extend(_language_problems(payload.options.get("langs")))
        return problems

    # --- Publishing ----------------------------------------------------------------------------------

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": payload.text,
            "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        if found := facets(payload.text, self._resolve_mentions(payload.text)):
            record["facets"] = found
        if langs := languages(payload.options.get("langs")):
            record["langs"] = langs
        embed = self._images_embed(payload.media) if payload.media else self._link_card_embed(payload.text)
        if embed:
            record["embed"] = embed
        # The key is saved before the call that uses it: whatever happens to the call, the record (if
        # any) is at exactly this key.
        rkey = new_tid()
        self.save_progress({"rkey": rkey})
        response = self.call(
            "POST",
            self.xrpc("com.atproto.repo.createRecord"),
            step=CREATE_RECORD,
            json={"repo": self.did, "collection": POST_COLLECTION, "rkey": rkey, "record": record},
        )
        uri = self.json_body(response, CREATE_RECORD).get("uri")
        if uri != self.record_uri(rkey):
            raise self.fail(
                ErrorKind.UNKNOWN,
                f"Bluesky answered HTTP {response.status_code} to create the post without the record's URI "
                f"(expected {self.record_uri(rkey)}, got {excerpt(str(uri))}). The post may exist.",
                http_status=response.status_code,
            )
        return PublishResult(platform_post_id=uri, platform_post_url=self.post_url(rkey))

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        """Read the record at the key saved before the create call: there or not, exactly."""
        rkey = attempt.state.get("rkey")
        if not rkey:
            return NotFound("no record key was saved, so the create call was never made")
        if not is_tid(rkey):
            return CannotTell(f"the saved record key {excerpt(str(rkey), 40)!r} is not a TID")
        try:
            response = self.call(
                "GET",
                self.xrpc("com.atproto.repo.getRecord"),
                step=GET_RECORD,
                params={"repo": self.did, "collection": POST_COLLECTION, "rkey": rkey},
                expect=lambda status: True,
            )
        except PublishError as exc:
            return CannotTell(f"could not read the record: {exc.message}")
        body = safe_json(response)
        body = body if isinstance(body, dict) else {}
        if response.status_code == 200:
            value = body.get("value") if isinstance(body.get("value"), dict) else {}
            if value.get("text", attempt.payload.text) != attempt.payload.text:
                return CannotTell(f"the record at {rkey} holds another text")
            return Found(platform_post_id=self.record_uri(rkey), platform_post_url=self.post_url(rkey))
        if response.status_code == 400 and body.get("error") == "RecordNotFound":
            return NotFound(f"Bluesky has no record at key {rkey}")
        error = self.error_from_response(response, GET_RECORD)
        return CannotTell(f"could not read the record: {error.message}")

    # --- Errors --------------------------------------------------------------------------------------

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        body = safe_json(response)
        name, words = _xrpc_error(body)
        detail = ": ".join(part for part in (name, words) if part) or excerpt(response.text)
        status = response.status_code
        if name in TOKEN_ERRORS or status == 401:
            return self.status_error(response, step, kind=ErrorKind.AUTH, detail=detail)
        if status == 429:
            wait = seconds_until_epoch(response.headers.get("RateLimit-Reset"))
            return self.status_error(
                response,
                step,
                kind=ErrorKind.TRANSIENT,
                detail=detail,
                retry_after=wait if wait is not None else retry_after_seconds(response.headers),
                # The account's write points ran out: its other posts wait for the reset too.
                limit="account" if step.creates_post and wait is not None else None,
            )
        if status in (413, 501):  # too large, or a method this server does not offer: nothing was done
            return self.status_error(response, step, kind=ErrorKind.INVALID, detail=detail)
        return self.status_error(response, step, detail=detail)

    # --- Steps ---------------------------------------------------------------------------------------

    def _resolve_mentions(self, text: str) -> dict[str, str]:
        """Handle -> DID of each mentioned handle that resolves; the others stay plain text."""
        dids = {}
        for handle in mentioned_handles(text)[:MAX_RESOLVED_MENTIONS]:
            try:
                response = self.call(
                    "GET",
                    self.xrpc("com.atproto.identity.resolveHandle"),
                    step=Step(f"resolve the mention @{handle}"),
                    params={"handle": handle},
                )
            except PublishError as exc:
                if exc.kind != ErrorKind.INVALID:  # HandleNotFound is INVALID; an outage is not text
                    raise
                logger.info("Bluesky: @%s stays plain text: %s", handle, exc.message)
                continue
            did = safe_json(response)
            did = did.get("did") if isinstance(did, dict) else None
            if isinstance(did, str) and did.startswith("did:"):
                dids[handle] = did
        return dids

    def _images_embed(self, media: tuple[MediaItem, ...]) -> dict[str, Any]:
        images = []
        for index, item in enumerate(media):
            blob, aspect_ratio = self._upload_image(index, item)
            image: dict[str, Any] = {"image": blob, "alt": item.alt_text}
            if aspect_ratio:
                image["aspectRatio"] = aspect_ratio
            images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images}

    def _upload_image(self, index: int, item: MediaItem) -> tuple[dict[str, Any], dict[str, int] | None]:
        """Stream one image from its URL to uploadBlob; its blob and, when its header tells, its size."""
        label = media_label(index, item)
        size = ImageSize()
        with self.stream_media(item, label=label) as source:
            if not source.content_type.startswith("image/"):
                raise self.fail(ErrorKind.INVALID, f"{label} is {source.content_type}, not an image")
            total = source.total_bytes
            if total is None:
                # No Content-Length to send ahead: read it (at most the limit) first.
                content = bytearray()
                for chunk in source.chunks(UPLOAD_CHUNK_BYTES):
                    content += chunk
                    if len(content) > IMAGE_MAX_BYTES:
                        raise self._image_too_big(label, f"more than {IMAGE_MAX_BYTES:,} bytes")
                size.feed(bytes(content))
                body: bytes | StreamedBody = bytes(content)
            elif total > IMAGE_MAX_BYTES:
                raise self._image_too_big(label, f"{total:,} bytes")
            else:
                body = StreamedBody(
                    source.chunks(UPLOAD_CHUNK_BYTES),
                    total,
                    observe=size.feed,
                    short=lambda sent: self.fail(
                        ErrorKind.TRANSIENT,
                        f"{label} ended after {sent} of the {total} bytes its URL announced",
                    ),
                )
            blob = self._upload_blob(body, source.content_type, label=label)
        return blob, size.aspect_ratio()

    def _image_too_big(self, label: str, size: str) -> PublishError:
        return self.fail(
            ErrorKind.INVALID,
            f"{label} is {size}, more than Bluesky's limit of {IMAGE_MAX_BYTES:,} bytes per image",
        )

    def _upload_blob(self, body: bytes | StreamedBody, content_type: str, *, label: str) -> dict[str, Any]:
        step = Step(f"upload {label}")
        response = self.call(
            "POST",
            self.xrpc("com.atproto.repo.uploadBlob"),
            step=step,
            timeout=self.upload_timeout,
            headers={"Content-Type": content_type},
            data=body,
        )
        blob = self.json_body(response, step).get("blob")
        if not isinstance(blob, dict) or not blob.get("ref"):
            raise self.fail(ErrorKind.TRANSIENT, f"Bluesky answered the upload of {label} without a blob")
        return blob

    def _link_card_embed(self, text: str) -> dict[str, Any] | None:
        """A card for the text's first link, read from the page; none when the page gives none."""
        url = first_link(text)
        if url is None:
            return None
        reader = LinkCardReader(self.session)
        card = reader.card(url)
        if card is None:
            return None
        external: dict[str, Any] = {"uri": card.uri, "title": card.title, "description": card.description}
        if thumbnail := reader.thumbnail(card):
            try:
                external["thumb"] = self._upload_blob(
                    thumbnail.content, thumbnail.content_type, label="the link card's image"
                )
            except PublishError as exc:
                if exc.kind == ErrorKind.AUTH:
                    raise
                logger.info("Bluesky: the link card goes without its image: %s", exc.message)
        return {"$type": "app.bsky.embed.external", "external": external}


def languages(value: Any) -> list[str]:
    """The ``langs`` option as a list: "en, pt-BR" or ["en", "pt-BR"]."""
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return []


def _language_problems(value: Any) -> list[str]:
    if value in (None, "", []):
        return []
    if not isinstance(value, str | list | tuple):
        return ["langs must be language tags such as en or pt-BR"]
    tags = languages(value)
    problems = [
        f"{tag!r} is not a language tag such as en or pt-BR"
        for tag in tags
        if not LANGUAGE_TAG.fullmatch(tag)
    ]
    if len(tags) > MAX_LANGS:
        problems.append(f"{len(tags)} languages, the limit is {MAX_LANGS}")
    return problems


def _xrpc_error(body: Any) -> tuple[str, str]:
    """The ``error`` name and ``message`` of an XRPC error body."""
    if not isinstance(body, Mapping):
        return "", ""
    name, words = body.get("error"), body.get("message")
    return (
        name if isinstance(name, str) else "",
        excerpt(words) if isinstance(words, str) else "",
    )
