"""A loopback fake of the five platforms' publishing APIs: ``python -m bench.fake_platforms``.

It answers the request shapes the real clients in ``social/clients/`` send, at a configurable latency and
fault rate, so the publisher is measured through its real HTTP path (``<P>_API_URL`` point here):

- X: ``POST /2/tweets`` (201, ``data.id``); ``GET /2/users/{id}/tweets`` (newest first, ``start_time``,
  ``pagination_token``), what X's reconciliation reads.
- Facebook Pages: ``POST /{version}/{page}/feed`` and ``/photos``; ``GET /{version}/{page}/published_posts``
  (``since``, ``after`` cursors).
- Instagram: ``POST /{version}/{ig}/media`` (container), ``GET /{version}/{container}`` (``status_code``),
  ``POST /{version}/{ig}/media_publish``, ``GET /{version}/{media}`` (permalink), ``GET /{version}/{ig}/media``.
- LinkedIn: ``POST /rest/posts`` (201, empty body, the URN in ``x-restli-id``; requires ``LinkedIn-Version``
  and ``X-Restli-Protocol-Version``); identical commentary by the same author is refused with 422
  ``DUPLICATE_POST`` naming the existing URN, which LinkedIn's reconciliation relies on.
- YouTube: resumable ``POST /upload/youtube/v3/videos`` (session in ``Location``), ``PUT`` chunks with
  ``Content-Range`` (308 with ``Range`` until the last byte), and the empty probe ``bytes */total``.
- ``GET /media/{name}?bytes=N``: a media file (what a post's media URL points at; no latency).

Every call carries ``Authorization: Bearer <token>`` of an account registered through the control API; an
unknown token is refused the way the platform refuses it (401 / Graph code 190).

Faults apply to the calls that create a post (X create, Page feed/photos, ``media_publish``, LinkedIn
create, YouTube's last chunk), drawn from a seeded generator: a rate limit (X 429 with
``x-rate-limit-reset``, Graph code 32/4, LinkedIn bare 429, YouTube 429 ``rateLimitExceeded``), a 5xx with
nothing created, or a timeout: the answer is held past the client's read timeout and the connection closed,
with the post created for a share of them (the worst case: it exists, the answer was lost). Listing and
lookup endpoints never fail and always tell the truth, so reconciliation is right.

The post is created halfway through the latency, then the answer follows. Per (platform, account, text)
the fake counts the create requests it received and the posts it created: a post created twice is a
duplicate the users would see. X and Facebook do not refuse duplicate text here (the real X does, with
403), so a double send shows up in the counts instead of being hidden.

Control API (no latency): ``GET /_bench/summary`` (totals), ``GET /_bench/stats`` (totals and every
(account, text) count), ``POST /_bench/config`` (latency, fault rates), ``POST /_bench/accounts`` (tokens),
``POST /_bench/reset`` (everything back to the defaults, then the given config).

The server is one asyncio loop in its own process, so it never shares the publisher's interpreter lock; each
response goes out in one write on a TCP_NODELAY socket (no delayed-ACK stalls) and connections are kept
alive. It has no Django and no dependency outside the standard library.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http
import itertools
import json
import math
import random
import re
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

RATE_LIMIT = "429"
SERVER_ERROR = "5xx"
TIMEOUT = "timeout"
MAX_BODY = 64 * 1024 * 1024


@dataclass
class Config:
    """What the fake does; every field can be changed at run time through ``POST /_bench/config``."""

    latency: float = 0.0  # seconds per platform call
    rate_429: float = 0.0  # share of create calls answered with the platform's rate-limit error
    rate_5xx: float = 0.0  # share answered with a 5xx, nothing created
    rate_timeout: float = 0.0  # share whose answer is held for hold_seconds, then the connection closed
    hold_seconds: float = 5.0  # longer than the client's read timeout
    timeout_creates: float = 0.5  # share of the timed-out calls that did create the post
    retry_after_seconds: float = 1.0  # what a rate-limit answer asks the client to wait
    seed: int = 0


@dataclass
class Account:
    platform: str
    external_id: str
    token: str
    author_urn: str = ""


@dataclass
class Post:
    id: str
    text: str
    created: float
    permalink: str = ""


@dataclass
class Container:
    id: str
    account: Account
    caption: str
    status_code: str = "FINISHED"
    media_id: str = ""


@dataclass
class UploadSession:
    id: str
    account: Account
    total: int
    description: str
    received: int = 0
    video_id: str = ""


@dataclass
class Request:
    method: str
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

    def encode(self, *, close: bool) -> bytes:
        phrase = "Resume Incomplete" if self.status == 308 else http.HTTPStatus(self.status).phrase
        lines = [f"HTTP/1.1 {self.status} {phrase}", f"Content-Length: {len(self.body)}"]
        if self.body:
            lines.append(f"Content-Type: {self.content_type}")
        lines.extend(f"{name}: {value}" for name, value in self.headers)
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


class Hold:
    """Answer nothing: keep the connection open ``seconds``, then close it (a client read timeout)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


def json_response(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(body, separators=(",", ":")).encode(), headers=headers or [])


def iso_z(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso_meta(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_time(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def unescape_little(text: str) -> str:
    """LinkedIn's "little" format back to plain text: the client escapes reserved characters with '\\'."""
    return re.sub(r"\\(.)", r"\1", text)


def _delay_percentiles(delays: list[float]) -> dict[str, float] | None:
    if not delays:
        return None
    ordered = sorted(delays)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {
        "p50": round(at(0.5) * 1000, 2),
        "p99": round(at(0.99) * 1000, 2),
        "max": round(ordered[-1] * 1000, 2),
    }


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _offset(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except ValueError:
        return 0


# --- each platform's error answers -----------------------------------------------------------------


def x_problem(status: int, title: str, detail: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return json_response(
        status, {"title": title, "detail": detail, "type": "about:blank", "status": status}, headers
    )


def graph_error(status: int, code: int, message: str, *, transient: bool = False, **extra: Any) -> Response:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbenchTrace"}
    if transient:
        error["is_transient"] = True
    error.update(extra)
    return json_response(status, {"error": error})


def linkedin_error(status: int, message: str, **extra: Any) -> Response:
    return json_response(status, {"status": status, "message": message, **extra})


def google_error(status: int, reason: str, message: str) -> Response:
    return json_response(
        status,
        {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}},
    )


UNAUTHORIZED: dict[str, Callable[[], Response]] = {
    "TWITTER": lambda: x_problem(401, "Unauthorized", "Unauthorized"),
    "FACEBOOK": lambda: graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token"),
    "INSTAGRAM": lambda: graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token"),
    "LINKEDIN": lambda: linkedin_error(401, "Invalid access token", serviceErrorCode=65600),
    "YOUTUBE": lambda: google_error(401, "authError", "Invalid Credentials"),
}


class FakePlatforms:
    """The state of the five fake platforms and the handlers of their endpoints."""

    def __init__(self, config: Config | None = None, *, loop: asyncio.AbstractEventLoop) -> None:
        self.config = config or Config()
        self.loop = loop
        self.reset()
        self.routes: list[tuple[str, re.Pattern[str], str, Callable[..., Response | Hold]]] = [
            ("POST", re.compile(r"/2/tweets"), "X create", self.x_create),
            ("GET", re.compile(r"/2/users/(?P<user>[^/]+)/tweets"), "X list", self.x_list),
            ("POST", re.compile(r"/rest/posts"), "LinkedIn create", self.linkedin_create),
            ("POST", re.compile(r"/upload/youtube/v3/videos"), "YouTube start", self.youtube_start),
            ("PUT", re.compile(r"/upload/youtube/v3/videos"), "YouTube put", self.youtube_put),
            ("POST", re.compile(r"/v[\d.]+/(?P<node>[^/]+)/feed"), "Facebook feed", self.facebook_feed),
            ("POST", re.compile(r"/v[\d.]+/(?P<node>[^/]+)/photos"), "Facebook photos", self.facebook_photos),
            (
                "GET",
                re.compile(r"/v[\d.]+/(?P<node>[^/]+)/published_posts"),
                "Facebook list",
                self.facebook_list,
            ),
            ("POST", re.compile(r"/v[\d.]+/(?P<node>[^/]+)/media"), "Instagram container", self.ig_container),
            ("GET", re.compile(r"/v[\d.]+/(?P<node>[^/]+)/media"), "Instagram list", self.ig_list),
            (
                "POST",
                re.compile(r"/v[\d.]+/(?P<node>[^/]+)/media_publish"),
                "Instagram publish",
                self.ig_publish,
            ),
            ("GET", re.compile(r"/v[\d.]+/(?P<node>[^/]+)"), "Graph node", self.graph_node),
        ]

    def reset(self) -> None:
        self.rng = random.Random(self.config.seed)
        self.accounts: dict[str, Account] = {}  # by token
        self.by_id: dict[tuple[str, str], Account] = {}
        self.posts: dict[tuple[str, str], list[Post]] = {}  # by (platform, external id), oldest first
        self.counts: dict[tuple[str, str, str], list[int]] = {}  # [create requests, posts created]
        self.post_ids: dict[tuple[str, str, str], list[str]] = {}
        self.containers: dict[str, Container] = {}
        self.media: dict[str, tuple[Account, Post]] = {}
        self.sessions: dict[str, UploadSession] = {}
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.duplicate_refusals = 0
        self.answer_delays: list[float] = []
        self.ids = itertools.count(1)

    # --- control API ------------------------------------------------------------------------------

    def configure(self, values: dict[str, Any]) -> None:
        known = {f.name for f in fields(Config)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        for name, value in values.items():
            setattr(self.config, name, type(getattr(self.config, name))(value))
        if "seed" in values:
            self.rng = random.Random(self.config.seed)

    def register(self, entries: list[dict[str, str]]) -> None:
        for entry in entries:
            account = Account(
                platform=entry["platform"],
                external_id=str(entry["external_id"]),
                token=entry["token"],
                author_urn=entry.get("author_urn") or "",
            )
            self.accounts[account.token] = account
            self.by_id[(account.platform, account.external_id)] = account

    def summary(self) -> dict[str, Any]:
        created = sum(count[1] for count in self.counts.values())
        return {
            "config": asdict(self.config),
            "calls": dict(self.calls),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "faults": dict(self.faults),
            "create_requests": sum(count[0] for count in self.counts.values()),
            "posts_created": created,
            "duplicates": sum(1 for count in self.counts.values() if count[1] > 1),
            "duplicate_refusals": self.duplicate_refusals,
            "answer_delay_ms": _delay_percentiles(self.answer_delays),
        }

    def stats(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "creates": [
                [*key, requests, created, self.post_ids.get(key, [])]
                for key, (requests, created) in self.counts.items()
            ],
        }

    def control(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/_bench/summary":
            return json_response(200, self.summary())
        if request.method == "GET" and request.path == "/_bench/stats":
            return json_response(200, self.stats())
        if request.method == "POST" and request.path in ("/_bench/config", "/_bench/reset"):
            values = request.json() or {}
            if request.path == "/_bench/reset":
                self.config = Config()
                self.reset()
            try:
                self.configure(values)
            except (TypeError, ValueError) as exc:
                return json_response(400, {"error": str(exc)})
            return json_response(200, {"config": asdict(self.config)})
        if request.method == "POST" and request.path == "/_bench/accounts":
            entries = request.json()
            if not isinstance(entries, list):
                return json_response(400, {"error": "expected a JSON list of accounts"})
            self.register(entries)
            return json_response(200, {"accounts": len(self.accounts)})
        return json_response(404, {"error": f"no control endpoint {request.method} {request.path}"})

    # --- shared steps -----------------------------------------------------------------------------

    def account_for(self, request: Request, platform: str, external_id: str | None = None) -> Account | None:
        """The account whose token the request carries, if it is one of ``platform`` (and owns the node)."""
        account = self.accounts.get(request.bearer)
        if account is None or account.platform != platform:
            return None
        if external_id is not None and account.external_id != external_id:
            return None
        return account

    def draw_fault(self) -> str | None:
        config, draw = self.config, self.rng.random()
        for kind, rate in (
            (RATE_LIMIT, config.rate_429),
            (SERVER_ERROR, config.rate_5xx),
            (TIMEOUT, config.rate_timeout),
        ):
            if draw < rate:
                self.faults[kind] += 1
                return kind
            draw -= rate
        return None

    def count_request(self, platform: str, account: Account, text: str) -> None:
        """A create call arrived for (account, text), whatever becomes of it."""
        self.counts.setdefault((platform, account.external_id, text), [0, 0])[0] += 1

    def create(self, platform: str, account: Account, text: str, post_id: str, permalink: str = "") -> Post:
        post = Post(id=post_id, text=text, created=time.time(), permalink=permalink)
        self.posts.setdefault((platform, account.external_id), []).append(post)
        key = (platform, account.external_id, text)
        self.counts.setdefault(key, [0, 0])[1] += 1
        self.post_ids.setdefault(key, []).append(post_id)
        return post

    def exists(self, platform: str, account: Account, text: str) -> Post | None:
        for post in reversed(self.posts.get((platform, account.external_id), [])):
            if post.text == text:
                return post
        return None

    def timed_out(self, create: Callable[[], object]) -> Hold:
        """A timeout: the post is made for a share of them, and the answer never comes."""
        if self.rng.random() < self.config.timeout_creates:
            create()
            self.faults["timeout_created"] += 1
        return Hold(self.config.hold_seconds)

    def rate_limited(self, platform: str) -> Response:
        wait = self.config.retry_after_seconds
        if platform == "TWITTER":
            reset = math.ceil(time.time() + wait)
            return x_problem(
                429,
                "Too Many Requests",
                "Too Many Requests",
                [
                    ("x-rate-limit-limit", "100"),
                    ("x-rate-limit-remaining", "0"),
                    ("x-rate-limit-reset", str(reset)),
                ],
            )
        if platform == "FACEBOOK":
            response = graph_error(400, 32, "Page request limit reached")
            response.headers.append(("X-Page-Usage", '{"call_count":100,"total_cputime":12,"total_time":15}'))
            return response
        if platform == "INSTAGRAM":
            return graph_error(400, 4, "Application request limit reached", transient=True)
        if platform == "LINKEDIN":
            return linkedin_error(429, "Resource level throttle limit for calls to this resource is reached.")
        response = google_error(429, "rateLimitExceeded", "Rate limit exceeded")
        response.headers.append(("Retry-After", str(max(1, math.ceil(wait)))))
        return response

    def server_error(self, platform: str) -> Response:
        if platform == "TWITTER":
            return x_problem(503, "Service Unavailable", "Service Unavailable")
        if platform in ("FACEBOOK", "INSTAGRAM"):
            return graph_error(
                500, 2, "An unexpected error has occurred. Please retry your request later.", transient=True
            )
        if platform == "LINKEDIN":
            return linkedin_error(503, "Service Unavailable")
        return google_error(503, "backendError", "Backend Error")

    def create_or_fault(self, platform: str, create: Callable[[], Response]) -> Response | Hold:
        fault = self.draw_fault()
        if fault == RATE_LIMIT:
            return self.rate_limited(platform)
        if fault == SERVER_ERROR:
            return self.server_error(platform)
        if fault == TIMEOUT:
            return self.timed_out(create)
        return create()

    # --- X ----------------------------------------------------------------------------------------

    def x_create(self, request: Request, match: re.Match[str]) -> Response | Hold:
        account = self.account_for(request, "TWITTER")
        if account is None:
            return UNAUTHORIZED["TWITTER"]()
        body = request.json()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text:
            return x_problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
        self.count_request("TWITTER", account, text)

        def create() -> Response:
            post = self.create("TWITTER", account, text, str(1_900_000_000_000_000_000 + next(self.ids)))
            return json_response(
                201, {"data": {"id": post.id, "text": text, "edit_history_tweet_ids": [post.id]}}
            )

        return self.create_or_fault("TWITTER", create)

    def x_list(self, request: Request, match: re.Match[str]) -> Response:
        if self.account_for(request, "TWITTER") is None:
            return UNAUTHORIZED["TWITTER"]()
        account = self.by_id.get(("TWITTER", match["user"]))
        posts = self.posts.get(("TWITTER", account.external_id), []) if account else []
        start = parse_time(request.param("start_time")) if request.param("start_time") else None
        newest_first = [post for post in reversed(posts) if start is None or post.created >= start]
        limit = max(5, min(100, int(request.param("max_results", "10") or 10)))
        offset = _offset(request.param("pagination_token")) if request.param("pagination_token") else 0
        page = newest_first[offset : offset + limit]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if offset + limit < len(newest_first):
            meta["next_token"] = _cursor(offset + limit)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [
                {
                    "id": post.id,
                    "text": post.text,
                    "created_at": iso_z(post.created),
                    "edit_history_tweet_ids": [post.id],
                }
                for post in page
            ]
        return json_response(200, body)

    # --- Facebook Pages ---------------------------------------------------------------------------

    def _facebook_create(self, request: Request, page: str, *, photo: bool) -> Response | Hold:
        account = self.account_for(request, "FACEBOOK", page)
        if account is None:
            return UNAUTHORIZED["FACEBOOK"]()
        form = request.form()
        text = form.get("caption" if photo else "message", "")
        if photo and not form.get("url"):
            return graph_error(400, 100, "(#100) The parameter url is required")
        if not photo and not text and not form.get("link"):
            return graph_error(400, 100, "(#100) The parameter message or link is required")
        self.count_request("FACEBOOK", account, text)

        def create() -> Response:
            post = self.create("FACEBOOK", account, text, f"{page}_{next(self.ids)}")
            if photo:
                return json_response(200, {"id": str(next(self.ids)), "post_id": post.id})
            return json_response(200, {"id": post.id})

        return self.create_or_fault("FACEBOOK", create)

    def facebook_feed(self, request: Request, match: re.Match[str]) -> Response | Hold:
        return self._facebook_create(request, match["node"], photo=False)

    def facebook_photos(self, request: Request, match: re.Match[str]) -> Response | Hold:
        return self._facebook_create(request, match["node"], photo=True)

    def facebook_list(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account_for(request, "FACEBOOK", match["node"])
        if account is None:
            return UNAUTHORIZED["FACEBOOK"]()
        since = float(request.param("since") or 0)
        newest_first = [
            post
            for post in reversed(self.posts.get(("FACEBOOK", account.external_id), []))
            if post.created >= since
        ]
        limit = max(1, min(100, int(request.param("limit", "25") or 25)))
        offset = _offset(request.param("after")) if request.param("after") else 0
        page = newest_first[offset : offset + limit]
        body: dict[str, Any] = {
            "data": [
                {"id": post.id, "message": post.text, "created_time": iso_meta(post.created)} for post in page
            ]
        }
        if page:
            body["paging"] = {"cursors": {"before": _cursor(offset), "after": _cursor(offset + len(page))}}
            if offset + limit < len(newest_first):
                body["paging"]["next"] = "(next page)"
        return json_response(200, body)

    # --- Instagram --------------------------------------------------------------------------------

    def ig_container(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account_for(request, "INSTAGRAM", match["node"])
        if account is None:
            return UNAUTHORIZED["INSTAGRAM"]()
        form = request.form()
        if not (form.get("image_url") or form.get("video_url")):
            return graph_error(400, 100, "(#100) Only photo or video can be accepted as media type.")
        container = Container(
            id=str(17_800_000_000_000_000 + next(self.ids)), account=account, caption=form.get("caption", "")
        )
        self.containers[container.id] = container
        return json_response(200, {"id": container.id})

    def ig_publish(self, request: Request, match: re.Match[str]) -> Response | Hold:
        account = self.account_for(request, "INSTAGRAM", match["node"])
        if account is None:
            return UNAUTHORIZED["INSTAGRAM"]()
        container = self.containers.get(request.form().get("creation_id", ""))
        if container is None or container.account is not account:
            return graph_error(400, 100, "(#100) Invalid parameter", error_subcode=2207008)
        if container.status_code != "FINISHED":
            return graph_error(400, 9007, "Media ID is not available", error_subcode=2207027)
        self.count_request("INSTAGRAM", account, container.caption)

        def create() -> Response:
            media_id = str(17_900_000_000_000_000 + next(self.ids))
            post = self.create(
                "INSTAGRAM",
                account,
                container.caption,
                media_id,
                f"https://www.instagram.com/p/bench{media_id}/",
            )
            container.status_code, container.media_id = "PUBLISHED", media_id
            self.media[media_id] = (account, post)
            return json_response(200, {"id": media_id})

        return self.create_or_fault("INSTAGRAM", create)

    def ig_list(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account_for(request, "INSTAGRAM", match["node"])
        if account is None:
            return UNAUTHORIZED["INSTAGRAM"]()
        limit = max(1, min(100, int(request.param("limit", "25") or 25)))
        newest_first = list(reversed(self.posts.get(("INSTAGRAM", account.external_id), [])))[:limit]
        return json_response(
            200,
            {
                "data": [
                    {
                        "id": post.id,
                        "caption": post.text,
                        "timestamp": iso_meta(post.created),
                        "permalink": post.permalink,
                    }
                    for post in newest_first
                ]
            },
        )

    def graph_node(self, request: Request, match: re.Match[str]) -> Response:
        node = match["node"]
        if node in self.containers:
            container = self.containers[node]
            if self.account_for(request, "INSTAGRAM", container.account.external_id) is None:
                return UNAUTHORIZED["INSTAGRAM"]()
            return json_response(
                200,
                {"status_code": container.status_code, "status": container.status_code.title(), "id": node},
            )
        if node in self.media:
            account, post = self.media[node]
            if self.account_for(request, "INSTAGRAM", account.external_id) is None:
                return UNAUTHORIZED["INSTAGRAM"]()
            return json_response(200, {"permalink": post.permalink, "id": node})
        return graph_error(
            400, 100, f"(#100) Unsupported get request. Object with ID '{node}' does not exist"
        )

    # --- LinkedIn ---------------------------------------------------------------------------------

    def linkedin_create(self, request: Request, match: re.Match[str]) -> Response | Hold:
        account = self.account_for(request, "LINKEDIN")
        if account is None:
            return UNAUTHORIZED["LINKEDIN"]()
        if (
            not request.headers.get("linkedin-version")
            or request.headers.get("x-restli-protocol-version") != "2.0.0"
        ):
            return linkedin_error(
                400, "A LinkedIn-Version header and X-Restli-Protocol-Version: 2.0.0 are required"
            )
        body = request.json()
        if not isinstance(body, dict) or body.get("author") != account.author_urn:
            return linkedin_error(403, "ERROR :: /author :: the author is not the token's member")
        text = unescape_little(str(body.get("commentary") or ""))
        self.count_request("LINKEDIN", account, text)

        def create() -> Response:
            existing = self.exists("LINKEDIN", account, text) if text else None
            if existing is not None:
                self.duplicate_refusals += 1
                return linkedin_error(
                    422,
                    f"ERROR :: /commentary :: Content is a duplicate of {existing.id}",
                    errorDetails={
                        "inputErrors": [
                            {"code": "DUPLICATE_POST", "input": {"inputPath": {"fieldPath": "/commentary"}}}
                        ]
                    },
                )
            post = self.create(
                "LINKEDIN", account, text, f"urn:li:share:{7_300_000_000_000_000_000 + next(self.ids)}"
            )
            return Response(201, headers=[("x-restli-id", post.id)])

        return self.create_or_fault("LINKEDIN", create)

    # --- YouTube ----------------------------------------------------------------------------------

    def youtube_start(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account_for(request, "YOUTUBE")
        if account is None:
            return UNAUTHORIZED["YOUTUBE"]()
        body = request.json()
        snippet = body.get("snippet") if isinstance(body, dict) else None
        total = request.headers.get("x-upload-content-length", "")
        if request.param("uploadType") != "resumable" or not isinstance(snippet, dict) or not total.isdigit():
            return google_error(
                400, "invalidRequest", "A resumable upload needs a snippet and X-Upload-Content-Length"
            )
        if not snippet.get("title"):
            return google_error(
                400, "invalidTitle", "The request metadata specifies an invalid or empty video title."
            )
        session = UploadSession(
            id=f"bench{next(self.ids)}",
            account=account,
            total=int(total),
            description=str(snippet.get("description") or ""),
        )
        self.sessions[session.id] = session
        host = request.headers.get("host", "127.0.0.1")
        location = f"http://{host}/upload/youtube/v3/videos?uploadType=resumable&upload_id={session.id}"
        return json_response(200, {}, [("Location", location)])

    def youtube_put(self, request: Request, match: re.Match[str]) -> Response | Hold:
        session = self.sessions.get(request.param("upload_id"))
        if session is None:
            return google_error(404, "notFound", "The upload session does not exist or expired.")
        if self.account_for(request, "YOUTUBE", session.account.external_id) is None:
            return UNAUTHORIZED["YOUTUBE"]()
        content_range = request.headers.get("content-range", "")
        done = Response(200, json.dumps({"id": session.video_id, "kind": "youtube#video"}).encode())
        probe = re.fullmatch(r"bytes \*/(\d+)", content_range)
        if probe:
            if session.video_id:
                return done
            return self._incomplete(session)
        chunk = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        if not chunk or int(chunk[3]) != session.total or int(chunk[1]) != session.received:
            return self._incomplete(session)
        end = int(chunk[2]) + 1
        if end - int(chunk[1]) != len(request.body):
            return google_error(400, "badContent", "The Content-Range does not match the body")
        if end < session.total:
            session.received = end
            return self._incomplete(session)
        self.count_request("YOUTUBE", session.account, session.description)

        def create() -> Response:
            session.received = end
            video_id = base64.urlsafe_b64encode(next(self.ids).to_bytes(8, "big")).decode()[:11]
            session.video_id = video_id
            self.create("YOUTUBE", session.account, session.description, video_id)
            return Response(200, json.dumps({"id": video_id, "kind": "youtube#video"}).encode())

        return self.create_or_fault("YOUTUBE", create)

    def _incomplete(self, session: UploadSession) -> Response:
        headers = [("Range", f"bytes=0-{session.received - 1}")] if session.received else []
        return Response(308, headers=headers)

    # --- media ------------------------------------------------------------------------------------

    def media_file(self, request: Request) -> Response:
        size = int(request.param("bytes", "1024") or 1024)
        content_type = "video/mp4" if request.path.endswith(".mp4") else "image/jpeg"
        return Response(200, bytes(size), content_type=content_type)

    # --- dispatch ---------------------------------------------------------------------------------

    def route(self, request: Request) -> tuple[str, Callable[[], Response | Hold]] | None:
        for method, pattern, name, handler in self.routes:
            if method == request.method:
                match = pattern.fullmatch(request.path)
                if match:
                    return name, lambda handler=handler, match=match: handler(request, match)
        return None

    def answer(self, request: Request, reply: Callable[[Response | Hold], None]) -> None:
        """Answer ``request`` through ``reply``: at once for the control API and media, else after the
        latency, the platform's work done halfway through it."""
        if request.path.startswith("/_bench/"):
            reply(self.control(request))
            return
        if request.method == "GET" and request.path.startswith("/media/"):
            reply(self.media_file(request))
            return
        found = self.route(request)
        if found is None:
            reply(json_response(404, {"error": f"the fake has no {request.method} {request.path}"}))
            return
        name, handle = found
        self.calls[name] += 1
        latency = self.config.latency
        half = latency / 2
        received = self.loop.time()

        def answered(result: Response) -> None:
            reply(result)
            # How much later than the configured latency the answer left: the fake's own delay.
            self.answer_delays.append(self.loop.time() - received - latency)

        def work() -> None:
            result = handle()
            if isinstance(result, Hold):
                reply(result)
                return
            self.statuses[result.status] += 1
            if half:  # at a fixed time from the request's arrival: a late first half does not add up
                self.loop.call_at(received + latency, answered, result)
            else:
                answered(result)

        if half:
            self.loop.call_at(received + half, work)
        else:
            work()


class HttpConnection(asyncio.Protocol):
    """One client connection: HTTP/1.1 requests with Content-Length bodies, one at a time, kept alive.

    A Protocol with timer callbacks rather than a task and streams per connection: the fake must cost
    the 2-core machine as little CPU as it can, since the publisher it measures needs the same cores.
    """

    def __init__(self, platforms: FakePlatforms) -> None:
        self.platforms = platforms
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self.next_request()

    def next_request(self) -> None:
        try:
            request = parse_request(self.buffer)
        except ValueError as exc:
            self.send(json_response(400, {"error": str(exc)}), close=True)
            return
        if request is not None:
            self.busy = True
            self.close_after = request.headers.get("connection", "").lower() == "close"
            self.platforms.answer(request, self.reply)

    def reply(self, result: Response | Hold) -> None:
        if isinstance(result, Hold):
            # No answer: the client's read timeout fires; the connection is dropped later.
            self.platforms.loop.call_later(result.seconds, self.close)
            return
        self.send(result, close=self.close_after)
        self.busy = False
        if self.buffer and self.transport is not None:
            self.next_request()

    def send(self, response: Response, *, close: bool) -> None:
        if self.transport is None:
            return  # the client went away (a kill, a timeout): the work is done, the answer is lost
        self.transport.write(response.encode(close=close))  # one write: no delayed-ACK wait
        if close:
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def parse_request(buffer: bytearray) -> Request | None:
    """Take one complete request off the front of ``buffer``; None while it is incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > 1 << 20:
            raise ValueError("request head too large")
        return None
    request_line, *header_lines = buffer[:end].decode("latin-1").split("\r\n")
    try:
        method, target, _ = request_line.split(" ", 2)
    except ValueError:
        raise ValueError("malformed request line") from None
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise ValueError("chunked request bodies are not supported by the fake")
    length = int(headers.get("content-length") or 0)
    if length > MAX_BODY:
        raise ValueError("request body too large")
    start = end + 4
    if len(buffer) < start + length:
        return None
    body = bytes(buffer[start : start + length])
    del buffer[: start + length]
    parts = urlsplit(target)
    return Request(method, parts.path, parse_qs(parts.query, keep_blank_values=True), headers, body)


async def serve(host: str, port: int, config: Config) -> None:
    loop = asyncio.get_running_loop()
    platforms = FakePlatforms(config, loop=loop)
    server = await loop.create_server(lambda: HttpConnection(platforms), host, port, backlog=4096)
    bound = server.sockets[0].getsockname()[1]
    print(json.dumps({"url": f"http://{host}:{bound}", "pid_ready": True}), flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    # Not ``async with server``: it would wait for idle keep-alive connections to be closed by their
    # clients; the process is ending.
    server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fake_platforms",
        description="A loopback fake of X, Facebook, Instagram, LinkedIn and YouTube publishing APIs. "
        'Prints {"url": ...} once listening; stops on SIGTERM.',
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--rate-5xx", type=float, default=0.0)
    parser.add_argument("--rate-timeout", type=float, default=0.0)
    parser.add_argument("--hold-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = Config(
        latency=args.latency_ms / 1000,
        rate_429=args.rate_429,
        rate_5xx=args.rate_5xx,
        rate_timeout=args.rate_timeout,
        hold_seconds=args.hold_seconds,
        seed=args.seed,
    )
    try:
        asyncio.run(serve(args.host, args.port, config))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
