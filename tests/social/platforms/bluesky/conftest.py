"""Bluesky's tests: no real DNS (link cards resolve hosts through ``resolve_addresses``)."""

from __future__ import annotations

import pytest

from social.platforms.bluesky import linkcard


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
