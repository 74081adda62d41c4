"""X API v2 as the client meets it: ``POST /2/tweets``; ``GET /2/users/{id}/tweets`` (newest first,
``start_time``, ``pagination_token``), what reconciliation reads; and the OAuth 2.0 token endpoint, whose
refresh tokens rotate on every use. Errors are problem JSON; a rate limit says when it resets in
``x-rate-limit-reset``."""

from __future__ import annotations

import http
import itertools
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from .http import Request
from .http import Response
from .http import json_response
from .pages import cursor
from .pages import offset_of
from .world import Account
from .world import PlatformApi
from .world import Route


@dataclass(frozen=True)
class Refresh:
    """One refresh at the token endpoint."""

    refresh_token: str
    client_authenticated: bool


class XApi(PlatformApi):
    platform = "TWITTER"
    name = "X"

    def reset(self) -> None:
        self.refreshes: list[Refresh] = []
        self.issued: list[tuple[str, str]] = []  # (access token, refresh token) of each refresh
        self.revoked = False  # every refresh is refused, as for a revoked grant
        self._token_numbers = itertools.count(2)

    def routes(self) -> list[Route]:
        return [
            ("POST", re.compile(r"/2/tweets"), "X create", self.create_post),
            ("GET", re.compile(r"/2/users/(?P<user>[^/]+)/tweets"), "X list", self.list_posts),
            ("POST", re.compile(r"/2/oauth2/token"), "X token", self.token),
        ]

    def error(self, status: int, words: str, **headers: str) -> Response:
        body = {
            "title": http.HTTPStatus(status).phrase,
            "detail": words,
            "type": "about:blank",
            "status": status,
        }
        return json_response(status, body, list(headers.items()))

    def unauthorized(self) -> Response:
        return self.error(401, "Unauthorized")

    def rate_limited(self, seconds: float) -> Response:
        reset = math.ceil(time.time() + seconds)
        return self.error(
            429,
            "Too Many Requests",
            **{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
        )

    def server_error(self) -> Response:
        return self.error(503, "Service Unavailable")

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://x.com/{account.username or 'i'}/status/{post_id}"

    def create_post(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json()
        text = body.get("text") if isinstance(body, dict) else None
        media = body.get("media") if isinstance(body, dict) else None
        account = self.account(request)
        if account is None:
            return self.refuse_unauthorized(request, text if isinstance(text, str) else "")
        if not (isinstance(text, str) and text) and not (isinstance(media, dict) and media.get("media_ids")):
            return self.error(400, "One or more parameters to your request was invalid.")
        text = text or ""

        def make() -> Response:
            if self.world.config.refuse_duplicate_text and text and self.world.existing_post(account, text):
                return self.refuse_duplicate(
                    self.error(403, "You are not allowed to create a Tweet with duplicate content.")
                )
            post_id = str(1_900_000_000_000_000_000 + self.next_id())
            self.world.make_post(self, account, text, post_id)
            return json_response(
                201, {"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}}
            )

        return self.create(request, account, text, make)

    def list_posts(self, request: Request, match: re.Match[str]) -> Response:
        if self.account(request) is None:
            return self.unauthorized()
        posts = self.world.posts_of(self.platform, match["user"])
        start = _parse_time(request.param("start_time")) if request.param("start_time") else None
        newest_first = [post for post in reversed(posts) if start is None or post.created >= start]
        limit = max(5, min(100, int(request.param("max_results", "10") or 10)))
        offset = offset_of(request.param("pagination_token"))
        page = newest_first[offset : offset + limit]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if offset + limit < len(newest_first):
            meta["next_token"] = cursor(offset + limit)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [
                {
                    "id": post.id,
                    "text": post.text,
                    "created_at": datetime.fromtimestamp(post.created, UTC).strftime(
                        "%Y-%m-%dT%H:%M:%S.000Z"
                    ),
                    "edit_history_tweet_ids": [post.id],
                }
                for post in page
            ]
        return json_response(200, body)

    def token(self, request: Request, match: re.Match[str]) -> Response:
        """A refresh: the refresh token is spent once and new tokens are issued, or the grant is refused."""
        form = request.form()
        authenticated = request.headers.get("authorization", "").startswith("Basic ")
        self.refreshes.append(Refresh(form.get("refresh_token", ""), authenticated))
        account = self.world.spend_refresh_token(form.get("refresh_token", ""))
        if self.revoked or account is None or form.get("grant_type") != "refresh_token":
            refusal = {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            }
            return json_response(400, refusal)
        number = next(self._token_numbers)
        access, refresh = (
            f"x-access-{number}-{account.external_id}",
            f"x-refresh-{number}-{account.external_id}",
        )
        self.issued.append((access, refresh))
        self.world.connect(account, access, refresh)
        return json_response(
            200,
            {"token_type": "bearer", "access_token": access, "refresh_token": refresh, "expires_in": 7200},
        )


def _parse_time(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
