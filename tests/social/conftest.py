"""Fixtures for connecting accounts: app credentials for every platform and HTTP mocked at the wire."""

from __future__ import annotations

import pytest
import responses

from .fakes import PLATFORMS
from .fakes import client_id
from .fakes import client_secret


@pytest.fixture
def oauth_apps(settings):
    """Every platform registered as an app, at the platforms' real endpoints (the settings' defaults)."""
    for platform in PLATFORMS:
        setattr(settings, f"{platform}_CLIENT_ID", client_id(platform))
        setattr(settings, f"{platform}_CLIENT_SECRET", client_secret(platform))
    settings.PLATFORM_CONNECT_TIMEOUT = 3.5
    settings.PLATFORM_READ_TIMEOUT = 12.0
    return settings


@pytest.fixture
def mocked():
    """The platforms' HTTP APIs: every registered answer must be asked for; anything else is refused."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def staff_client(client, staff_user, oauth_apps):
    """A staff member logged in, with every platform's app configured."""
    client.force_login(staff_user)
    return client
