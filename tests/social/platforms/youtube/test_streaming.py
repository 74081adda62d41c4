"""A 200 MB video goes from its URL to YouTube through a real loopback server with memory staying flat."""

from __future__ import annotations

import json
import re

import pytest

from social.models import Platform
from social.platforms.youtube.client import YouTubeClient
from tests.media_library.files import traced

from ..helpers import payload
from ..helpers import video
from ..streaming import MIB
from ..streaming import VideoServer
from ..streaming import serving
from ..streaming import source_crc

VIDEO_BYTES = 200 * MIB
# The client holds about two chunks (the one being sent, the next filling): far below the file's size.
PEAK_LIMIT = 4 * YouTubeClient.chunk_size
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class FakeYouTube(VideoServer):
    """Serves the video and takes the resumable upload, checking every byte by CRC as it streams past."""

    video_bytes = VIDEO_BYTES

    def do_GET(self):
        if self.path != "/video.mp4":
            return self.respond("404 Not Found", {})
        return self.send_video()

    def do_POST(self):
        self.state["session_body"] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.state["declared_length"] = int(self.headers["X-Upload-Content-Length"])
        port = self.server.server_address[1]
        self.respond("200 OK", {"Location": f"http://127.0.0.1:{port}/session/s1"})

    def do_PUT(self):
        start, end, total = map(int, CONTENT_RANGE.fullmatch(self.headers["Content-Range"]).groups())
        length = int(self.headers["Content-Length"])
        state = self.state
        assert start == state["received"] and end - start + 1 == length and total == VIDEO_BYTES
        state["crc"] = self.read_crc(length, state["crc"])
        state["received"] += length
        state["puts"] += 1
        if state["received"] < total:
            return self.respond("308 Resume Incomplete", {"Range": f"bytes=0-{state['received'] - 1}"})
        body = json.dumps({"kind": "youtube#video", "id": "big-video-id"}).encode()
        return self.respond("200 OK", {"Content-Type": "application/json"}, body)


@pytest.fixture
def fake_youtube():
    with serving(FakeYouTube, {"received": 0, "crc": 0, "puts": 0}) as served:
        yield served


def test_publish__200_mb_video_streams_with_flat_memory(make_account, settings, fake_youtube):
    port, state = fake_youtube
    settings.YOUTUBE_UPLOAD_URL = f"http://127.0.0.1:{port}/upload"
    client = YouTubeClient(make_account(Platform.YOUTUBE))
    sent = payload("A long film", video(f"http://127.0.0.1:{port}/video.mp4"), title="200 MB")

    result, peak = traced(lambda: client.publish(sent))

    assert result.platform_post_id == "big-video-id"
    assert state["declared_length"] == VIDEO_BYTES
    assert (state["received"], state["crc"]) == (VIDEO_BYTES, source_crc(VIDEO_BYTES))
    assert state["puts"] == VIDEO_BYTES // YouTubeClient.chunk_size
    assert peak < PEAK_LIMIT, (
        f"peak Python memory {peak / MIB:.1f} MiB while sending {VIDEO_BYTES // MIB} MiB"
    )
