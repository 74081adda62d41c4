"""Fixtures for connecting accounts: app credentials for every platform and HTTP mocked at the wire."""

from __future__ import annotations

import pytest
import responses
from django.test import Client

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
def staff_client(staff_user, oauth_apps):
    """A staff member's browser, logged in, with every platform's app configured. Django's test client
    is made here because ``client`` is the platform client in the platform folders."""
    browser = Client()
    browser.force_login(staff_user)
    return browser
