"""Threads through its Graph API: a container, then ``threads_publish`` once Meta has processed it.

The account's ``external_id`` is the Threads user id and its ``access_token`` a long-lived user token with
``threads_content_publish``. Meta fetches each image and video from its public URL, so nothing is downloaded
here. A post is made in stages, each saved (``save_progress``) as soon as what it made exists, so neither a
later run nor a reconcile ever makes a second container for the same post:

- ``items`` (carousels only): one item container per image or video, ``is_carousel_item=true``;
- ``processing``: the post's container (``TEXT``, ``IMAGE``, ``VIDEO``, or ``CAROUSEL`` of the items);
- ``publishing``: saved just before ``threads_publish``, so an unknown outcome is settled by the container's
  status (``PUBLISHED`` means the post is live).

No worker waits for Meta: while a container is ``IN_PROGRESS`` the client raises ``StillProcessing`` and a
later run calls ``resume()``, which polls once and goes on from the saved stage. Once a container exists, a
passing failure (a poll that fails, a publish refused for now) is also "check again later", never a retry
that would start over with a new container.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
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
from social.platforms.base.client import StillProcessing
from social.platforms.base.graph import GraphClient
from social.platforms.base.graph import parse_meta_time
from social.platforms.base.http import Step
from social.platforms.base.http import safe_json
from social.platforms.base.text import is_web_url
from social.platforms.base.text import same_text

from . import MAX_TEXT_LENGTH
from .text import threads_text_length

API_VERSION = "v1.0"
MEDIA_TYPES = {"image": "IMAGE", "video": "VIDEO"}
MIN_CAROUSEL_ITEMS = 2
MAX_CAROUSEL_ITEMS = 20
MAX_ALT_TEXT_LENGTH = 1_000
# How soon to look at a container again: Meta suggests about 30 s for a video; images are usually ready at
# once, and a text post nearly always.
VIDEO_CHECK_AFTER = 30.0
CHECK_AFTER = 10.0
# Meta error 368: the account is blocked from posting for a while for a policy reason; wait, then retry.
POLICY_BLOCK_CODE = 368
POLICY_BLOCK_RETRY_SECONDS = 3600.0
# The 24-hour quota is a moving window: a full one frees a slot at some point within the next 24 hours.
QUOTA_RETRY_SECONDS = 3600.0
# How far before the publish call a matching thread may be dated (clock skew between us and Meta).
RECONCILE_SLACK = timedelta(minutes=5)
RECONCILE_PAGE_SIZE = 25
# The media_type of a published thread, by the container's media_type.
LISTED_MEDIA_TYPES = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}

READ_QUOTA = Step("read the account's publishing quota")
CREATE_ITEM = Step("create a carousel item container")
CREATE_CONTAINER = Step("create the Threads container")
CHECK_CONTAINER = Step("check the Threads container")
PUBLISH_CONTAINER = Step("publish the Threads container", creates_post=True)
LIST_THREADS = Step("list the account's recent threads")

ITEMS, PROCESSING, PUBLISHING = "items", "processing", "publishing"


class ThreadsClient(GraphClient):
    platform = Platform.THREADS
    api_url_setting = "THREADS_API_URL"

    def graph_url(self, path: str) -> str:
        return f"{self.api_url}/{API_VERSION}/{path.lstrip('/')}"

    # --- The interface -------------------------------------------------------------------------------

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        length = threads_text_length(payload.text)
        if length > MAX_TEXT_LENGTH:
            problems.append(
                f"{length:,} characters (emoji count as their UTF-8 bytes, as Threads counts them), "
                f"the limit is {MAX_TEXT_LENGTH}"
            )
        if not payload.text.strip() and not payload.media:
            problems.append("a post needs text, an image or a video")
        if len(payload.media) > MAX_CAROUSEL_ITEMS:
            problems.append(
                f"{len(payload.media)} media items, a carousel holds at most {MAX_CAROUSEL_ITEMS}"
            )
        for index, item in enumerate(payload.media, start=1):
            if item.type not in MEDIA_TYPES:
                problems.append(f"media {index} is a {item.type}; Threads takes images and videos")
            if not is_web_url(item.url):
                problems.append(f"media {index} needs a public http(s) URL (Threads fetches it)")
            if len(item.alt_text) > MAX_ALT_TEXT_LENGTH:
                problems.append(
                    f"the alt text of media {index} is {len(item.alt_text):,} characters, "
                    f"the limit is {MAX_ALT_TEXT_LENGTH:,}"
                )
        return problems

    def publish(self, payload: PublishPayload) -> PublishResult:
        self.ensure_valid(payload)
        self._ensure_quota_left()
        state: dict[str, Any] = {}
        if len(payload.media) >= MIN_CAROUSEL_ITEMS:
            state = {"stage": ITEMS, "children": []}
            self._create_missing_items(payload, state)
        else:
            container_id = self._create_container(payload, self._single_post_fields(payload))
            state = {"stage": PROCESSING, "container_id": container_id}
            self._save(state)
        return self._advance(payload, state, since=datetime.now(UTC))

    def resume(self, attempt: InDoubtAttempt) -> PublishResult:
        state = dict(attempt.state)
        stage = state.get("stage")
        if stage == ITEMS and state.get("children"):
            self.ensure_valid(attempt.payload)
            self._create_missing_items(attempt.payload, state)
        elif stage not in (PROCESSING, PUBLISHING) or not state.get("container_id"):
            # Nothing of this post exists on Threads: sending it afresh makes no second container.
            raise self.fail(
                ErrorKind.TRANSIENT, "no Threads container was saved for this post; it is sent afresh"
            )
        return self._advance(attempt.payload, state, since=attempt.started_at)

    def reconcile(self, attempt: InDoubtAttempt) -> Found | NotFound | CannotTell:
        state = attempt.state
        container_id = state.get("container_id")
        if not container_id:
            return NotFound("no Threads container was made for the post, so threads_publish was never called")
        try:
            status, _ = self._container_status(str(container_id))
            if status == "PUBLISHED":
                found = self._find_published(attempt.payload, state, since=attempt.started_at)
                return found or CannotTell(
                    "the container is published but the post is not among the account's recent threads"
                )
        except PublishError as exc:
            return CannotTell(f"could not read the container: {exc.message}")
        if state.get("stage") != PUBLISHING:
            return NotFound(f"the container is {status}: threads_publish was never called")
        if status == "IN_PROGRESS":
            return CannotTell("Threads is still publishing the container; look at the account")
        return NotFound(f"the container is {status}, not published")

    # --- Stages --------------------------------------------------------------------------------------

    def _advance(self, payload: PublishPayload, state: dict[str, Any], *, since: datetime) -> PublishResult:
        """Go on from the saved stage as far as Meta lets us now: publish, or raise StillProcessing."""
        if state["stage"] == ITEMS:
            self._keep_container(lambda: self._make_carousel_once_items_are_ready(payload, state))
        status, detail = self._keep_container(lambda: self._container_status(state["container_id"]))
        if status == "PUBLISHED":
            found = self._keep_container(lambda: self._find_published(payload, state, since=since))
            if found is None:
                raise self.fail(
                    ErrorKind.UNKNOWN,
                    "Threads published the container but the post is not among the account's recent threads",
                )
            return PublishResult(found.platform_post_id, found.platform_post_url)
        self._raise_unless_finished(status, detail, what="the post", payload=payload)
        return self._publish_container(state)

    def _make_carousel_once_items_are_ready(self, payload: PublishPayload, state: dict[str, Any]) -> None:
        children: list[str] = state["children"]
        for index, child in enumerate(children):
            status, detail = self._container_status(child)
            label = f"media {index + 1} of {len(children)}"
            self._raise_unless_finished(status, detail, what=label, payload=payload)
        fields: dict[str, Any] = {"media_type": "CAROUSEL", "children": ",".join(children)}
        if payload.text:
            fields["text"] = payload.text
        state.update(stage=PROCESSING, container_id=self._create_container(payload, fields))
        self._save(state)

    def _raise_unless_finished(self, status: str, detail: str, *, what: str, payload: PublishPayload) -> None:
        if status == "FINISHED":
            return
        if status == "IN_PROGRESS":
            raise StillProcessing(
                f"Threads is still processing {what}; it is checked again later",
                check_after=_check_after(payload),
            )
        if status == "ERROR":
            raise self.fail(
                ErrorKind.INVALID,
                f"Threads could not process {what}"
                + (f" ({detail})" if detail else "")
                + "; check that the media is public and in a format Threads takes",
            )
        if status == "EXPIRED":
            raise self.fail(
                ErrorKind.INVALID,
                f"the Threads container of {what} expired: it was not published within 24 hours",
            )
        raise StillProcessing(
            f"the Threads container of {what} is in an unexpected state {status}; it is checked again later",
            check_after=_check_after(payload),
        )

    def _publish_container(self, state: dict[str, Any]) -> PublishResult:
        state.update(stage=PUBLISHING, publish_called_at=datetime.now(UTC).isoformat())
        self._save(state)
        response = self._keep_container(
            lambda: self.call(
                "POST",
                self.graph_url(f"{self.account.external_id}/threads_publish"),
                step=PUBLISH_CONTAINER,
                data={"creation_id": state["container_id"]},
            )
        )
        post_id = self.graph_json(response, PUBLISH_CONTAINER).get("id")
        if not post_id:
            raise self.missing_id_error(response, PUBLISH_CONTAINER, "a post id")
        return PublishResult(platform_post_id=str(post_id), platform_post_url=self.permalink(str(post_id)))

    # --- Calls ---------------------------------------------------------------------------------------

    def _ensure_quota_left(self) -> None:
        """Refuse before making anything when the account has used its 24-hour quota. Best effort: a quota
        that cannot be read does not stop the post (``threads_publish`` enforces it anyway)."""
        try:
            entry = self.publishing_limit_entry("threads_publishing_limit", READ_QUOTA)
        except PublishError as exc:
            if exc.kind == ErrorKind.AUTH:
                raise
            return
        usage, total = entry.get("quota_usage"), entry["config"].get("quota_total")
        if isinstance(usage, int) and isinstance(total, int) and usage >= total:
            raise self.fail(
                ErrorKind.TRANSIENT,
                f"the account has published {usage} of its {total} posts allowed in 24 hours on Threads; "
                "the post waits for the quota",
                retry_after=QUOTA_RETRY_SECONDS,
            )

    def _single_post_fields(self, payload: PublishPayload) -> dict[str, Any]:
        if not payload.media:
            return {"media_type": "TEXT", "text": payload.text}
        fields = self._media_fields(payload.media[0])
        if payload.text:
            fields["text"] = payload.text
        return fields

    @staticmethod
    def _media_fields(item: MediaItem) -> dict[str, Any]:
        media_type = MEDIA_TYPES[item.type]
        fields: dict[str, Any] = {"media_type": media_type, f"{media_type.lower()}_url": item.url}
        if item.alt_text:
            fields["alt_text"] = item.alt_text
        return fields

    def _create_missing_items(self, payload: PublishPayload, state: dict[str, Any]) -> None:
        """Create the carousel's item containers not made yet, saving each id as soon as it exists; once
        the first exists, a passing failure is "go on later" like any step after a container."""
        children: list[str] = state["children"]
        for item in payload.media[len(children) :]:
            fields = self._media_fields(item) | {"is_carousel_item": "true"}

            def create(fields: dict[str, Any] = fields) -> str:
                return self._create_container(payload, fields, step=CREATE_ITEM)

            children.append(self._keep_container(create) if children else create())
            self._save(state)

    def _create_container(
        self, payload: PublishPayload, fields: dict[str, Any], *, step: Step = CREATE_CONTAINER
    ) -> str:
        response = self.call(
            "POST", self.graph_url(f"{self.account.external_id}/threads"), step=step, data=fields
        )
        container_id = self.graph_json(response, step).get("id")
        if not container_id:
            raise self.fail(ErrorKind.TRANSIENT, f"Threads did not {step.description} (its answer had no id)")
        return str(container_id)

    def _container_status(self, container_id: str) -> tuple[str, str]:
        """The container's ``status`` and, on ERROR, Meta's ``error_message`` naming the problem."""
        response = self.call(
            "GET",
            self.graph_url(container_id),
            step=CHECK_CONTAINER,
            params={"fields": "status,error_message"},
        )
        body = self.graph_json(response, CHECK_CONTAINER)
        status = body.get("status")
        if not isinstance(status, str):
            raise self.fail(ErrorKind.TRANSIENT, "Threads' container status had no status")
        return status, str(body.get("error_message") or "")

    def _find_published(
        self, payload: PublishPayload, state: Mapping[str, Any], *, since: datetime
    ) -> Found | None:
        """The one recent thread of the account that is this post: its text and kind, dated after the
        publish call (or ``since``, whichever is earlier). None when there is not exactly one."""
        called_at = parse_meta_time(state.get("publish_called_at"))
        earliest = min(filter(None, (since, called_at))) - RECONCILE_SLACK
        expected_type = LISTED_MEDIA_TYPES[_container_media_type(payload)]
        response = self.call(
            "GET",
            self.graph_url(f"{self.account.external_id}/threads"),
            step=LIST_THREADS,
            params={"fields": "id,text,media_type,permalink,timestamp", "limit": RECONCILE_PAGE_SIZE},
        )
        threads = self.graph_json(response, LIST_THREADS).get("data")
        if not isinstance(threads, list):
            raise self.fail(ErrorKind.TRANSIENT, "Threads' list of the account's threads had no data")
        matches = [
            entry
            for entry in threads
            if isinstance(entry, Mapping)
            and entry.get("id")
            and same_text(str(entry.get("text") or ""), payload.text)
            and entry.get("media_type", expected_type) == expected_type
            and (parse_meta_time(entry.get("timestamp")) or earliest) >= earliest
        ]
        if len(matches) != 1:
            return None
        permalink = matches[0].get("permalink")
        return Found(str(matches[0]["id"]), permalink if isinstance(permalink, str) else "")

    # --- Errors and progress -------------------------------------------------------------------------

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        error = super().error_from_response(response, step)
        body = safe_json(response)
        details = body.get("error") if isinstance(body, dict) else None
        details = details if isinstance(details, dict) else {}
        if details.get("code") == POLICY_BLOCK_CODE:
            # Blocked for a while, not refused for good: Meta's guide says to wait and retry later.
            return self.fail(
                ErrorKind.TRANSIENT,
                error.message,
                http_status=error.http_status,
                retry_after=max(error.retry_after or 0.0, POLICY_BLOCK_RETRY_SECONDS),
            )
        if "error validating access token" in str(details.get("message") or "").lower():
            return self.fail(ErrorKind.AUTH, error.message, http_status=error.http_status)
        return error

    def _keep_container[T](self, step: Callable[[], T]) -> T:
        """Run a step taken once a container exists: a passing failure means "check again later" (the
        container is kept), never a retry that would make a second one."""
        try:
            return step()
        except PublishError as exc:
            if exc.kind != ErrorKind.TRANSIENT:
                raise
            raise StillProcessing(
                f"{exc.message}; the Threads container is kept and checked again later",
                check_after=max(exc.retry_after or 0.0, CHECK_AFTER),
            ) from exc

    def _save(self, state: dict[str, Any]) -> None:
        # The whole state each time (a copy: the children list grows here): what a later run or a
        # reconcile reads is exactly this.
        self.save_progress(
            {key: list(value) if isinstance(value, list) else value for key, value in state.items()}
        )


def _container_media_type(payload: PublishPayload) -> str:
    if len(payload.media) >= MIN_CAROUSEL_ITEMS:
        return "CAROUSEL"
    return MEDIA_TYPES[payload.media[0].type] if payload.media else "TEXT"


def _check_after(payload: PublishPayload) -> float:
    return VIDEO_CHECK_AFTER if any(item.type == "video" for item in payload.media) else CHECK_AFTER
