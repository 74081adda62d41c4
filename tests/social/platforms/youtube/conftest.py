"""The YouTube client of a real account row, sending small chunks; ``progress`` keeps what it saves."""

from __future__ import annotations

import pytest

from social.models import Platform
from social.platforms.youtube.client import YouTubeClient

from .wire import CHUNK


@pytest.fixture
def client(make_account, progress):
    client = YouTubeClient(
        make_account(Platform.YOUTUBE, external_id="UC_x5XG1OV2P6uZZ5FSM9Ttw"), on_progress=progress
    )
    client.chunk_size = CHUNK
    return client
