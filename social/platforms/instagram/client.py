"""Instagram business accounts through the Graph API: create a container, wait for it, ``media_publish``.

The account's ``external_id`` is the Instagram user id and its ``access_token`` a token with
``instagram_content_publish``. Meta fetches the media from its public URL, so nothing is downloaded here.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any, ClassVar

from social.models import Platform
from social.platforms.base.client import (
    CannotTell,
    ErrorKind,
    Found,
    InDoubtAttempt,
    MediaItem,
    NotFound,
    PublishError,
    PublishPayload,
    PublishResult,
)
from social.platforms.base.graph import GraphClient, parse_meta_time
from social.platforms.base.http import Step
from social.platforms.base.text import is_web_url, same_text

from . import MAX_CAPTION_LENGTH

MAX_HASHTAGS = 30
SUPPORTED_MEDIA = ("image", "video")
HASHTAG = re.compile(r"(?<!\w)#\w+")
RECONCILE_SLACK = timedelta(minutes=5)

CREATE_CONTAINER = Step("create the media container")
CHECK_CONTAINER = Step("check the media container")
PUBLISH_CONTAINER = Step("publish the media container", creates_post=True)
LIST_MEDIA = Step("list the account's recent media")


class InstagramClient(GraphClient):
    platform = Platform.INSTAGRAM
    api_url_setting = "INSTAGRAM_API_URL"
    transient_create_is_unknown = True

    # Meta suggests polling a container about once a minute; images are usually ready at once,
    # reels take longer. The wait is bounded; a container still processing is a transient failure.
    container_poll_interval: ClassVar[float] = 5.0
    container_wait_seconds: ClassVar[float] = 240.0

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        if len(payload.text) > MAX_CAPTION_LENGTH:
            problems.append(
                f"caption of {len(payload.text):,} characters, the limit is {MAX_CAPTION_LENGTH:,}"
            )
        hashtags = len(HASHTAG.findall(payload.text))
        if hashtags > MAX_HASHTAGS:
            problems.append(f"{hashtags} hashtags, the limit is {MAX_HASHTAGS}")
        if not payload.media:
            problems.append("a post needs one image or video; Instagram has no text-only posts")
        elif len(payload.media) > 1:
            problems.append(f"{len(payload.media)} media items, a post here takes exactly 1 image or video")
        for index, item in enumerate(payload.media, start=1):
            if item.type not in SUPPORTED_MEDIA:
                problems.append(f"media {index} is a {item.type}; Instagram takes an image or a video")
            if not is_web_url(item.url):
                problems.append(f"media {index} needs a public http(s) URL (Instagram fetches it)")
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        container_id = self._create_container(payload.text, payload.media[0])
        self._wait_until_finished(container_id)
        # Saved before the create call: a reconcile then re-reads this container. Without it, the
        # reconcile knows media_publish was never called.
        self.save_progress({"container_id": container_id})
        response = self.call(
            "POST",
            self.graph_url(f"{self.account.external_id}/media_publish"),
            step=PUBLISH_CONTAINER,
            data={"creation_id": container_id},
        )
        media_id = self.graph_json(response, PUBLISH_CONTAINER).get("id")
        if not media_id:
            raise self.fail(
                ErrorKind.UNKNOWN,
                f"Instagram answered HTTP {response.status_code} to publish the container without a media id. "
                "The post may exist.",
                http_status=response.status_code,
            )
        return PublishResult(platform_post_id=str(media_id), platform_post_url=self.permalink(str(media_id)))

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        container_id = attempt.state.get("container_id")
        if not container_id:
            return NotFound("no container was saved, so media_publish was never called")
        try:
            status, _ = self._container_status(container_id)
            if status != "PUBLISHED":
                return NotFound(f"the container is {status}, not published")
            found = self._find_published_media(attempt.payload.text, attempt.started_at)
        except PublishError as exc:
            return CannotTell(f"could not read the container: {exc.message}")
        if found is None:
            return CannotTell("the container is published but its media could not be found in the account")
        return found

    # --- Steps ---------------------------------------------------------------------------------------

    def _create_container(self, caption: str, item: MediaItem) -> str:
        data: dict[str, Any] = {"caption": caption}
        if item.type == "video":
            data.update({"media_type": "REELS", "video_url": item.url})
        else:
            data["image_url"] = item.url
            if item.alt_text:
                data["alt_text"] = item.alt_text
        response = self.call(
            "POST", self.graph_url(f"{self.account.external_id}/media"), step=CREATE_CONTAINER, data=data
        )
        container_id = self.graph_json(response, CREATE_CONTAINER).get("id")
        if not container_id:
            raise self.fail(
                ErrorKind.TRANSIENT, "Instagram created no media container (its answer had no id)"
            )
        return str(container_id)

    def _container_status(self, container_id: str) -> tuple[str, str]:
        """The container's ``status_code`` and, on ERROR, Meta's ``status`` words naming the problem."""
        response = self.call(
            "GET", self.graph_url(container_id), step=CHECK_CONTAINER, params={"fields": "status_code,status"}
        )
        body = self.graph_json(response, CHECK_CONTAINER)
        status = body.get("status_code")
        if not isinstance(status, str):
            raise self.fail(ErrorKind.TRANSIENT, "Instagram's container status had no status_code")
        return status, str(body.get("status") or "")

    def _wait_until_finished(self, container_id: str) -> None:
        deadline = time.monotonic() + self.container_wait_seconds
        while True:
            status, detail = self._container_status(container_id)
            if status == "FINISHED":
                return
            if status == "ERROR":
                raise self.fail(
                    ErrorKind.INVALID,
                    "Instagram could not process the media"
                    + (f" ({detail})" if detail else "")
                    + "; check its format, size and aspect ratio",
                )
            if status == "EXPIRED":
                raise self.fail(ErrorKind.TRANSIENT, "the media container expired before it was published")
            if status != "IN_PROGRESS":
                raise self.fail(
                    ErrorKind.TRANSIENT, f"the media container is in an unexpected state {status}"
                )
            if time.monotonic() >= deadline:
                raise self.fail(
                    ErrorKind.TRANSIENT,
                    f"Instagram was still processing the media after {self.container_wait_seconds:.0f} s",
                )
            self.sleep(self.container_poll_interval)

    def _find_published_media(self, caption: str, started_at: datetime) -> Found | None:
        response = self.call(
            "GET",
            self.graph_url(f"{self.account.external_id}/media"),
            step=LIST_MEDIA,
            params={"fields": "id,caption,timestamp,permalink", "limit": 25},
        )
        media = self.graph_json(response, LIST_MEDIA).get("data")
        if not isinstance(media, list):
            raise self.fail(ErrorKind.TRANSIENT, "Instagram's list of media had no data")
        for entry in media:
            if not isinstance(entry, dict) or not same_text(entry.get("caption") or "", caption):
                continue
            timestamp = parse_meta_time(entry.get("timestamp"))
            if timestamp is not None and timestamp >= started_at - RECONCILE_SLACK:
                permalink = entry.get("permalink")
                return Found(
                    platform_post_id=str(entry.get("id")),
                    platform_post_url=permalink if isinstance(permalink, str) else "",
                )
        return None
