"""The five platforms as the scenarios meet them: their real HTTP APIs, answered at the wire with ``responses``.

Each simulated platform behaves like the real one on the calls the product makes (the URLs, headers and
bodies of ``social/platforms`` and of X's token endpoint, built from the settings): it keeps the posts it made,
so the product's reconciliation gets the truth; it refuses a token it does not know; it counts every call
that asks it to create a post, whatever it answered. A scenario scripts what the next calls answer
(``answer_next``) or every call (``answer_every``). Every request the product sends must match a platform:
anything else fails the scenario (see ``unexpected_requests``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from django.conf import settings

from social.models import Platform, SocialAccount

# The name people use for each platform in the scenarios.
PLATFORM_NAMES = {
    "X": Platform.TWITTER,
    "Facebook": Platform.FACEBOOK,
    "Instagram": Platform.INSTAGRAM,
    "LinkedIn": Platform.LINKEDIN,
    "YouTube": Platform.YOUTUBE,
}

Reply = tuple[int, dict[str, str], str]


@dataclass(frozen=True)
class Received:
    """One call asking a platform to create a post, as it arrived (answered or not)."""

    platform: str
    account: str
    text: str
    token: str


@dataclass(frozen=True)
class MadePost:
    platform: str
    account: str
    text: str
    post_id: str
    url: str
    created_at: datetime


@dataclass(frozen=True)
class Refresh:
    """One refresh at a token endpoint."""

    refresh_token: str
    client_authenticated: bool


@dataclass
class _Request:
    method: str
    url: str
    path: str
    query: dict[str, str]
    headers: Any
    body: bytes

    @property
    def token(self) -> str:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        return value if scheme == "Bearer" else ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass(frozen=True)
class PlannedAnswer:
    """What a platform answers a create call instead of making the post (an error in its own shape)."""

    reply: Callable[[SimulatedPlatform], Reply]


class SimulatedPlatform:
    """What every platform shares: accounts by token, planned answers, the posts made, the calls received."""

    name: str
    platform: str

    def __init__(self, world: SimulatedPlatforms) -> None:
        self.world = world
        self.next_answers: deque[PlannedAnswer] = deque()
        self.every_answer: PlannedAnswer | None = None

    # --- what each platform defines ------------------------------------------------------------------
    def register(self) -> None:
        """Route the platform's own host (Facebook and Instagram share one router: ``SimulatedPlatforms``)."""

    def error(self, status: int, words: str, **kwargs: Any) -> Reply:
        """An error in the platform's own JSON shape."""
        raise NotImplementedError

    def rate_limited(self, seconds: int) -> Reply:
        """A refusal saying, the platform's way, to come back in ``seconds``."""
        raise NotImplementedError

    def new_id(self) -> str:
        raise NotImplementedError

    def post_url(self, account: SocialAccount, post_id: str) -> str:
        raise NotImplementedError

    # --- shared behaviour --------------------------------------------------------------------------
    @property
    def mock(self) -> responses.RequestsMock:
        return self.world.mock

    def route(self, method: str, base: str, handler: Callable[[_Request], Reply]) -> None:
        """Answer every ``method`` request under ``base`` with ``handler``."""

        def callback(prepared):
            parts = urlsplit(prepared.url)
            body = prepared.body or b""
            request = _Request(
                method=prepared.method,
                url=prepared.url,
                path=parts.path,
                query={key: values[0] for key, values in parse_qs(parts.query).items()},
                headers=prepared.headers,
                body=body.encode() if isinstance(body, str) else body,
            )
            return handler(request)

        self.mock.add_callback(
            method, re.compile(re.escape(base.rstrip("/")) + r"(?:/[^?]*)?(?:\?.*)?$"), callback=callback
        )

    def account_for(self, request: _Request) -> SocialAccount | None:
        """The account whose valid token the request carries, on this platform."""
        account = self.world.valid_tokens.get(request.token)
        return account if account is not None and account.platform == self.platform else None

    def unauthorized(self) -> Reply:
        return self.error(401, "Unauthorized: the access token is invalid or expired")

    def create(self, request: _Request, account: SocialAccount | None, text: str) -> tuple[Reply | None, str]:
        """Count a create call; return a refusal (planned, or for a bad token), or None and the new post's id."""
        self.world.wait_latency()
        self.world.record(Received(self.name, self.world.sender(request.token), text, request.token))
        if account is None:
            return self.unauthorized(), ""
        planned = self.world.take_answer(self)
        if planned is not None:
            return planned.reply(self), ""
        return None, self.world.make_post(self, account, text).post_id


class XApi(SimulatedPlatform):
    name = "X"
    platform = Platform.TWITTER
    _ids = itertools.count(1880000000000000001)

    def register(self) -> None:
        base = settings.TWITTER_API_URL.rstrip("/")
        self.route("POST", f"{base}/2/tweets", self._create)
        self.route("GET", f"{base}/2/users", self._list)
        self.route("POST", settings.TWITTER_TOKEN_URL, self._token)

    def new_id(self) -> str:
        return str(next(self._ids))

    def post_url(self, account: SocialAccount, post_id: str) -> str:
        return f"https://x.com/{account.extra.get('username', 'i')}/status/{post_id}"

    def error(self, status: int, words: str, **headers: str) -> Reply:
        body = {"title": words.split(":")[0], "detail": words, "type": "about:blank", "status": status}
        return status, {"Content-Type": "application/problem+json", **headers}, json.dumps(body)

    def rate_limited(self, seconds: int) -> Reply:
        reset = int(time.time()) + seconds
        return self.error(
            429,
            "Too Many Requests",
            **{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
        )

    def _create(self, request: _Request) -> Reply:
        text = (request.json() or {}).get("text", "")
        account = self.account_for(request)
        if account is not None and self.world.has_post(self, account, text):
            self.world.record(Received(self.name, account.name, text, request.token))
            return self.error(403, "You are not allowed to create a Tweet with duplicate content.")
        reply, post_id = self.create(request, account, text)
        if reply is not None:
            return reply
        return 201, {"Content-Type": "application/json"}, json.dumps({"data": {"id": post_id, "text": text}})

    def _list(self, request: _Request) -> Reply:
        """GET /2/users/:id/tweets: the account's posts since ``start_time``, newest first."""
        match = re.fullmatch(r".*/2/users/([^/]+)/tweets", request.path)
        account = self.account_for(request)
        if match is None or account is None or account.external_id != match.group(1):
            return self.unauthorized() if account is None else self.error(404, "Not Found")
        since = datetime.strptime(request.query["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        posts = [
            {"id": post.post_id, "text": post.text, "created_at": post.created_at.isoformat()}
            for post in reversed(self.world.posts_of(self, account))
            if post.created_at >= since
        ]
        body: dict[str, Any] = {"meta": {"result_count": len(posts)}}
        if posts:
            body["data"] = posts
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _token(self, request: _Request) -> Reply:
        return self.world.token_endpoint.answer(request)


class GraphApi(SimulatedPlatform):
    """What Facebook Pages and Instagram share: Meta's Graph host and its error shape."""

    def error(self, status: int, words: str, *, code: int = 100, **headers: str) -> Reply:
        error: dict[str, Any] = {
            "message": words,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "Ab1",
        }
        if status == 401:  # Meta answers a bad token with 400 and code 190
            status, error["code"] = 400, 190
        elif status >= 500:
            error.update(code=2, is_transient=True)
        return status, {"Content-Type": "application/json", **headers}, json.dumps({"error": error})

    def rate_limited(self, seconds: int) -> Reply:
        usage = json.dumps({"call_count": 100, "estimated_time_to_regain_access": seconds // 60})
        return self.error(400, "(#32) Page request limit reached", code=32, **{"X-Page-Usage": usage})

    def owner(self, request: _Request) -> SocialAccount | None:
        """The account of the token, if it is the Page or Instagram user the path names."""
        account = self.account_for(request)
        return account if account is not None and account.external_id == _graph_node(request) else None

    def handles(self, request: _Request) -> bool:
        raise NotImplementedError

    def handle(self, request: _Request) -> Reply:
        raise NotImplementedError


class FacebookApi(GraphApi):
    name = "Facebook"
    platform = Platform.FACEBOOK
    _ids = itertools.count(900000000000001)

    def new_id(self) -> str:
        return str(next(self._ids))

    def post_url(self, account: SocialAccount, post_id: str) -> str:
        return f"https://www.facebook.com/{post_id}"

    def handles(self, request: _Request) -> bool:
        return request.path.endswith(("/feed", "/photos", "/published_posts"))

    def handle(self, request: _Request) -> Reply:
        account = self.owner(request)
        if request.method == "POST" and request.path.endswith("/feed"):
            reply, post_id = self.create(request, account, request.form().get("message", ""))
            return reply or (200, {"Content-Type": "application/json"}, json.dumps({"id": post_id}))
        if request.method == "GET" and request.path.endswith("/published_posts"):
            if account is None:
                return self.unauthorized()
            since = datetime.fromtimestamp(int(request.query["since"]), tz=UTC)
            posts = [
                {"id": post.post_id, "message": post.text, "created_time": post.created_at.isoformat()}
                for post in reversed(self.world.posts_of(self, account))
                if post.created_at >= since
            ]
            return 200, {"Content-Type": "application/json"}, json.dumps({"data": posts})
        return self.error(400, f"Unsupported request {request.method} {request.path}")


class InstagramApi(GraphApi):
    """A container per post (Meta fetches its media), then ``media_publish`` makes the post."""

    name = "Instagram"
    platform = Platform.INSTAGRAM
    _ids = itertools.count(17900000000000001)

    def __init__(self, world: SimulatedPlatforms) -> None:
        super().__init__(world)
        self.containers: dict[str, dict[str, Any]] = {}

    def new_id(self) -> str:
        return str(next(self._ids))

    def post_url(self, account: SocialAccount, post_id: str) -> str:
        return f"https://www.instagram.com/p/{post_id}/"

    def handles(self, request: _Request) -> bool:
        node = _graph_node(request)
        return (
            request.path.endswith(("/media", "/media_publish"))
            or node in self.containers
            or any(post.post_id == node for post in self.world.posts_on(self))
        )

    def handle(self, request: _Request) -> Reply:
        account, node = self.owner(request), _graph_node(request)
        if request.method == "POST" and request.path.endswith("/media"):
            if account is None:
                return self.unauthorized()
            form = request.form()
            container = self.new_id()
            media = form.get("image_url") or form.get("video_url")
            self.containers[container] = {
                "account": account,
                "caption": form.get("caption", ""),
                "status_code": "FINISHED" if media else "ERROR",
            }
            return 200, {"Content-Type": "application/json"}, json.dumps({"id": container})
        if request.method == "POST" and request.path.endswith("/media_publish"):
            container = self.containers.get(request.form().get("creation_id", ""))
            if container is not None and container["account"] != account:
                container = None
            reply, post_id = self.create(request, account, container["caption"] if container else "")
            if reply is None and container is not None:
                container["status_code"] = "PUBLISHED"
            return reply or (200, {"Content-Type": "application/json"}, json.dumps({"id": post_id}))
        if request.method == "GET" and node in self.containers:
            answer = {"id": node, "status_code": self.containers[node]["status_code"]}
            return 200, {"Content-Type": "application/json"}, json.dumps(answer)
        for post in self.world.posts_on(self):
            if post.post_id == node:
                answer = {"id": node, "permalink": post.url}
                return 200, {"Content-Type": "application/json"}, json.dumps(answer)
        return self.error(400, f"Unsupported request {request.method} {request.path}")


def _graph_node(request: _Request) -> str:
    """The node a Graph API path names: /v25.0/{node}/edge."""
    parts = request.path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else ""


class LinkedInApi(SimulatedPlatform):
    name = "LinkedIn"
    platform = Platform.LINKEDIN
    _ids = itertools.count(7300000000000000001)

    def register(self) -> None:
        self.route("POST", f"{settings.LINKEDIN_API_URL.rstrip('/')}/rest/posts", self._create)

    def new_id(self) -> str:
        return f"urn:li:share:{next(self._ids)}"

    def post_url(self, account: SocialAccount, post_id: str) -> str:
        return f"https://www.linkedin.com/feed/update/{post_id}/"

    def error(self, status: int, words: str, **headers: str) -> Reply:
        return (
            status,
            {"Content-Type": "application/json", **headers},
            json.dumps({"message": words, "status": status}),
        )

    def rate_limited(self, seconds: int) -> Reply:
        return self.error(
            429,
            "Resource level throttle limit for calls to this resource is reached.",
            **{"Retry-After": str(seconds)},
        )

    def _create(self, request: _Request) -> Reply:
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0" or not request.headers.get(
            "LinkedIn-Version"
        ):
            return self.error(400, "Missing the LinkedIn-Version or X-Restli-Protocol-Version header")
        body = request.json() or {}
        account = self.account_for(request)
        if account is not None and body.get("author") != account.extra.get("author_urn"):
            account = None
        text = body.get("commentary", "")
        if account is not None:
            existing = next((post for post in self.world.posts_of(self, account) if post.text == text), None)
            if existing is not None:
                # LinkedIn refuses identical commentary and names the post that has it.
                self.world.record(Received(self.name, account.name, text, request.token))
                words = f"Content is a duplicate of {existing.post_id}"
                reply = {
                    "message": words,
                    "status": 422,
                    "errorDetails": {"inputErrors": [{"code": "DUPLICATE_POST"}]},
                }
                return 422, {"Content-Type": "application/json"}, json.dumps(reply)
        reply, post_id = self.create(request, account, text)
        if reply is not None:
            return reply
        return 201, {"x-restli-id": post_id}, ""


class YouTubeApi(SimulatedPlatform):
    """A resumable upload: start a session, PUT the bytes; the last byte makes the video."""

    name = "YouTube"
    platform = Platform.YOUTUBE
    _ids = itertools.count(1)

    def __init__(self, world: SimulatedPlatforms) -> None:
        super().__init__(world)
        self.sessions: dict[str, dict[str, Any]] = {}

    def register(self) -> None:
        videos = f"{settings.YOUTUBE_UPLOAD_URL.rstrip('/')}/youtube/v3/videos"
        self.route("POST", videos, self._start)
        self.route("PUT", videos, self._put)

    def new_id(self) -> str:
        return f"vid{next(self._ids):08d}"

    def post_url(self, account: SocialAccount, post_id: str) -> str:
        return f"https://www.youtube.com/watch?v={post_id}"

    def error(self, status: int, words: str, **headers: str) -> Reply:
        body = {
            "error": {
                "code": status,
                "message": words,
                "errors": [{"message": words, "reason": "backendError"}],
            }
        }
        return status, {"Content-Type": "application/json", **headers}, json.dumps(body)

    def _start(self, request: _Request) -> Reply:
        account = self.account_for(request)
        if account is None:
            return self.unauthorized()
        session = f"s{len(self.sessions) + 1}"
        self.sessions[session] = {"account": account, "description": request.json()["snippet"]["description"]}
        location = f"{request.url.split('?')[0]}?uploadType=resumable&upload_id={session}"
        return 200, {"Location": location}, ""

    def _put(self, request: _Request) -> Reply:
        session = self.sessions.get(request.query.get("upload_id", ""))
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("Content-Range", ""))
        if session is None or match is None:
            return self.error(400, "Unknown upload session or Content-Range")
        if int(match.group(2)) + 1 < int(match.group(3)):
            return 308, {"Range": f"bytes=0-{match.group(2)}"}, ""
        reply, post_id = self.create(request, self.account_for(request), session["description"])
        if reply is not None:
            return reply
        return 200, {"Content-Type": "application/json"}, json.dumps({"id": post_id, "kind": "youtube#video"})


class TokenEndpoint:
    """X's OAuth token endpoint: spends a refresh token once and issues new tokens, or refuses the grant."""

    def __init__(self, world: SimulatedPlatforms) -> None:
        self.world = world
        self.refreshes: list[Refresh] = []
        self.issued: list[tuple[str, str]] = []
        self.revoked = False
        self._numbers = itertools.count(2)

    def answer(self, request: _Request) -> Reply:
        form = request.form()
        authenticated = request.headers.get("Authorization", "").startswith("Basic ")
        self.refreshes.append(Refresh(form.get("refresh_token", ""), authenticated))
        account = self.world.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if self.revoked or account is None or form.get("grant_type") != "refresh_token":
            body = {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            }
            return 400, {"Content-Type": "application/json"}, json.dumps(body)
        number = next(self._numbers)
        access, refresh = (
            f"x-access-{number}-{account.external_id}",
            f"x-refresh-{number}-{account.external_id}",
        )
        self.issued.append((access, refresh))
        self.world.valid_tokens[access] = account
        self.world.token_owners[access] = account
        self.world.refresh_tokens[refresh] = account
        body = {"token_type": "bearer", "access_token": access, "refresh_token": refresh, "expires_in": 7200}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)


@dataclass
class SimulatedPlatforms:
    """All five platforms and the media host, on one ``responses`` mock."""

    mock: responses.RequestsMock
    latency: float = 0.0
    received: list[Received] = field(default_factory=list)
    made: list[MadePost] = field(default_factory=list)
    valid_tokens: dict[str, SocialAccount] = field(default_factory=dict)
    refresh_tokens: dict[str, SocialAccount] = field(default_factory=dict)
    token_owners: dict[str, SocialAccount] = field(default_factory=dict)  # every token ever issued

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self.token_endpoint = TokenEndpoint(self)
        self.apis: dict[str, SimulatedPlatform] = {
            api.name: api
            for api in (
                XApi(self),
                FacebookApi(self),
                InstagramApi(self),
                LinkedInApi(self),
                YouTubeApi(self),
            )
        }
        for api in self.apis.values():
            api.register()
        graph = f"{settings.FACEBOOK_API_URL.rstrip('/')}/{settings.FACEBOOK_API_VERSION}"
        for method in ("GET", "POST"):
            self.apis["Facebook"].route(method, graph, self._graph)

    def _graph(self, request: _Request) -> Reply:
        """Facebook and Instagram share Meta's Graph host: each answers the paths that are its own."""
        for name in ("Instagram", "Facebook"):
            api = self.apis[name]
            if isinstance(api, GraphApi) and api.handles(request):
                return api.handle(request)
        return self.apis["Facebook"].error(400, f"Unsupported request {request.method} {request.path}")

    # --- accounts and media ------------------------------------------------------------------------
    def connect(self, account: SocialAccount) -> None:
        with self._lock:
            self.valid_tokens[account.access_token] = account
            self.token_owners[account.access_token] = account
            if account.refresh_token:
                self.refresh_tokens[account.refresh_token] = account

    def forget_token(self, account: SocialAccount) -> None:
        """The platform no longer accepts the account's current access token (expired or revoked)."""
        with self._lock:
            self.valid_tokens.pop(account.access_token, None)

    def serve_media(self, url: str, content_type: str, size: int = 4096) -> None:
        """A public media file the platforms (or the clients) download."""
        body = bytes(range(256)) * (size // 256)
        self.mock.add(
            responses.GET,
            url,
            body=body,
            headers={"Content-Type": content_type, "Content-Length": str(len(body))},
        )

    # --- scripting ---------------------------------------------------------------------------------
    def answer_next(self, name: str, *answers: PlannedAnswer) -> None:
        with self._lock:
            self.apis[name].next_answers.extend(answers)

    def answer_every(self, name: str, answer: PlannedAnswer) -> None:
        self.apis[name].every_answer = answer

    def take_answer(self, api: SimulatedPlatform) -> PlannedAnswer | None:
        with self._lock:
            if api.next_answers:
                return api.next_answers.popleft()
            return api.every_answer

    def wait_latency(self) -> None:
        if self.latency:
            time.sleep(self.latency)

    def take_call_without_answering(self, name: str, token: str, text: str, *, makes_post: bool) -> None:
        """A create call that reached the platform by another way (a loopback server) and gets no answer."""
        with self._lock:
            account = self.valid_tokens.get(token)
            self.received.append(Received(name, self.sender(token), text, token))
            if makes_post and account is not None:
                self.make_post(self.apis[name], account, text)

    # --- what happened -----------------------------------------------------------------------------
    def sender(self, token: str) -> str:
        """Whose token a call carried, valid or not ("?" for one no account ever had)."""
        owner = self.token_owners.get(token)
        return owner.name if owner is not None else "?"

    def record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def make_post(self, api: SimulatedPlatform, account: SocialAccount, text: str) -> MadePost:
        with self._lock:
            post_id = api.new_id()
            post = MadePost(
                api.name, account.name, text, post_id, api.post_url(account, post_id), datetime.now(UTC)
            )
            self.made.append(post)
            return post

    def posts_of(self, api: SimulatedPlatform, account: SocialAccount) -> list[MadePost]:
        with self._lock:
            return [post for post in self.made if post.platform == api.name and post.account == account.name]

    def posts_on(self, api: SimulatedPlatform) -> list[MadePost]:
        with self._lock:
            return [post for post in self.made if post.platform == api.name]

    def has_post(self, api: SimulatedPlatform, account: SocialAccount, text: str) -> bool:
        return any(post.text == text for post in self.posts_of(api, account))

    def received_by(
        self, *, platform: str | None = None, account: str | None = None, text: str | None = None
    ) -> list[Received]:
        with self._lock:
            return [
                call
                for call in self.received
                if (platform is None or call.platform == platform)
                and (account is None or call.account == account)
                and (text is None or call.text == text)
            ]

    def unexpected_requests(self) -> list[str]:
        """Requests that matched no platform: the product called something no real platform offers."""
        return [
            f"{call.request.method} {call.request.url}"
            for call in self.mock.calls
            if isinstance(call.response, Exception)
        ]
