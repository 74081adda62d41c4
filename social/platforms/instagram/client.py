"""Instagram business accounts through the Graph API: create a container, wait for it, ``media_publish``.

The account's ``external_id`` is the Instagram user id and its ``access_token`` a token with
``instagram_content_publish``. Meta fetches the media from its public URL, so nothing is downloaded here.

The container's id is saved the moment it exists. If Meta is still processing it after a short wait (a
reel can take minutes), the call ends "still processing" and a later run resumes: it reads the same
container again and publishes it once it is FINISHED. An account sent again after a failure also goes on
with its saved container (``resume``), so one post never has two containers that could both be published;
only a container that can no longer be published (expired) is replaced.
"""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import ClassVar

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
from social.platforms.base.client import StillProcessing
from social.platforms.base.graph import GraphClient
from social.platforms.base.graph import parse_meta_time
from social.platforms.base.http import Step
from social.platforms.base.text import same_text

from . import MAX_CAPTION_LENGTH

MAX_HASHTAGS = 30
SUPPORTED_MEDIA = ("image", "video")
HASHTAG = re.compile(r"(?<!\w)#\w+")
RECONCILE_SLACK = timedelta(minutes=5)

CREATE_CONTAINER = Step("create the media container")
CHECK_CONTAINER = Step("check the media container")
PUBLISH_CONTAINER = Step("publish the media container", creates_post=True)
LIST_MEDIA = Step("list the account's recent media")
READ_LIMIT = Step("read the account's content publishing limit")


class InstagramClient(GraphClient):
    platform = Platform.INSTAGRAM
    api_url_setting = "INSTAGRAM_API_URL"
    transient_create_is_unknown = True

    # Images are usually ready at once; reels take longer. A call waits only briefly, then hands the
    # container to a later run, which checks it about once a minute (as Meta suggests).
    container_poll_interval: ClassVar[float] = 2.0
    container_wait_seconds: ClassVar[float] = 10.0
    container_check_after: ClassVar[float] = 60.0

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
        problems += payload.media_problems(
            kinds=SUPPORTED_MEDIA,
            takes="Instagram takes an image or a video",
            needs="a public http(s) URL (Instagram fetches it)",
        )
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        container_id = self._create_container(payload.text, payload.media[0])
        # Saved as soon as it exists: whatever happens next, this post's container is this one.
        self.save_progress({"container_id": container_id})
        self._wait_until_finished(container_id, wait=self.container_wait_seconds)
        return self._publish_container(container_id)

    def resume(self, attempt: InDoubtAttempt) -> PublishResult:
        """Go on with the saved container: publish it once FINISHED, never make a second one for it."""
        container_id = attempt.state.get("container_id")
        if not container_id:
            return self.publish(attempt.payload)  # no container was made yet
        self.ensure_valid(attempt.payload)
        status = self._container_status_or_wait(container_id)
        if status == "PUBLISHED":
            return self._already_published(attempt)
        if status == "EXPIRED":
            # Never published and now unpublishable: a new container is the only way to post it.
            return self.publish(attempt.payload)
        self._wait_until_finished(container_id, wait=0.0, status=status)
        return self._publish_container(container_id)

    def publishing_limit(self) -> dict[str, int]:
        """``quota_total``, ``quota_duration`` and ``quota_usage`` of the account's content publishing limit."""
        entry = self.publishing_limit_entry("content_publishing_limit", READ_LIMIT)
        config = entry["config"]
        figures = {
            "quota_total": config.get("quota_total"),
            "quota_duration": config.get("quota_duration"),
            "quota_usage": entry.get("quota_usage"),
        }
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in figures.values()):
            raise self.fail(ErrorKind.TRANSIENT, "Instagram's content publishing limit had no figures")
        return figures

    def _publish_container(self, container_id: str) -> PublishResult:
        # The container id is saved (when it was made): a reconcile re-reads this container. Without it, the
        # reconcile knows media_publish was never called.
        response = self.call(
            "POST",
            self.graph_url(f"{self.account.external_id}/media_publish"),
            step=PUBLISH_CONTAINER,
            data={"creation_id": container_id},
        )
        media_id = self.graph_json(response, PUBLISH_CONTAINER).get("id")
        if not media_id:
            raise self.missing_id_error(response, PUBLISH_CONTAINER, "a media id")
        return PublishResult(platform_post_id=str(media_id), platform_post_url=self.permalink(str(media_id)))

    def _already_published(self, attempt: InDoubtAttempt) -> PublishResult:
        """The saved container was published by an earlier call: that post, not a second one."""
        found = self._find_published_media(attempt.payload.text, attempt.started_at)
        if found is None:
            raise self.fail(
                ErrorKind.UNKNOWN,
                "Instagram says this post's container is already published, but its media could not be "
                "found in the account. The post may exist.",
            )
        return PublishResult(
            platform_post_id=found.platform_post_id, platform_post_url=found.platform_post_url
        )

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

    def _container_status_or_wait(self, container_id: str) -> str:
        """The container's status; a passing failure to read it means "check again later", since the
        container exists and must not be replaced."""
        try:
            status, detail = self._container_status(container_id)
        except PublishError as exc:
            if exc.kind != ErrorKind.TRANSIENT:
                raise
            raise StillProcessing(
                f"Could not read the Instagram container's status for now ({exc.message}); it is checked "
                "again later.",
                check_after=max(self.container_check_after, exc.retry_after or 0.0),
            ) from exc
        if status == "ERROR":
            raise self.fail(
                ErrorKind.INVALID,
                "Instagram could not process the media"
                + (f" ({detail})" if detail else "")
                + "; check its format, size and aspect ratio",
            )
        return status

    def _wait_until_finished(self, container_id: str, *, wait: float, status: str | None = None) -> None:
        """Until the container is FINISHED, checking it every ``container_poll_interval`` for at most ``wait``
        seconds; then "still processing"."""
        checks_left = int(wait // self.container_poll_interval) if self.container_poll_interval > 0 else 0
        while True:
            if status is None:
                status = self._container_status_or_wait(container_id)
            if status == "FINISHED":
                return
            if status == "EXPIRED":
                raise self.fail(ErrorKind.TRANSIENT, "the media container expired before it was published")
            if status == "PUBLISHED":
                raise self.fail(
                    ErrorKind.UNKNOWN, "the media container is already published. The post may exist."
                )
            if status != "IN_PROGRESS":
                raise self.fail(
                    ErrorKind.TRANSIENT, f"the media container is in an unexpected state {status}"
                )
            if checks_left <= 0:
                raise StillProcessing(
                    f"Instagram is still processing the media (container {container_id}); it is checked "
                    "again in a later run.",
                    check_after=self.container_check_after,
                )
            self.sleep(self.container_poll_interval)
            checks_left -= 1
            status = None

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
