"""YouTube's resumable upload: ``POST /upload/youtube/v3/videos?uploadType=resumable`` starts a session
(its URL in ``Location``); ``PUT`` chunks with ``Content-Range`` are answered 308 with ``Range`` until the
last byte, which makes the video; an empty ``PUT`` of ``bytes */<total>`` asks how far the upload got,
what reconciliation reads. The video resource answered carries ``status``: the privacy asked for, or
private for every upload when ``unaudited`` (as YouTube does for an API project that has not passed its
audit), and a ``publishAt`` asked for; ``GET /youtube/v3/videos?part=status&id=`` reads it, public once
its ``publishAt`` has passed."""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from http import HTTPStatus
from typing import Any

from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .world import Account
from .world import PlatformApi
from .world import Route

REASONS = {400: "badRequest", 401: "authError", 403: "forbidden", 404: "notFound", 429: "rateLimitExceeded"}


@dataclass
class UploadSession:
    id: str
    account: Account
    total: int
    description: str
    privacy: str = "public"
    publish_at: str = ""
    received: int = 0
    video_id: str = ""


class YouTubeApi(PlatformApi):
    platform = "YOUTUBE"
    name = "YouTube"

    def reset(self) -> None:
        self.sessions: dict[str, UploadSession] = {}
        self.unaudited = False

    def routes(self) -> list[Route]:
        videos = re.compile(r"/upload/youtube/v3/videos")
        return [
            ("POST", videos, "YouTube start", self.start),
            ("PUT", videos, "YouTube put", self.put),
            ("GET", re.compile(r"/youtube/v3/videos"), "YouTube videos", self.list_videos),
        ]

    def error(self, status: int, words: str, *, reason: str = "", **headers: Any) -> Response:
        reason = reason or REASONS.get(
            status, "backendError" if status >= 500 else HTTPStatus(status).name.lower()
        )
        body = {"error": {"code": status, "message": words, "errors": [{"reason": reason, "message": words}]}}
        return json_response(status, body, list(headers.items()))

    def unauthorized(self) -> Response:
        return self.error(401, "Invalid Credentials", reason="authError")

    def rate_limited(self, seconds: float) -> Response:
        return self.error(429, "Rate limit exceeded", **{"Retry-After": str(max(1, math.ceil(seconds)))})

    def server_error(self) -> Response:
        return self.error(503, "Backend Error")

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://www.youtube.com/watch?v={post_id}"

    def start(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request)
        if account is None:
            return self.unauthorized()
        body = request.json()
        snippet = body.get("snippet") if isinstance(body, dict) else None
        total = request.headers.get("x-upload-content-length", "")
        if request.param("uploadType") != "resumable" or not isinstance(snippet, dict) or not total.isdigit():
            return self.error(
                400, "A resumable upload needs a snippet and X-Upload-Content-Length", reason="invalidRequest"
            )
        if not snippet.get("title"):
            return self.error(
                400, "The request metadata specifies an invalid or empty video title.", reason="invalidTitle"
            )
        status = body.get("status") if isinstance(body.get("status"), dict) else {}
        session = UploadSession(
            f"sim{self.next_id()}",
            account,
            int(total),
            str(snippet.get("description") or ""),
            privacy="private" if self.unaudited else str(status.get("privacyStatus") or "public"),
            publish_at="" if self.unaudited else str(status.get("publishAt") or ""),
        )
        self.sessions[session.id] = session
        location = f"{request.base}{request.path}?uploadType=resumable&upload_id={session.id}"
        return json_response(200, {}, [("Location", location)])

    def put(self, request: Request, match: re.Match[str]) -> Response | Hold:
        session = self.sessions.get(request.param("upload_id"))
        if session is None:
            return self.error(404, "The upload session does not exist or expired.")
        if self.account(request, session.account.external_id) is None:
            return self.unauthorized()
        content_range = request.headers.get("content-range", "")
        if re.fullmatch(r"bytes \*/(\d+)", content_range):  # the probe
            return self._video(session) if session.video_id else self._incomplete(session)
        chunk = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        if not chunk or int(chunk[3]) != session.total or int(chunk[1]) != session.received:
            return self._incomplete(session)
        end = int(chunk[2]) + 1
        if end - int(chunk[1]) != len(request.body):
            return self.error(400, "The Content-Range does not match the body", reason="badContent")
        if end < session.total:
            session.received = end
            return self._incomplete(session)

        def make() -> Response:  # the last byte makes the video
            session.received = end
            session.video_id = base64.urlsafe_b64encode(self.next_id().to_bytes(8, "big")).decode()[:11]
            self.world.make_post(self, session.account, session.description, session.video_id)
            return self._video(session)

        return self.create(request, session.account, session.description, make)

    def list_videos(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request)
        if account is None:
            return self.unauthorized()
        wanted = request.param("id")
        items = [
            {"id": session.video_id, "status": self._status(session)}
            for session in self.sessions.values()
            if session.video_id and session.video_id == wanted and session.account == account
        ]
        return json_response(200, {"kind": "youtube#videoListResponse", "items": items})

    @staticmethod
    def _status(session: UploadSession) -> dict[str, Any]:
        privacy = session.privacy
        if session.publish_at and datetime.fromisoformat(
            session.publish_at.replace("Z", "+00:00")
        ) <= datetime.now(UTC):
            privacy = "public"
        status: dict[str, Any] = {"uploadStatus": "uploaded", "privacyStatus": privacy}
        if session.publish_at:
            status["publishAt"] = session.publish_at
        return status

    @classmethod
    def _video(cls, session: UploadSession) -> Response:
        return json_response(
            200, {"id": session.video_id, "kind": "youtube#video", "status": cls._status(session)}
        )

    @staticmethod
    def _incomplete(session: UploadSession) -> Response:
        return Response(
            308, headers=[("Range", f"bytes=0-{session.received - 1}")] if session.received else []
        )
