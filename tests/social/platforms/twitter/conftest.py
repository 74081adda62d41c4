"""The X client of a real account row, without real waits."""

from __future__ import annotations

import pytest

from social.models import Platform
from social.platforms.twitter.client import TwitterClient


@pytest.fixture
def client(make_account):
    account = make_account(Platform.TWITTER, external_id="2244994945", username="janedoe")
    client = TwitterClient(account)
    client.sleep = lambda seconds: None
    return client
