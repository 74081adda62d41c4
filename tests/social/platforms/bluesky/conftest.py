"""Bluesky's tests: a client for a real account row, createRecord answered at the wire, and no real DNS
(link cards resolve hosts through ``resolve_addresses``)."""

from __future__ import annotations

import pytest

from social.models import Platform
from social.platforms.bluesky import linkcard
from social.platforms.bluesky.client import BlueskyClient

from ..helpers import with_headers
from .wire import CREATE
from .wire import DID
from .wire import Created


@pytest.fixture
def client(make_account, progress):
    return BlueskyClient(
        make_account(Platform.BLUESKY, external_id=DID, handle="acme.bsky.social"), on_progress=progress
    )


@pytest.fixture
def created(mocked, progress):
    answer = Created(progress)
    mocked.add_callback(
        "POST", CREATE, callback=answer, match=[with_headers({"Content-Type": "application/json"})]
    )
    return answer


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """No host resolves unless a test says so: a link card is never read from the real network."""

    def unresolvable(host: str, port: int) -> list[str]:
        raise OSError(f"no DNS in the tests ({host})")

    monkeypatch.setattr(linkcard, "resolve_addresses", unresolvable)


@pytest.fixture
def dns(monkeypatch):
    """Hosts resolve as the test maps them: ``dns["example.com"] = ["93.184.215.14"]``."""
    table: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"{host} is not in the test's DNS")
        return table[host]

    monkeypatch.setattr(linkcard, "resolve_addresses", resolve)
    return table
