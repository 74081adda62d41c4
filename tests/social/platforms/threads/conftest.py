"""The Threads client of a real account row; ``progress`` keeps what it saves."""

from __future__ import annotations

import pytest

from social.models import Platform
from social.platforms.threads.client import ThreadsClient

from .wire import USER


@pytest.fixture
def client(make_account, progress):
    return ThreadsClient(make_account(Platform.THREADS, external_id=USER), on_progress=progress)
