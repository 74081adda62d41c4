"""The simulated platforms' shared state and rules: accounts and their tokens, the posts each platform made,
every call that asked for a post, and the faults that answer some of them.

One ``World`` holds every platform; each platform (``PlatformApi`` subclasses in this package) answers its
own routes through it. A world is used from several threads (the publisher's, a loopback server's), so
every entry point takes its lock; handlers run under it and never wait.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections import deque
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import fields
from typing import Any
from typing import ClassVar

from .http import Hold
from .http import Request
from .http import Response

RATE_LIMIT = "429"
SERVER_ERROR = "5xx"
TIMEOUT = "timeout"


@dataclass
class Config:
    """What the platforms do besides answering right; the bench changes it at run time."""

    latency: float = 0.0  # seconds per platform call (the transport waits it)
    rate_429: float = 0.0  # share of create calls answered with the platform's rate-limit error
    rate_5xx: float = 0.0  # share answered with a 5xx, nothing created
    rate_timeout: float = 0.0  # share whose answer is held for hold_seconds, then the connection closed
    hold_seconds: float = 5.0  # longer than the client's read timeout
    timeout_creates: float = 0.5  # share of the timed-out calls that did create the post
    retry_after_seconds: float = 1.0  # what a rate-limit answer asks the client to wait
    seed: int = 0
    # X refuses the same text twice from one account (403), as the real X does. Off in the bench, so a
    # post sent twice shows up in the counts instead of being hidden by the refusal.
    refuse_duplicate_text: bool = False
    # Instagram and Facebook fetch each media URL they are given, as Meta does, and refuse what does not
    # answer with a file. Off in the bench (its media URLs point nowhere); the scenarios with a live site
    # turn it on. The fetch happens while the world's lock is held: only the site being fetched may answer.
    fetch_media: bool = False


@dataclass(frozen=True)
class Account:
    platform: str  # "TWITTER", "FACEBOOK", ...
    external_id: str
    name: str = ""  # how people call it; the external id when not given
    username: str = ""  # X: the handle in post links
    author_urn: str = ""  # LinkedIn: the author its token may post as

    @property
    def label(self) -> str:
        return self.name or self.external_id


@dataclass(frozen=True)
class Post:
    platform: str
    account: Account
    text: str
    id: str
    url: str
    created: float


@dataclass(frozen=True)
class CreateCall:
    """One call that asked a platform for a post, as it arrived: answered, refused or held."""

    platform: str
    sender: str  # the name of the account whose token it carried (even a forgotten one), "?" if none
    text: str
    token: str
    accepted: bool  # the token was one the platform accepts


@dataclass(frozen=True)
class Refuse:
    """Answer a create call with ``reply(api)`` (an error in the platform's shape) instead of making it."""

    reply: Callable[[PlatformApi], Response]


@dataclass(frozen=True)
class HoldCall:
    """The create call reaches the platform, which makes the post (or not) and never answers."""

    seconds: float
    creates: bool


@dataclass(frozen=True)
class FetchedMedia:
    """A media URL a platform fetched: what came back (status 0: no answer at all)."""

    url: str
    status: int
    content_type: str = ""
    size: int = 0
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.size > 0


Fault = Refuse | HoldCall
Handler = Callable[[Request, re.Match[str]], Response | Hold]
Route = tuple[str, re.Pattern[str], str, Handler]


class PlatformApi:
    """One platform's API: its routes, its error shapes, and how it makes a post."""

    platform: ClassVar[str]
    name: ClassVar[str]

    def __init__(self, world: World) -> None:
        self.world = world
        self.reset()

    # --- what each platform defines ------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the platform's own state (containers, upload sessions...)."""

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def error(self, status: int, words: str, **details: Any) -> Response:
        """An error in the platform's own JSON shape."""
        raise NotImplementedError

    def unauthorized(self) -> Response:
        raise NotImplementedError

    def rate_limited(self, seconds: float) -> Response:
        """A refusal saying, the platform's way, to come back in ``seconds``."""
        raise NotImplementedError

    def server_error(self) -> Response:
        raise NotImplementedError

    def post_url(self, account: Account, post_id: str) -> str:
        raise NotImplementedError

    # --- shared steps ------------------------------------------------------------------------------
    def account(self, request: Request, external_id: str | None = None) -> Account | None:
        """The account whose accepted token the request carries, if it is this platform's (and owns the
        node ``external_id``)."""
        account = self.world.tokens.get(request.bearer)
        if account is None or account.platform != self.platform:
            return None
        if external_id is not None and account.external_id != external_id:
            return None
        return account

    def create(
        self, request: Request, account: Account, text: str, make: Callable[[], Response]
    ) -> Response | Hold:
        """A create call from ``account``: counted, then faulted or made (``make`` makes the post)."""
        return self.world.create(self, request, account, text, make)

    def refuse_unauthorized(self, request: Request, text: str) -> Response:
        """A create call with a token this platform does not accept: counted, and refused."""
        self.world.record_call(self.platform, request.bearer, None, text)
        return self.unauthorized()

    def refuse_duplicate(self, reply: Response) -> Response:
        """Inside ``make``: the platform refuses the post because the account already has it."""
        self.world.duplicate_refusals += 1
        return reply

    def next_id(self) -> int:
        return next(self.world.ids)


class World:
    """Every simulated platform, their accounts, posts, calls and faults."""

    def __init__(self, apis: Iterable[type[PlatformApi]], config: Config | None = None) -> None:
        self._lock = threading.RLock()
        self.config = config or Config()
        self.apis: dict[str, PlatformApi] = {}
        self.reset()
        self.apis = {api.platform: api(self) for api in apis}
        self.routes = [route for api in self.apis.values() for route in api.routes()]

    def reset(self) -> None:
        """Forget every account, post, call and count (the config stays)."""
        with self._lock:
            self.rng = random.Random(self.config.seed)
            self.tokens: dict[str, Account] = {}  # accepted access tokens
            self.token_owners: dict[str, Account] = {}  # every access token ever issued
            self.refresh_tokens: dict[str, Account] = {}  # unspent refresh tokens
            self.accounts_by_id: dict[tuple[str, str], Account] = {}
            self.made: list[Post] = []  # every post, oldest first
            self.posts: dict[tuple[str, str], list[Post]] = {}  # by (platform, external id), oldest first
            self.calls: list[CreateCall] = []
            self.counts: dict[tuple[str, str, str], list[int]] = {}  # [create requests, posts created]
            self.post_ids: dict[tuple[str, str, str], list[str]] = {}
            self.next_faults: dict[str, deque[Fault]] = {}
            self.every_fault: dict[str, Fault] = {}
            self.route_calls: Counter[str] = Counter()
            self.statuses: Counter[int] = Counter()
            self.faults: Counter[str] = Counter()
            self.duplicate_refusals = 0
            self.fetched: list[FetchedMedia] = []
            self.ids = itertools.count(1)
            for api in self.apis.values():
                api.reset()

    def configure(self, values: dict[str, Any]) -> None:
        known = {f.name for f in fields(Config)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        with self._lock:
            for name, value in values.items():
                setattr(self.config, name, type(getattr(self.config, name))(value))
            if "seed" in values:
                self.rng = random.Random(self.config.seed)

    # --- accounts ------------------------------------------------------------------------------------
    def connect(self, account: Account, token: str, refresh_token: str = "") -> None:
        """``token`` (and ``refresh_token``) now belong to ``account``, as a connect or a refresh leaves them."""
        with self._lock:
            self.tokens[token] = account
            self.token_owners[token] = account
            self.accounts_by_id[(account.platform, account.external_id)] = account
            if refresh_token:
                self.refresh_tokens[refresh_token] = account

    def forget_token(self, token: str) -> None:
        """The platform no longer accepts ``token`` (expired or revoked)."""
        with self._lock:
            self.tokens.pop(token, None)

    def spend_refresh_token(self, refresh_token: str) -> Account | None:
        with self._lock:
            return self.refresh_tokens.pop(refresh_token, None)

    # --- scripting ---------------------------------------------------------------------------------
    def answer_next(self, platform: str, *faults: Fault) -> None:
        """The next create calls to ``platform`` meet these faults, in order."""
        with self._lock:
            self.next_faults.setdefault(platform, deque()).extend(faults)

    def answer_every(self, platform: str, fault: Fault) -> None:
        with self._lock:
            self.every_fault[platform] = fault

    # --- answering ---------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response | Hold | None:
        """The platforms' answer to ``request``; None when no platform has such a route."""
        with self._lock:
            for method, pattern, label, handler in self.routes:
                if method == request.method and (match := pattern.fullmatch(request.path)):
                    self.route_calls[label] += 1
                    result = handler(request, match)
                    if isinstance(result, Response):
                        self.statuses[result.status] += 1
                    return result
        return None

    def create(
        self, api: PlatformApi, request: Request, account: Account, text: str, make: Callable[[], Response]
    ) -> Response | Hold:
        with self._lock:
            self.record_call(api.platform, request.bearer, account, text)
            fault = self._take_fault(api.platform)
            if isinstance(fault, Refuse):
                return fault.reply(api)
            if isinstance(fault, HoldCall):
                if fault.creates:
                    make()
                    self.faults["timeout_created"] += 1
                return Hold(fault.seconds)
            return make()

    def _take_fault(self, platform: str) -> Fault | None:
        """A scripted fault first; else one drawn at the configured rates."""
        scripted = self.next_faults.get(platform)
        if scripted:
            return scripted.popleft()
        if platform in self.every_fault:
            return self.every_fault[platform]
        config, draw = self.config, self.rng.random()
        for kind, rate in ((RATE_LIMIT, config.rate_429), (SERVER_ERROR, config.rate_5xx)):
            if draw < rate:
                self.faults[kind] += 1
                if kind == RATE_LIMIT:
                    return Refuse(lambda api: api.rate_limited(self.config.retry_after_seconds))
                return Refuse(lambda api: api.server_error())
            draw -= rate
        if draw < config.rate_timeout:
            self.faults[TIMEOUT] += 1
            return HoldCall(config.hold_seconds, creates=self.rng.random() < config.timeout_creates)
        return None

    def fetch_media(self, url: str) -> FetchedMedia:
        """GET ``url`` as Meta's fetcher does (no credentials, redirects followed), read to the end."""
        digest, size, status, content_type = hashlib.sha256(), 0, 0, ""
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310  (http(s) from the client)
                status, content_type = answer.status, answer.headers.get("Content-Type", "")
                while block := answer.read(64 * 1024):
                    digest.update(block)
                    size += len(block)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError):
            status = 0
        fetched = FetchedMedia(url, status, content_type, size, digest.hexdigest() if size else "")
        with self._lock:
            self.fetched.append(fetched)
        return fetched

    # --- what happened -----------------------------------------------------------------------------
    def record_call(self, platform: str, token: str, account: Account | None, text: str) -> None:
        with self._lock:
            sender = account or self.token_owners.get(token)
            self.calls.append(
                CreateCall(platform, sender.label if sender else "?", text, token, account is not None)
            )
            if account is not None:
                self.counts.setdefault((platform, account.external_id, text), [0, 0])[0] += 1

    def make_post(self, api: PlatformApi, account: Account, text: str, post_id: str, url: str = "") -> Post:
        with self._lock:
            post = Post(
                api.platform, account, text, post_id, url or api.post_url(account, post_id), time.time()
            )
            self.made.append(post)
            self.posts.setdefault((api.platform, account.external_id), []).append(post)
            key = (api.platform, account.external_id, text)
            self.counts.setdefault(key, [0, 0])[1] += 1
            self.post_ids.setdefault(key, []).append(post_id)
            return post

    def posts_of(self, platform: str, external_id: str) -> list[Post]:
        with self._lock:
            return list(self.posts.get((platform, external_id), []))

    def existing_post(self, account: Account, text: str) -> Post | None:
        """The account's newest post with this text."""
        with self._lock:
            for post in reversed(self.posts.get((account.platform, account.external_id), [])):
                if post.text == text:
                    return post
        return None

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "config": asdict(self.config),
                "calls": dict(self.route_calls),
                "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
                "faults": dict(self.faults),
                "create_requests": sum(count[0] for count in self.counts.values()),
                "posts_created": sum(count[1] for count in self.counts.values()),
                "duplicates": sum(1 for count in self.counts.values() if count[1] > 1),
                "duplicate_refusals": self.duplicate_refusals,
            }

    def creates(self) -> list[list[Any]]:
        """Per (platform, external id, text): the create requests received, the posts made, their ids."""
        with self._lock:
            return [
                [*key, requests, created, list(self.post_ids.get(key, []))]
                for key, (requests, created) in self.counts.items()
            ]
