"""The platforms as the scenarios meet them: the simulation the bench uses too (``bench.simulation``),
answering the product's ``requests`` calls at the wire through ``responses``.

Every request to a platform's host (each spec's ``<P>_API_URL``, ``<P>_UPLOAD_URL`` and ``<P>_TOKEN_URL``,
and the server of each connected account that has one of its own, Mastodon's) is handed to the simulation, which answers it as the platform does: the real paths, headers and bodies, the
platform's own error shapes; it keeps the posts it made, so reconciliation gets the truth, refuses a token
it does not know, and counts every call that asks it for a post, whatever it answered. A scenario scripts
what the next create calls meet (``answer_next``) or every one (``answer_every``). A request no platform
answers fails the scenario (``unexpected_requests``). ``loopback()`` serves the same simulation on a
loopback port, for a publisher running in another process.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import requests
import responses
from django.conf import settings

from bench.fake_platforms import LoopbackThread
from bench.simulation import Account
from bench.simulation import Config
from bench.simulation import CreateCall
from bench.simulation import Fault
from bench.simulation import Hold
from bench.simulation import Post
from bench.simulation import Request
from bench.simulation import World
from bench.simulation import simulated_platforms
from bench.simulation.mastodon import MastodonApi
from bench.simulation.twitter import XApi
from social.models import Platform
from social.models import SocialAccount
from social.platforms import platform_specs

# The name people use for each platform in the scenarios.
PLATFORM_NAMES = {
    "X": Platform.TWITTER,
    "Facebook": Platform.FACEBOOK,
    "Instagram": Platform.INSTAGRAM,
    "LinkedIn": Platform.LINKEDIN,
    "YouTube": Platform.YOUTUBE,
    "Mastodon": Platform.MASTODON,
    "Bluesky": Platform.BLUESKY,
    "Threads": Platform.THREADS,
}
# The settings naming hosts the product's server calls (not AUTHORIZE_URL: that is the browser's).
CALLED_URL_SETTINGS = ("API_URL", "UPLOAD_URL", "TOKEN_URL", "PDS_URL")


class SimulatedPlatforms:
    """Every platform on one ``responses`` mock, and what the scenarios ask of them."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.world = self.new_world()
        self.unanswered: list[str] = []
        self.origins: set[str] = set()
        for origin in sorted(_platform_origins()):
            self.serve(origin)

    def serve(self, origin: str) -> None:
        """Answer every request to ``origin`` (scheme and host) with the simulation."""
        if origin in self.origins:
            return
        self.origins.add(origin)
        for method in ("GET", "POST", "PUT"):
            self.mock.add_callback(method, re.compile(re.escape(origin) + r"(?:[/?].*)?$"), self._answer)

    def _answer(self, prepared: requests.PreparedRequest):
        parts = urlsplit(prepared.url)
        body = prepared.body or b""
        request = Request(
            method=prepared.method,
            base=f"{parts.scheme}://{parts.netloc}",
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in prepared.headers.items()},
            body=body.encode() if isinstance(body, str) else body,
        )
        latency = self.world.config.latency
        time.sleep(latency / 2)  # the platform does its work halfway through the latency
        result = self.world.handle(request)
        time.sleep(latency / 2)
        if result is None:
            self.unanswered.append(f"{prepared.method} {prepared.url}")
            return 404, {"Content-Type": "application/json"}, json.dumps({"error": "no such platform call"})
        if isinstance(result, Hold):
            raise requests.ReadTimeout(f"{parts.netloc} did not answer (read timeout)")
        return result.status, result.header_map(), result.body

    @staticmethod
    def new_world() -> World:
        # X refuses a text it already has, as the real X does.
        return simulated_platforms(Config(refuse_duplicate_text=True))

    @staticmethod
    def simulated_account(account: SocialAccount) -> Account:
        """The platform's side of a connected account: who it is and what its token may post as."""
        extra = account.extra or {}
        return Account(
            platform=account.platform,
            external_id=account.external_id,
            name=account.name,
            # X's and Threads' username, Bluesky's handle
            username=extra.get("username") or extra.get("handle", ""),
            author_urn=extra.get("author_urn", ""),
        )

    # --- accounts and media ------------------------------------------------------------------------
    def connect(self, account: SocialAccount) -> None:
        """The platform knows the account and its tokens, as connecting it by OAuth left them; an account
        on a server of its own (Mastodon) has that server answered too."""
        self.world.connect(self.simulated_account(account), account.access_token, account.refresh_token)
        server_url = (account.extra or {}).get("server_url")
        if server_url:
            parts = urlsplit(server_url)
            self.serve(f"{parts.scheme}://{parts.netloc}")

    def forget_token(self, account: SocialAccount) -> None:
        """The platform no longer accepts the account's current access token (expired or revoked)."""
        self.world.forget_token(account.access_token)

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
    def answer_next(self, name: str, *faults: Fault) -> None:
        self.world.answer_next(PLATFORM_NAMES[name], *faults)

    def answer_every(self, name: str, fault: Fault) -> None:
        self.world.answer_every(PLATFORM_NAMES[name], fault)

    @property
    def latency(self) -> float:
        return self.world.config.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.world.configure({"latency": seconds})

    @property
    def mastodon(self) -> MastodonApi:
        """The simulated Mastodon servers: their registered apps, media and what their lists show."""
        return self.world.apis[Platform.MASTODON]

    @property
    def token_endpoint(self) -> XApi:
        """X's OAuth token endpoint: its refreshes, the tokens it issued, whether it refuses every grant."""
        return self.world.apis[Platform.TWITTER]

    @contextmanager
    def loopback(self) -> Iterator[str]:
        """These platforms on a loopback port too (its URL), for a publisher in another process."""
        with LoopbackThread(self.world) as server:
            yield server.url

    # --- what happened -----------------------------------------------------------------------------
    @property
    def received(self) -> list[CreateCall]:
        """Every call that asked a platform for a post, in order."""
        return list(self.world.calls)

    def received_by(
        self, *, platform: str | None = None, account: str | None = None, text: str | None = None
    ) -> list[CreateCall]:
        return [
            call
            for call in self.received
            if (platform is None or call.platform == PLATFORM_NAMES[platform])
            and (account is None or call.sender == account)
            and (text is None or call.text == text)
        ]

    def posts_made(self, *, platform: str, account: str | None = None) -> list[Post]:
        return [
            post
            for post in self.world.made
            if post.platform == PLATFORM_NAMES[platform] and (account is None or post.account.name == account)
        ]

    def unexpected_requests(self) -> list[str]:
        """Requests no platform answers: the product called something no real platform offers."""
        refused = [
            f"{call.request.method} {call.request.url}"
            for call in self.mock.calls
            if isinstance(call.response, Exception) and not isinstance(call.response, requests.ReadTimeout)
        ]
        return refused + self.unanswered


def _platform_origins() -> set[str]:
    """Scheme and host of every URL setting the product's server calls, for every platform."""
    origins = set()
    for spec in platform_specs():
        for setting in spec.settings:
            if setting.suffix in CALLED_URL_SETTINGS:
                parts = urlsplit(getattr(settings, spec.setting_name(setting.suffix)))
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins
