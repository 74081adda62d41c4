"""The platforms, simulated once: what each one keeps (accounts, tokens, posts), how it answers the calls
the real clients make (the same paths, headers and bodies, errors in its own shape), what it tells
reconciliation, and the faults it can be made to show.

Two transports put it on the wire: ``bench/fake_platforms.py`` serves it on loopback from a process (or a
thread) of its own, and ``features/platforms.py`` answers ``requests`` calls with it through
``responses``. Plain Python with no dependency: the loopback process runs it without Django.

Simulating a new platform is one module here (a ``PlatformApi`` subclass) and one line in ``APIS``.
"""

from __future__ import annotations

from .bluesky import BlueskyApi
from .facebook import FacebookApi
from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .instagram import InstagramApi
from .linkedin import LinkedInApi
from .mastodon import MastodonApi
from .threads import ThreadsApi
from .twitter import Refresh
from .twitter import XApi
from .world import Account
from .world import Config
from .world import CreateCall
from .world import Fault
from .world import FetchedMedia
from .world import HoldCall
from .world import PlatformApi
from .world import Post
from .world import Refuse
from .world import World
from .youtube import YouTubeApi

# In routing order: Instagram last, its route for any Graph node comes after every other; Threads (its
# paths under /v1.0, a version Facebook's Graph API no longer has) before it.
APIS: tuple[type[PlatformApi], ...] = (
    XApi,
    LinkedInApi,
    YouTubeApi,
    MastodonApi,
    BlueskyApi,
    ThreadsApi,
    FacebookApi,
    InstagramApi,
)


def simulated_platforms(config: Config | None = None) -> World:
    return World(APIS, config)


__all__ = [
    "APIS",
    "Account",
    "Config",
    "CreateCall",
    "Fault",
    "FetchedMedia",
    "Hold",
    "HoldCall",
    "PlatformApi",
    "Post",
    "Refresh",
    "Refuse",
    "Request",
    "Response",
    "World",
    "json_response",
    "simulated_platforms",
]
