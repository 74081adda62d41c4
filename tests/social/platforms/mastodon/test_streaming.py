"""A 90 MB video goes from its URL into Mastodon's multipart upload through a real loopback server, with
the client's memory staying flat: the file is never held whole."""

from __future__ import annotations

import json

import pytest

from social.models import Platform
from social.platforms import MediaItem
from social.platforms import PublishPayload
from social.platforms.mastodon.client import STREAM_CHUNK_BYTES
from social.platforms.mastodon.client import MastodonClient
from tests.media_library.files import traced

from ..streaming import MIB
from ..streaming import VideoServer
from ..streaming import serving
from ..streaming import source_crc

VIDEO_BYTES = 90 * MIB  # within the default video limit (99 MiB)
PEAK_LIMIT = 8 * MIB  # a few chunks in flight, far below the file's size


class FakeMastodon(VideoServer):
    """Serves the video, takes the multipart upload (the file part checked by CRC as it streams past) and
    the status."""

    video_bytes = VIDEO_BYTES

    def respond_json(self, body: dict) -> None:
        self.respond("200 OK", {"Content-Type": "application/json"}, json.dumps(body).encode())

    def do_GET(self):
        self.send_video()

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        if self.path == "/api/v1/statuses":
            self.state["status"] = json.loads(self.rfile.read(length))
            return self.respond_json({"id": "113", "url": "https://mastodon.example/@acme/113"})
        boundary = self.headers["Content-Type"].split("boundary=")[1].encode()
        head = b""
        while b'name="file"' not in head or not head.endswith(b"\r\n\r\n"):
            head += self.rfile.read(1)
        crc = self.read_crc(VIDEO_BYTES)
        tail = self.rfile.read(length - len(head) - VIDEO_BYTES)
        self.state.update(crc=crc, declared=length, tail_ends=tail.endswith(b"--" + boundary + b"--\r\n"))
        return self.respond_json({"id": "77", "url": "https://mastodon.example/system/77.mp4"})


@pytest.fixture
def fake_mastodon():
    with serving(FakeMastodon, {}) as served:
        yield served


def test_publish__a_large_video_streams_into_the_upload_with_flat_memory(make_account, fake_mastodon):
    port, state = fake_mastodon
    server_url = f"http://127.0.0.1:{port}"
    client = MastodonClient(
        make_account(Platform.MASTODON, external_id="109@mastodon.example", server_url=server_url)
    )
    sent = PublishPayload(text="A long film", media=(MediaItem(url=f"{server_url}/film.mp4", type="video"),))

    result, peak = traced(lambda: client.publish(sent))

    assert result.platform_post_id == "113"
    assert state["crc"] == source_crc(VIDEO_BYTES) and state["tail_ends"]
    assert state["declared"] > VIDEO_BYTES
    assert state["status"]["media_ids"] == ["77"]
    assert peak < PEAK_LIMIT, f"peak Python memory {peak / MIB:.1f} MiB sending {VIDEO_BYTES // MIB} MiB"
    assert STREAM_CHUNK_BYTES < PEAK_LIMIT
