"""LinkedIn Posts API: ``POST /rest/posts``; an image through ``/rest/images?action=initializeUpload`` and
one ``PUT`` of its bytes. The new post's URN comes back in the ``x-restli-id`` header.

The author is ``extra["author_urn"]`` (``urn:li:person:…`` or ``urn:li:organization:…``); without it,
``external_id`` is used, as a URN if it is one, else as a person id.
Options (metadata ``platforms.LINKEDIN``): ``visibility``, one of ``VISIBILITY`` (default PUBLIC).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import requests
from django.conf import settings

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
from social.platforms.base.http import MIB
from social.platforms.base.http import HttpClient
from social.platforms.base.http import Step
from social.platforms.base.http import error_words
from social.platforms.base.http import media_label
from social.platforms.base.http import safe_json

from . import MAX_COMMENTARY_LENGTH
from . import VISIBILITY

logger = logging.getLogger(__name__)

VISIBILITIES = VISIBILITY.values()
# LinkedIn documents a pixel limit for images, not a byte one; this bounds what is held in memory.
IMAGE_MAX_BYTES = 20 * MIB
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})
POST_URN = re.compile(r"urn:li:(?:share|ugcPost|activity):\d+")
# "little" text format: these characters are markup unless escaped with a backslash; unescaped, LinkedIn
# may silently cut the text at the first one. A '#' that starts a word stays a hashtag.
_LITTLE_RESERVED = re.compile(r"[\\|{}@\[\]()<>*_~]|#(?!\w)")

INITIALIZE_IMAGE = Step("start the image upload")
CREATE_POST = Step("create the post", creates_post=True)


def _is_duplicate(response: requests.Response) -> bool:
    return response.status_code == 422 and "DUPLICATE_POST" in response.text


def duplicate_of(response: requests.Response) -> str | None:
    """The URN a 422 DUPLICATE_POST names as the existing post, e.g. "…is a duplicate of urn:li:share:7"."""
    if not _is_duplicate(response):
        return None
    body = safe_json(response)
    message = body.get("message") if isinstance(body, dict) else None
    match = POST_URN.search(message if isinstance(message, str) else response.text)
    return match.group(0) if match else None


def escape_commentary(text: str) -> str:
    return _LITTLE_RESERVED.sub(lambda match: "\\" + match.group(0), text)


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class LinkedInClient(HttpClient):
    platform = Platform.LINKEDIN
    api_url_setting = "LINKEDIN_API_URL"

    @property
    def author_urn(self) -> str:
        urn = (self.account.extra or {}).get("author_urn")
        if urn:
            return str(urn)
        external_id = self.account.external_id
        return external_id if external_id.startswith("urn:li:") else f"urn:li:person:{external_id}"

    def rest_headers(self) -> dict[str, str]:
        return {
            "LinkedIn-Version": settings.LINKEDIN_API_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
            "Content-Type": "application/json",
        }

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        if len(payload.text) > MAX_COMMENTARY_LENGTH:
            problems.append(f"{len(payload.text):,} characters, the limit is {MAX_COMMENTARY_LENGTH:,}")
        visibility = payload.options.get("visibility", "PUBLIC")
        if visibility not in VISIBILITIES:
            problems.append(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        if len(payload.media) > 1:
            problems.append(f"{len(payload.media)} media items, a post here takes at most 1 image")
        for index, item in enumerate(payload.media, start=1):
            if item.type == "video":
                problems.append(f"media {index} is a video; LinkedIn video posts are not supported here yet")
            elif item.type != "image":
                problems.append(f"media {index} is a {item.type}; LinkedIn posts here take one image")
            if not item.is_located:
                problems.append(f"media {index} needs an http(s) URL")
        if not payload.text.strip() and not payload.media:
            problems.append("the post has no text and no image")
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        image_urns = [self._upload_image(index, item) for index, item in enumerate(payload.media)]
        return self._create_post(payload, image_urns)

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        """Send the same post again: LinkedIn refuses identical commentary with 422 DUPLICATE_POST naming the
        post that exists, so the answer is either that URN or, if the first call never made the post, a
        post made now. Either way exactly one exists. Without commentary there is no duplicate check to
        rely on, so that case cannot be told.
        """
        if not attempt.payload.text.strip():
            return CannotTell("a post without commentary has no duplicate check to find it by")
        if attempt.payload.media and not attempt.state.get("image_urns"):
            # The image URNs are saved just before the create call; without them it was never made.
            return NotFound("the image upload had not finished, so the post was never created")
        try:
            result = self._create_post(attempt.payload, list(attempt.state.get("image_urns") or []))
        except PublishError as exc:
            return CannotTell(f"re-sending to find the duplicate failed: {exc.message}")
        return Found(platform_post_id=result.platform_post_id, platform_post_url=result.platform_post_url)

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        detail = error_words(response, "message")
        if _is_duplicate(response):
            detail = f"a duplicate of an existing post, LinkedIn refuses it: {detail}"
        return self.status_error(response, step, detail=detail)

    # --- Steps ---------------------------------------------------------------------------------------

    def _create_post(self, payload: PublishPayload, image_urns: list[str]) -> PublishResult:
        body: dict[str, Any] = {
            "author": self.author_urn,
            "commentary": escape_commentary(payload.text),
            "visibility": payload.options.get("visibility", "PUBLIC"),
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if image_urns:
            media: dict[str, Any] = {"id": image_urns[0]}
            if payload.media and payload.media[0].alt_text:
                media["altText"] = payload.media[0].alt_text
            body["content"] = {"media": media}
        if image_urns:  # what reconciliation re-sends with; a text post needs nothing saved
            self.save_progress({"image_urns": image_urns})
        response = self.call(
            "POST",
            f"{self.api_url}/rest/posts",
            step=CREATE_POST,
            expect=lambda status: 200 <= status < 300 or status == 422,
            headers=self.rest_headers(),
            json=body,
        )
        if response.status_code == 422:
            urn = duplicate_of(response)
            if urn is None:
                raise self.error_from_response(response, CREATE_POST)
            # A duplicate that names the existing post is that post, published.
            logger.info("LinkedIn: the post duplicates %s, which is recorded as the published post", urn)
            return PublishResult(platform_post_id=urn, platform_post_url=post_url(urn))
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise self.missing_id_error(response, CREATE_POST, "the x-restli-id header")
        return PublishResult(platform_post_id=urn, platform_post_url=post_url(urn))

    def _upload_image(self, index: int, item: MediaItem) -> str:
        label = media_label(index, item)
        image = self.download_media(item, label=label, max_bytes=IMAGE_MAX_BYTES)
        if image.content_type not in IMAGE_TYPES:
            raise self.fail(
                ErrorKind.INVALID, f"{label} is {image.content_type}; LinkedIn takes JPEG, PNG or GIF"
            )
        response = self.call(
            "POST",
            f"{self.api_url}/rest/images",
            step=INITIALIZE_IMAGE,
            params={"action": "initializeUpload"},
            headers=self.rest_headers(),
            json={"initializeUploadRequest": {"owner": self.author_urn}},
        )
        value = self.json_body(response, INITIALIZE_IMAGE).get("value") or {}
        upload_url, image_urn = value.get("uploadUrl"), value.get("image")
        if not (isinstance(upload_url, str) and isinstance(image_urn, str)):
            raise self.fail(
                ErrorKind.TRANSIENT, "LinkedIn's image upload answer had no uploadUrl or image URN"
            )
        self.call(
            "PUT",
            upload_url,
            step=Step(f"upload {label}"),
            timeout=self.upload_timeout,
            headers={"Content-Type": image.content_type},
            data=image.content,
        )
        return image_urn
