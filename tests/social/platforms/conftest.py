"""Fixtures for the platform client tests: real account rows, the wire mocked with `responses`."""

from __future__ import annotations

import logging
import math

import pytest
import responses

from social.models import SocialAccount

from .helpers import REFRESH_TOKEN
from .helpers import TOKEN
from .helpers import Progress


@pytest.fixture
def mocked():
    """The wire, mocked: every registered response must be requested, every request must carry a
    finite (connect, read) timeout."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as wire:
        yield wire
        for call in wire.calls:
            timeout = call.request.req_kwargs.get("timeout")
            assert isinstance(timeout, tuple) and len(timeout) == 2, (
                f"{call.request.url} had timeout={timeout!r}"
            )
            assert all(0 < part < math.inf for part in timeout), f"{call.request.url} had timeout={timeout!r}"


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog):
    """Whatever a client logs, at any level, never holds a token."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="social")
    yield
    assert TOKEN not in caplog.text
    assert REFRESH_TOKEN not in caplog.text


@pytest.fixture
def make_account(db, user):
    """A real SocialAccount row (tokens encrypted in the DB), read back as a client would get it."""

    def make(platform: str, external_id: str = "1001", **extra) -> SocialAccount:
        account = SocialAccount.objects.create(
            platform=platform,
            external_id=external_id,
            name=f"{platform.title()} account",
            owner=user,
            access_token=TOKEN,
            refresh_token=REFRESH_TOKEN,
            extra=extra,
        )
        return SocialAccount.objects.get(pk=account.pk)

    return make


@pytest.fixture
def progress():
    """What a client saved on the way, as its ``on_progress`` callback got it."""
    return Progress()
