"""LinkedIn's Posts API: ``POST /rest/posts`` with ``LinkedIn-Version`` and ``X-Restli-Protocol-Version``;
201 with an empty body and the URN in ``x-restli-id``. The commentary arrives in LinkedIn's "little"
format and is stored as the text it stands for. The same commentary from the same author is refused with
422 ``DUPLICATE_POST`` naming the existing URN, which reconciliation relies on."""

from __future__ import annotations

import math
import re
from typing import Any

from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .world import Account
from .world import PlatformApi
from .world import Route


def unescape_little(text: str) -> str:
    """The "little" format back to plain text: the client escapes reserved characters with a backslash."""
    return re.sub(r"\\(.)", r"\1", text)


class LinkedInApi(PlatformApi):
    platform = "LINKEDIN"
    name = "LinkedIn"

    def routes(self) -> list[Route]:
        return [("POST", re.compile(r"/rest/posts"), "LinkedIn create", self.create_post)]

    def error(self, status: int, words: str, **extra: Any) -> Response:
        return json_response(status, {"status": status, "message": words, **extra})

    def unauthorized(self) -> Response:
        return self.error(401, "Invalid access token", serviceErrorCode=65600)

    def rate_limited(self, seconds: float) -> Response:
        refusal = self.error(429, "Resource level throttle limit for calls to this resource is reached.")
        refusal.headers.append(("Retry-After", str(max(1, math.ceil(seconds)))))
        return refusal

    def server_error(self) -> Response:
        return self.error(503, "Service Unavailable")

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://www.linkedin.com/feed/update/{post_id}/"

    def create_post(self, request: Request, match: re.Match[str]) -> Response | Hold:
        body = request.json()
        text = unescape_little(str(body.get("commentary") or "")) if isinstance(body, dict) else ""
        account = self.account(request)
        if account is None:
            return self.refuse_unauthorized(request, text)
        if (
            not request.headers.get("linkedin-version")
            or request.headers.get("x-restli-protocol-version") != "2.0.0"
        ):
            return self.error(
                400, "A LinkedIn-Version header and X-Restli-Protocol-Version: 2.0.0 are required"
            )
        if not isinstance(body, dict) or body.get("author") != account.author_urn:
            return self.error(403, "ERROR :: /author :: the author is not the token's member")

        def make() -> Response:
            if text and (existing := self.world.existing_post(account, text)):
                return self.refuse_duplicate(
                    self.error(
                        422,
                        f"ERROR :: /commentary :: Content is a duplicate of {existing.id}",
                        errorDetails={
                            "inputErrors": [
                                {
                                    "code": "DUPLICATE_POST",
                                    "input": {"inputPath": {"fieldPath": "/commentary"}},
                                }
                            ]
                        },
                    )
                )
            post = self.world.make_post(
                self, account, text, f"urn:li:share:{7_300_000_000_000_000_000 + self.next_id()}"
            )
            return Response(201, headers=[("x-restli-id", post.id)])

        return self.create(request, account, text, make)
