"""The Sandbox's network served in this process: ``responses`` hands every request to its address over to
the real network views through Django's test client, so the client's real HTTP requests (their method, path,
headers and body as sent) reach the real network code, in the test's own thread and transaction."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
import responses
from django.test import Client

ADDRESS = "http://testserver"
# Headers the test client sets itself from its arguments.
BODY_HEADERS = {"content-type", "content-length"}


class NetworkOnTheWire:
    """Forwards requests to ``ADDRESS/sandbox/...`` to the network views; keeps what was sent."""

    def __init__(self, mock: responses.RequestsMock, client: Client | None = None) -> None:
        self.client = client or Client()
        self.sent: list[requests.PreparedRequest] = []
        pattern = re.compile(re.escape(ADDRESS) + r"/sandbox/.*")
        for method in ("GET", "POST", "PUT"):
            mock.add_callback(method, pattern, self._answer)

    def _answer(self, request: requests.PreparedRequest):
        self.sent.append(request)
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        meta = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in request.headers.items()
            if name.lower() not in BODY_HEADERS
        }
        response = self.client.generic(
            request.method,
            parts.path + (f"?{parts.query}" if parts.query else ""),
            data=body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            **meta,
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, dict(response.items()), content

    def calls_to(self, method: str, path: str) -> list[requests.PreparedRequest]:
        return [
            request
            for request in self.sent
            if request.method == method and urlsplit(request.url).path == path
        ]
