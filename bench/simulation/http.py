"""What a simulated platform reads and answers: a request and a response, free of any transport.

The loopback server (``bench.fake_platforms``) parses them off a socket; the ``responses`` adapter
(``features/platforms.py``) builds them from a ``requests`` call. Header names are lower case.
"""

from __future__ import annotations

import http
import json
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    base: str  # scheme and host the client called, e.g. "http://127.0.0.1:8123"
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {name: values[0] for name, values in parsed.items()}

    @property
    def bearer(self) -> str:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "Resume Incomplete" if self.status == 308 else http.HTTPStatus(self.status).phrase

    def header_map(self) -> dict[str, str]:
        """The headers as one mapping, with Content-Type when there is a body."""
        return {**({"Content-Type": self.content_type} if self.body else {}), **dict(self.headers)}


@dataclass(frozen=True)
class Hold:
    """No answer: the call is held ``seconds`` and then dropped, so the client's read timeout fires."""

    seconds: float


def json_response(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(body, separators=(",", ":")).encode(), headers=headers or [])
