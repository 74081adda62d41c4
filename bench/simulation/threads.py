"""Threads through its Graph API (host ``graph.threads.net``, every path under ``/v1.0``):

- ``POST /{user}/threads`` makes a container (form fields ``media_type`` TEXT, IMAGE, VIDEO or CAROUSEL,
  ``text``, ``image_url``/``video_url``, ``alt_text``, ``is_carousel_item``, ``children``) and answers
  ``{"id"}``; Meta fetches the media later, so a container may answer ``IN_PROGRESS`` to its first status
  reads (``polls_in_progress``, 0 unless a test sets it) before ``FINISHED``;
- ``GET /{container}?fields=status,error_message`` tells its status; ``POST /{user}/threads_publish`` with
  ``creation_id`` makes the post (the create call, the one faults answer) and marks the container
  ``PUBLISHED``; a container not finished is refused with the error Meta gives for Instagram's (code 9007,
  "Media ID is not available": Threads does not document its own);
- ``GET /{user}/threads`` lists the newest posts (``id``, ``text``, ``media_type``, ``permalink``,
  ``timestamp``), what reconciliation reads; ``GET /{post}?fields=permalink``; ``GET /me``;
- ``GET /{user}/threads_publishing_limit``: the posts of the last 24 hours against the quota of 250;
- ``GET /refresh_access_token?grant_type=th_refresh_token&access_token=``: a new 60-day token for a token
  the platform accepts (the old one stays valid), else error 190.

Errors are Meta's ``{"error": {...}}`` (``graph.py``). Text over 500 is refused as Meta words it; the count
here is the documented rule, written independently of the client's (emoji as their UTF-8 bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from .facebook import meta_time
from .graph import GraphApi
from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .world import Account
from .world import Route

VERSION = r"/v1\.0"
TEXT_LIMIT = 500
QUOTA = 250
CAROUSEL_ITEMS = (2, 20)
TOKEN_SECONDS = 60 * 86400
LISTED_TYPES = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}


@dataclass
class Container:
    id: str
    account: Account
    media_type: str
    text: str
    is_item: bool
    alt_text: str = ""
    children: list[str] = field(default_factory=list)
    polls_left: int = 0  # status reads still answered IN_PROGRESS
    status: str = "IN_PROGRESS"
    post_id: str = ""


# Meta's documented count, roughly: emoji (the pictographic planes, and the variation selectors, joiners
# and keycaps that go with them) as their UTF-8 bytes, anything else as one.
_EMOJI_PART = re.compile("[\U0001f000-\U0001faff\u200d\ufe0f\u20e3]")


def text_length(text: str) -> int:
    return sum(len(char.encode()) if _EMOJI_PART.match(char) else 1 for char in text)


class ThreadsApi(GraphApi):
    platform = "THREADS"
    name = "Threads"

    def reset(self) -> None:
        self.containers: dict[str, Container] = {}
        self.published: dict[str, Container] = {}  # post id -> the container it came from
        self.polls_in_progress = 0  # how many status reads each new container answers IN_PROGRESS
        self.refreshes: list[str] = []  # the tokens presented to be refreshed, in order

    def routes(self) -> list[Route]:
        def path(pattern: str) -> re.Pattern[str]:
            return re.compile(VERSION + pattern)

        return [
            ("GET", re.compile(r"/refresh_access_token"), "Threads refresh", self.refresh),
            ("POST", path(r"/(?P<node>[^/]+)/threads_publish"), "Threads publish", self.publish),
            ("GET", path(r"/(?P<node>[^/]+)/threads_publishing_limit"), "Threads quota", self.quota),
            ("POST", path(r"/(?P<node>[^/]+)/threads"), "Threads container", self.make_container),
            ("GET", path(r"/(?P<node>[^/]+)/threads"), "Threads list", self.list_threads),
            ("GET", path(r"/(?P<node>[^/]+)"), "Threads node", self.node),
        ]

    def rate_limited(self, seconds: float) -> Response:
        return self.error(
            400,
            "(#4) Application request limit reached",
            code=4,
            is_transient=True,
            headers=[("Retry-After", str(int(seconds)))],
        )

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://www.threads.net/@{account.username or account.external_id}/post/sim{post_id}"

    # --- containers -------------------------------------------------------------------------------
    def make_container(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request, match["node"])
        if account is None:
            return self.unauthorized()
        form = request.form()
        media_type, text = form.get("media_type", ""), form.get("text", "")
        if text_length(text) > TEXT_LIMIT:
            return self.error(400, f"Param text must be at most {TEXT_LIMIT} characters long.")
        problem = self._container_problem(account, media_type, form)
        if problem:
            return self.error(400, problem)
        container = Container(
            id=str(17_890_000_000_000_000 + self.next_id()),
            account=account,
            media_type=media_type,
            text=text,
            is_item=form.get("is_carousel_item") == "true",
            alt_text=form.get("alt_text", ""),
            children=[child for child in form.get("children", "").split(",") if child],
            polls_left=self.polls_in_progress,
        )
        if not container.polls_left:
            container.status = "FINISHED"
        self.containers[container.id] = container
        return json_response(200, {"id": container.id})

    def _container_problem(self, account: Account, media_type: str, form: dict[str, str]) -> str:
        if media_type == "TEXT":
            return "" if form.get("text") else "(#100) Param text is required for text posts"
        if media_type in ("IMAGE", "VIDEO"):
            url = form.get(f"{media_type.lower()}_url", "")
            return (
                ""
                if url.startswith(("http://", "https://"))
                else "The media could not be fetched from this URI"
            )
        if media_type == "CAROUSEL":
            children = [self.containers.get(child) for child in form.get("children", "").split(",") if child]
            if not CAROUSEL_ITEMS[0] <= len(children) <= CAROUSEL_ITEMS[1]:
                return "(#100) A carousel takes 2 to 20 children"
            if any(
                c is None or c.account != account or not c.is_item or c.status != "FINISHED" for c in children
            ):
                return "(#100) Every child must be a finished carousel item of this user"
            return ""
        return "(#100) Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}"

    def publish(self, request: Request, match: re.Match[str]) -> Response | Hold:
        account = self.account(request, match["node"])
        container = self.containers.get(request.form().get("creation_id", ""))
        if account is None:
            return self.refuse_unauthorized(request, container.text if container else "")
        if container is None or container.account != account or container.is_item:
            return self.error(400, "(#100) Param creation_id must be a container of this user")
        if container.status != "FINISHED":
            return self.error(400, "Media ID is not available", code=9007)

        def make() -> Response:
            post_id = str(18_000_000_000_000_000 + self.next_id())
            self.world.make_post(self, account, container.text, post_id)
            container.status, container.post_id = "PUBLISHED", post_id
            self.published[post_id] = container
            return json_response(200, {"id": post_id})

        return self.create(request, account, container.text, make)

    def node(self, request: Request, match: re.Match[str]) -> Response:
        node = match["node"]
        if node == "me":
            account = self.account(request)
            if account is None:
                return self.unauthorized()
            return json_response(
                200, {"id": account.external_id, "username": account.username, "name": account.name}
            )
        if node in self.containers:
            container = self.containers[node]
            if self.account(request, container.account.external_id) is None:
                return self.unauthorized()
            if container.status == "IN_PROGRESS":
                container.polls_left -= 1
                if container.polls_left <= 0:
                    container.status = "FINISHED"
                return json_response(200, {"status": "IN_PROGRESS", "id": node})
            return json_response(200, {"status": container.status, "id": node})
        if node in self.published:
            account = self.published[node].account
            if self.account(request, account.external_id) is None:
                return self.unauthorized()
            return json_response(200, {"permalink": self.post_url(account, node), "id": node})
        return self.unsupported(node)

    # --- reads ------------------------------------------------------------------------------------
    def list_threads(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request, match["node"])
        if account is None:
            return self.unauthorized()
        limit = max(1, min(100, int(request.param("limit", "25") or 25)))
        newest_first = list(reversed(self.world.posts_of(self.platform, account.external_id)))[:limit]
        threads = [
            {
                "id": post.id,
                "text": post.text,
                "media_type": LISTED_TYPES[self.published[post.id].media_type],
                "permalink": post.url,
                "timestamp": meta_time(post.created),
            }
            for post in newest_first
        ]
        return json_response(200, {"data": threads})

    def quota(self, request: Request, match: re.Match[str]) -> Response:
        return self.publishing_quota(request, match["node"], total=QUOTA)

    # --- tokens -----------------------------------------------------------------------------------
    def refresh(self, request: Request, match: re.Match[str]) -> Response:
        token = request.param("access_token")
        self.refreshes.append(token)
        account = self.world.tokens.get(token)
        if (
            account is None
            or account.platform != self.platform
            or request.param("grant_type") != "th_refresh_token"
        ):
            return self.error(
                400, "Error validating access token: Session has expired", code=190, error_subcode=463
            )
        new_token = f"threads-refreshed-{self.next_id()}-{account.external_id}"
        self.world.connect(account, new_token)
        return json_response(
            200, {"access_token": new_token, "token_type": "bearer", "expires_in": TOKEN_SECONDS}
        )
