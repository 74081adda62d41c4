"""Fixtures of the Sandbox's tests: its network in this process, accounts on it connected to the scheduler,
and media stored in a folder of each test's own."""

from __future__ import annotations

import pytest
import responses
from django.conf import settings as django_settings

from config.settings.base import media_storage_from_url
from social.models import Platform
from social.models import SocialAccount
from social.platforms.sandbox.models import SandboxAccount
from social.platforms.sandbox.network.accounts import sandbox_account_create
from social.platforms.sandbox.network.tokens import grant_issue

from .network import ADDRESS
from .network import NetworkOnTheWire


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**django_settings.STORAGES, "default": media_storage_from_url("")[0]}
    return tmp_path / "media"


@pytest.fixture
def wire():
    """The wire, mocked: requests to the network reach its views; anything else fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def network(wire) -> NetworkOnTheWire:
    return NetworkOnTheWire(wire)


@pytest.fixture
def on_network(db):
    """An account on the network: ``on_network("acme")``."""

    def make(handle: str = "acme", **fields) -> SandboxAccount:
        account = sandbox_account_create(handle=handle, display_name=handle.title())
        if fields:
            SandboxAccount.objects.filter(pk=account.pk).update(**fields)
            account.refresh_from_db()
        return account

    return make


@pytest.fixture
def connected(user):
    """A scheduler account connected to ``sandbox_account`` as the OAuth flow leaves it (real tokens)."""

    def connect(sandbox_account: SandboxAccount) -> SocialAccount:
        tokens = grant_issue(account=sandbox_account)
        account = SocialAccount.objects.create(
            platform=Platform.SANDBOX,
            external_id=sandbox_account.handle,
            name=f"{sandbox_account.display_name} (Sandbox)",
            owner=user,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            extra={"server_url": ADDRESS, "handle": sandbox_account.handle},
        )
        return SocialAccount.objects.get(pk=account.pk)

    return connect
