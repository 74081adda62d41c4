"""Instagram through the Graph API: ``POST /{ig}/media`` makes a container (Meta fetches the media),
``GET /{container}`` tells its ``status_code``, ``POST /{ig}/media_publish`` makes the post and marks the
container PUBLISHED; ``GET /{media}`` gives the permalink and ``GET /{ig}/media`` lists the newest media,
what reconciliation reads; ``GET /{ig}/content_publishing_limit`` tells the account's quota.

A container may stay IN_PROGRESS for a while, as a reel Meta is still processing does:
``processing_checks`` is how many reads of each new container's status answer IN_PROGRESS before it is
FINISHED. ``containers_of(account)`` tells how many containers an account made."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .facebook import meta_time
from .graph import GraphApi
from .graph import graph_path
from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .world import Account
from .world import Post
from .world import Route


@dataclass
class Container:
    id: str
    account: Account
    caption: str
    status_code: str = "FINISHED"
    checks_left: int = 0  # reads of its status still answered IN_PROGRESS


class InstagramApi(GraphApi):
    platform = "INSTAGRAM"
    name = "Instagram"

    def reset(self) -> None:
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Post] = {}
        self.processing_checks = 0
        self.quota_total = 50

    def containers_of(self, external_id: str) -> int:
        return sum(
            1 for container in self.containers.values() if container.account.external_id == external_id
        )

    def routes(self) -> list[Route]:
        return [
            ("POST", graph_path("/media"), "Instagram container", self.make_container),
            ("GET", graph_path("/media"), "Instagram list", self.list_media),
            ("POST", graph_path("/media_publish"), "Instagram publish", self.publish),
            ("GET", graph_path("/content_publishing_limit"), "Instagram limit", self.publishing_limit),
            # Last: any other node is a container or a published media.
            ("GET", graph_path(""), "Graph node", self.node),
        ]

    def rate_limited(self, seconds: float) -> Response:
        """The app's limit on the account: code 4, the wait in minutes in the business use case header."""
        usage = {
            "ig": [
                {
                    "type": "instagram",
                    "call_count": 100,
                    "estimated_time_to_regain_access": int(seconds // 60),
                }
            ]
        }
        return self.error(
            400,
            "(#4) Application request limit reached",
            code=4,
            is_transient=True,
            headers=[("X-Business-Use-Case-Usage", json.dumps(usage))],
        )

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://www.instagram.com/p/sim{post_id}/"

    def make_container(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request, match["node"])
        if account is None:
            return self.unauthorized()
        form = request.form()
        if not (form.get("image_url") or form.get("video_url")):
            return self.error(400, "(#100) Only photo or video can be accepted as media type.")
        if refused := self.media_not_fetched(form.get("image_url") or form.get("video_url")):
            return refused
        container = Container(
            str(17_800_000_000_000_000 + self.next_id()),
            account,
            form.get("caption", ""),
            status_code="IN_PROGRESS" if self.processing_checks else "FINISHED",
            checks_left=self.processing_checks,
        )
        self.containers[container.id] = container
        return json_response(200, {"id": container.id})

    def publish(self, request: Request, match: re.Match[str]) -> Response | Hold:
        account = self.account(request, match["node"])
        container = self.containers.get(request.form().get("creation_id", ""))
        if account is None:
            return self.refuse_unauthorized(request, container.caption if container else "")
        if container is None or container.account != account:
            return self.error(400, "(#100) Invalid parameter", error_subcode=2207008)
        if container.status_code != "FINISHED":
            return self.error(400, "Media ID is not available", code=9007, error_subcode=2207027)

        def make() -> Response:
            media_id = str(17_900_000_000_000_000 + self.next_id())
            self.media[media_id] = self.world.make_post(self, account, container.caption, media_id)
            container.status_code = "PUBLISHED"
            return json_response(200, {"id": media_id})

        return self.create(request, account, container.caption, make)

    def node(self, request: Request, match: re.Match[str]) -> Response:
        node = match["node"]
        if node in self.containers:
            container = self.containers[node]
            if self.account(request, container.account.external_id) is None:
                return self.unauthorized()
            if container.status_code == "IN_PROGRESS":
                container.checks_left -= 1
                if container.checks_left < 0:
                    container.status_code = "FINISHED"
            return json_response(
                200,
                {"status_code": container.status_code, "status": container.status_code.title(), "id": node},
            )
        if node in self.media:
            post = self.media[node]
            if self.account(request, post.account.external_id) is None:
                return self.unauthorized()
            return json_response(200, {"permalink": post.url, "id": node})
        return self.unsupported(node)

    def publishing_limit(self, request: Request, match: re.Match[str]) -> Response:
        return self.publishing_quota(request, match["node"], total=self.quota_total)

    def list_media(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request, match["node"])
        if account is None:
            return self.unauthorized()
        limit = max(1, min(100, int(request.param("limit", "25") or 25)))
        newest_first = list(reversed(self.world.posts_of(self.platform, account.external_id)))[:limit]
        media = [
            {"id": post.id, "caption": post.text, "timestamp": meta_time(post.created), "permalink": post.url}
            for post in newest_first
        ]
        return json_response(200, {"data": media})
