"""What Facebook Pages, Instagram and Threads share: Meta's versioned Graph API paths, its error shape and
its publishing quota."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from .http import Request
from .http import Response
from .http import json_response
from .world import PlatformApi


def graph_path(edge: str) -> re.Pattern[str]:
    """``/{version}/{node}/<edge>``; the node is the ``node`` group."""
    return re.compile(rf"/v[\d.]+/(?P<node>[^/]+){edge}")


def usage_header(minutes: int) -> str:
    return json.dumps(
        {"call_count": 100, "total_cputime": 12, "total_time": 15, "estimated_time_to_regain_access": minutes}
    )


class GraphApi(PlatformApi):
    def error(
        self,
        status: int,
        words: str,
        *,
        code: int = 100,
        headers: list[tuple[str, str]] | None = None,
        **extra: Any,
    ) -> Response:
        """Meta's ``{"error": {...}}``: a bad token is HTTP 400 with code 190, a 5xx is code 2 and transient."""
        if status == 401:
            status, code = 400, 190
        error: dict[str, Any] = {
            "message": words,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AsimTrace",
        }
        if status >= 500:
            error.update(code=2, is_transient=True)
        error.update(extra)
        return json_response(status, {"error": error}, headers)

    def unauthorized(self) -> Response:
        return self.error(400, "Invalid OAuth access token - Cannot parse access token", code=190)

    def server_error(self) -> Response:
        return self.error(500, "An unexpected error has occurred. Please retry your request later.")

    def media_not_fetched(self, url: str) -> Response | None:
        """With ``fetch_media`` on: Meta's refusal of a media URL it could not fetch, else None."""
        if not self.world.config.fetch_media or self.world.fetch_media(url).ok:
            return None
        return self.error(
            400,
            "Only photo or video can be accepted as media type.",
            code=9004,
            error_subcode=2207052,
            error_user_title="Media download has failed.",
            error_user_msg="The media could not be fetched from this uri.",
        )

    def unsupported(self, node: str) -> Response:
        return self.error(400, f"(#100) Unsupported get request. Object with ID '{node}' does not exist")

    def publishing_quota(self, request: Request, node: str, *, total: int) -> Response:
        """The publishing limit of the account ``node``: its posts of the last 24 hours against ``total``."""
        account = self.account(request, node)
        if account is None:
            return self.unauthorized()
        day_ago = time.time() - 86400
        usage = sum(
            1 for post in self.world.posts_of(self.platform, account.external_id) if post.created > day_ago
        )
        return json_response(
            200,
            {"data": [{"quota_usage": usage, "config": {"quota_total": total, "quota_duration": 86400}}]},
        )
