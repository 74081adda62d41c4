"""Mastodon as the client meets it, on any server (routed by path: every host speaks the same API).

- ``POST /api/v1/apps`` registers an app; ``GET /api/v2/instance`` tells the server's limits;
  ``GET /api/v1/accounts/verify_credentials`` says whose token it is.
- ``POST /api/v2/media`` (multipart ``file``, ``description``): an image is ready at once (200); a video is
  processed (202, ``url: null``) and ``GET /api/v1/media/:id`` answers 206 for ``processing_polls`` polls,
  then 200; a file whose processing fails answers 422 there.
- ``POST /api/v1/statuses`` (JSON or form) with ``Idempotency-Key``: a key the account used within the
  hour answers the status it made then, and makes nothing; media not processed yet is refused with 422.
- ``GET /api/v1/accounts/:id/statuses``: newest first, ``limit`` (at most 40), ``max_id``, a ``Link``
  header to the next page; statuses carry their text as Mastodon's HTML.
Errors are ``{"error": "..."}``; a rate limit says when it resets in ``X-RateLimit-Reset`` (ISO 8601).
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import re
import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .world import Account
from .world import PlatformApi
from .world import Route

IDEMPOTENCY_SECONDS = 3600
MAX_LIST_LIMIT = 40
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?')\]]")
_MENTION = re.compile(r"(?<![=/\w])@(\w+)@([\w.-]+\w)")


@dataclass
class Media:
    id: str
    account: Account
    type: str  # "image" or "video"
    description: str
    polls_left: int  # GETs answered 206 before it is ready
    fails: bool = False

    @property
    def ready(self) -> bool:
        return self.polls_left <= 0 and not self.fails


def mastodon_time(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"
    )


def as_html(text: str) -> str:
    """A status's text as Mastodon renders it: paragraphs, line breaks, links and remote mentions in markup."""

    def inline(line: str) -> str:
        pieces, position = [], 0
        for match in sorted([*_URL.finditer(line), *_MENTION.finditer(line)], key=lambda m: m.start()):
            if match.start() < position:
                continue
            pieces.append(html.escape(line[position : match.start()]))
            if match.re is _URL:
                scheme, _, rest = match.group(0).partition("://")
                pieces.append(
                    f'<a href="{html.escape(match.group(0))}" rel="nofollow noopener" target="_blank">'
                    f'<span class="invisible">{scheme}://</span><span class="">{html.escape(rest)}</span></a>'
                )
            else:
                user, domain = match.groups()
                pieces.append(
                    f'<span class="h-card" translate="no"><a href="https://{domain}/@{user}" '
                    f'class="u-url mention">@<span>{user}</span></a></span>'
                )
            position = match.end()
        pieces.append(html.escape(line[position:]))
        return "".join(pieces)

    paragraphs = [part for part in text.split("\n\n") if part]
    return "".join(f"<p>{'<br />'.join(map(inline, part.split(chr(10))))}</p>" for part in paragraphs)


class MastodonApi(PlatformApi):
    platform = "MASTODON"
    name = "Mastodon"

    def reset(self) -> None:
        self.apps: list[dict[str, Any]] = []
        self.media: dict[str, Media] = {}
        self.statuses: dict[str, dict[str, Any]] = {}  # by id
        self.keys: dict[tuple[str, str], tuple[str, float]] = {}  # (account, key) -> (status id, when)
        self.processing_polls = 1
        self.fail_next_processing = False
        self.hide_next_from_lists = False  # its list shows the next status only later (replication lag)
        self.hidden: set[str] = set()
        self.limits: dict[str, Any] = {
            "max_characters": 500,
            "max_media_attachments": 4,
            "characters_reserved_per_url": 23,
        }

    def routes(self) -> list[Route]:
        return [
            ("POST", re.compile(r"/api/v1/apps"), "Mastodon app", self.register_app),
            ("GET", re.compile(r"/api/v2/instance"), "Mastodon instance", self.instance),
            ("GET", re.compile(r"/api/v1/accounts/verify_credentials"), "Mastodon me", self.me),
            ("POST", re.compile(r"/api/v2/media"), "Mastodon upload", self.upload),
            ("GET", re.compile(r"/api/v1/media/(?P<id>[^/]+)"), "Mastodon media", self.media_state),
            ("POST", re.compile(r"/api/v1/statuses"), "Mastodon create", self.create_status),
            (
                "GET",
                re.compile(r"/api/v1/accounts/(?P<id>[^/]+)/statuses"),
                "Mastodon list",
                self.list_statuses,
            ),
        ]

    # --- shapes ------------------------------------------------------------------------------------
    def error(self, status: int, words: str, **headers: str) -> Response:
        return json_response(status, {"error": words}, list(headers.items()))

    def unauthorized(self) -> Response:
        return self.error(401, "The access token is invalid")

    def rate_limited(self, seconds: float) -> Response:
        reset = mastodon_time(time.time() + seconds)
        return self.error(
            429,
            "Too many requests",
            **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        )

    def server_error(self) -> Response:
        # What the proxy in front of a busy server answers: HTML, not the API's JSON.
        return Response(
            503, b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", "text/html"
        )

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://{_host(account)}/@{account.username or 'user'}/{post_id}"

    def account_json(self, account: Account) -> dict[str, Any]:
        return {
            "id": _account_id(account),
            "username": account.username or "user",
            "acct": account.username or "user",
            "display_name": account.name,
            "url": f"https://{_host(account)}/@{account.username or 'user'}",
        }

    # --- apps, instance, identity --------------------------------------------------------------------
    def register_app(self, request: Request, match: re.Match[str]) -> Response:
        form = _body(request)
        if not form.get("client_name") or not form.get("redirect_uris"):
            return self.error(422, "Validation failed: Name can't be blank, Redirect URI can't be blank")
        number = len(self.apps) + 1
        app = {
            "id": str(number),
            "name": form["client_name"],
            "website": None,
            "scopes": str(form.get("scopes") or "read").split(),
            "redirect_uri": form["redirect_uris"],
            "redirect_uris": [form["redirect_uris"]],
            "client_id": f"sim-client-{number}",
            "client_secret": f"sim-secret-{number}",
            "client_secret_expires_at": 0,
        }
        self.apps.append(app)
        return json_response(200, app)

    def instance(self, request: Request, match: re.Match[str]) -> Response:
        return json_response(
            200,
            {
                "domain": request.base.split("://")[-1],
                "title": "Mastodon",
                "version": "4.4.0",
                "configuration": {
                    "statuses": dict(self.limits),
                    "media_attachments": {
                        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "video/mp4"],
                        "description_limit": 1500,
                        "image_size_limit": 16777216,
                        "video_size_limit": 103809024,
                    },
                },
            },
        )

    def me(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request)
        return self.unauthorized() if account is None else json_response(200, self.account_json(account))

    # --- media ---------------------------------------------------------------------------------------
    def upload(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request)
        if account is None:
            return self.unauthorized()
        parts = _multipart(request)
        file = parts.get("file")
        if file is None or not file[1]:
            return self.error(422, "Validation failed: File can't be blank")
        content_type = file[0]
        if not content_type.startswith(("image/", "video/")):
            return self.error(422, "Validation failed: File content type is invalid, File is invalid")
        kind = "video" if content_type.startswith("video/") else "image"
        media = Media(
            id=str(111_000_000_000_000_000 + self.next_id()),
            account=account,
            type=kind,
            description=parts.get("description", ("", b""))[1].decode("utf-8", "replace"),
            polls_left=self.processing_polls if kind == "video" else 0,
            fails=kind == "video" and self.fail_next_processing,
        )
        self.fail_next_processing = False
        self.media[media.id] = media
        return json_response(202 if kind == "video" else 200, self.media_json(media))

    def media_json(self, media: Media) -> dict[str, Any]:
        host = _host(media.account)
        return {
            "id": media.id,
            "type": media.type,
            "url": f"https://{host}/system/media/{media.id}/original" if media.ready else None,
            "preview_url": f"https://{host}/system/media/{media.id}/small",
            "description": media.description or None,
        }

    def media_state(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request)
        media = self.media.get(match["id"])
        if account is None:
            return self.unauthorized()
        if media is None or media.account != account:
            return self.error(404, "Record not found")
        if media.fails:
            return self.error(422, "Validation failed: File could not be processed")
        if media.polls_left > 0:
            media.polls_left -= 1
            return Response(206)
        return json_response(200, self.media_json(media))

    # --- statuses ------------------------------------------------------------------------------------
    def create_status(self, request: Request, match: re.Match[str]) -> Response | Hold:
        body = _body(request)
        text = str(body.get("status") or "")
        account = self.account(request)
        if account is None:
            return self.refuse_unauthorized(request, text)
        key = request.headers.get("idempotency-key", "")
        remembered = self.keys.get((account.external_id, key)) if key else None
        if remembered and time.time() - remembered[1] < IDEMPOTENCY_SECONDS:
            # The same submission again: the status the first one made, nothing new.
            self.world.record_call(self.platform, request.bearer, account, text)
            return json_response(200, self.statuses[remembered[0]])
        media_ids = body.get("media_ids") or body.get("media_ids[]") or []
        media_ids = [media_ids] if isinstance(media_ids, str) else list(media_ids)
        attached = [self.media.get(str(media_id)) for media_id in media_ids]
        if any(media is None or media.account != account for media in attached):
            return self.error(422, "Validation failed: Media attachments are invalid")
        if any(not media.ready for media in attached):
            return self.error(
                422, "Cannot attach files that have not finished processing. Try again in a moment!"
            )
        if not text and not attached:
            return self.error(422, "Validation failed: Text can't be blank")
        if len(text) > self.limits["max_characters"]:
            return self.error(
                422, f"Validation failed: Text character limit of {self.limits['max_characters']} exceeded"
            )

        def make() -> Response:
            status_id = str(112_000_000_000_000_000 + self.next_id())
            post = self.world.make_post(self, account, text, status_id)
            status = {
                "id": status_id,
                "created_at": mastodon_time(post.created),
                "content": as_html(text),
                "spoiler_text": str(body.get("spoiler_text") or ""),
                "visibility": str(body.get("visibility") or "public"),
                "language": body.get("language") or None,
                "uri": f"https://{_host(account)}/users/{account.username or 'user'}/statuses/{status_id}",
                "url": post.url,
                "account": self.account_json(account),
                "media_attachments": [self.media_json(media) for media in attached],
                "application": {"name": "Social Scheduler", "website": None},
            }
            self.statuses[status_id] = status
            if self.hide_next_from_lists:
                self.hidden.add(status_id)
                self.hide_next_from_lists = False
            if key:
                self.keys[(account.external_id, key)] = (status_id, time.time())
            return json_response(200, status)

        return self.create(request, account, text, make)

    def list_statuses(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request)
        if account is None:
            return self.unauthorized()
        owner = next(
            (
                acc
                for acc in self.world.accounts_by_id.values()
                if acc.platform == self.platform and _account_id(acc) == match["id"]
            ),
            None,
        )
        if owner is None:
            return self.error(404, "Record not found")
        posts = reversed(self.world.posts_of(self.platform, owner.external_id))
        max_id = request.param("max_id")
        listed = [
            self.statuses[post.id]
            for post in posts
            if post.id not in self.hidden and (not max_id or int(post.id) < int(max_id))
        ]
        limit = max(1, min(MAX_LIST_LIMIT, int(request.param("limit", "20") or 20)))
        page = listed[:limit]
        headers = []
        if len(listed) > limit:
            link = (
                f"{request.base}/api/v1/accounts/{match['id']}/statuses?limit={limit}&max_id={page[-1]['id']}"
            )
            headers.append(("Link", f'<{link}>; rel="next"'))
        return json_response(200, page, headers)


def _host(account: Account) -> str:
    """The server the account is on: its id is ``<id>@<host>``."""
    return account.external_id.rpartition("@")[2] or "mastodon.example"


def _account_id(account: Account) -> str:
    return account.external_id.rpartition("@")[0] or account.external_id


def _body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = request.json()
        return body if isinstance(body, dict) else {}
    return dict(request.form())


def _multipart(request: Request) -> dict[str, tuple[str, bytes]]:
    """A multipart/form-data body as {field: (content type, bytes)}."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    parts: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[str(name)] = (part.get_content_type(), part.get_payload(decode=True) or b"")
    return parts
