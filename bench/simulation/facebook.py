"""Facebook Pages through the Graph API: ``POST /{page}/feed`` and ``/photos`` make a post;
``GET /{page}/published_posts`` (``since``, ``after`` cursors) is what reconciliation reads."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from typing import Any

from .graph import GraphApi
from .graph import graph_path
from .graph import usage_header
from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .pages import cursor
from .pages import offset_of
from .world import Account
from .world import Route


def meta_time(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class FacebookApi(GraphApi):
    platform = "FACEBOOK"
    name = "Facebook"

    def routes(self) -> list[Route]:
        return [
            ("POST", graph_path("/feed"), "Facebook feed", self.feed),
            ("POST", graph_path("/photos"), "Facebook photos", self.photos),
            ("GET", graph_path("/published_posts"), "Facebook list", self.list_posts),
        ]

    def rate_limited(self, seconds: float) -> Response:
        """A Page's limit: code 32, and the wait in minutes in ``X-Page-Usage``."""
        return self.error(
            400,
            "(#32) Page request limit reached",
            code=32,
            headers=[("X-Page-Usage", usage_header(int(seconds // 60)))],
        )

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://www.facebook.com/{post_id}"

    def feed(self, request: Request, match: re.Match[str]) -> Response | Hold:
        return self._create(request, match["node"], photo=False)

    def photos(self, request: Request, match: re.Match[str]) -> Response | Hold:
        return self._create(request, match["node"], photo=True)

    def _create(self, request: Request, page: str, *, photo: bool) -> Response | Hold:
        form = request.form()
        text = form.get("caption" if photo else "message", "")
        account = self.account(request, page)
        if account is None:
            return self.refuse_unauthorized(request, text)
        if photo and not form.get("url"):
            return self.error(400, "(#100) The parameter url is required")
        if photo and (refused := self.media_not_fetched(form["url"])):
            return refused
        if not photo and not text and not form.get("link"):
            return self.error(400, "(#100) The parameter message or link is required")

        def make() -> Response:
            post = self.world.make_post(self, account, text, f"{page}_{self.next_id()}")
            if photo:  # the photo's id, and the Page post it makes
                return json_response(200, {"id": str(self.next_id()), "post_id": post.id})
            return json_response(200, {"id": post.id})

        return self.create(request, account, text, make)

    def list_posts(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request, match["node"])
        if account is None:
            return self.unauthorized()
        since = float(request.param("since") or 0)
        newest_first = [
            post
            for post in reversed(self.world.posts_of(self.platform, account.external_id))
            if post.created >= since
        ]
        limit = max(1, min(100, int(request.param("limit", "25") or 25)))
        offset = offset_of(request.param("after"))
        page = newest_first[offset : offset + limit]
        body: dict[str, Any] = {
            "data": [
                {"id": post.id, "message": post.text, "created_time": meta_time(post.created)}
                for post in page
            ]
        }
        if page:
            body["paging"] = {"cursors": {"before": cursor(offset), "after": cursor(offset + len(page))}}
            if offset + limit < len(newest_first):
                body["paging"]["next"] = "(next page)"
        return json_response(200, body)
