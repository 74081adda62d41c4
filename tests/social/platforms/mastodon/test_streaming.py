"""A 90 MB video goes from its URL into Mastodon's multipart upload through a real loopback server, with
the client's memory staying flat: the file is never held whole."""

from __future__ import annotations

import json
import threading
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

from social.models import Platform
from social.platforms import MediaItem
from social.platforms import PublishPayload
from social.platforms.mastodon.client import STREAM_CHUNK_BYTES
from social.platforms.mastodon.client import MastodonClient

MIB = 1024 * 1024
VIDEO_BYTES = 90 * MIB  # within the default video limit (99 MiB)
BLOCK = bytes((index * 7 + 3) % 251 for index in range(MIB))
PEAK_LIMIT = 8 * MIB  # a few chunks in flight, far below the file's size


def source_crc() -> int:
    crc = 0
    for _ in range(VIDEO_BYTES // MIB):
        crc = zlib.crc32(BLOCK, crc)
    return crc


class FakeMastodon(BaseHTTPRequestHandler):
    """Serves the video, takes the multipart upload (the file part checked by CRC as it streams past) and
    the status."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    state: dict

    def log_message(self, format, *args):
        pass

    def respond(self, status: str, body: dict) -> None:
        payload = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + payload)

    def do_GET(self):
        head = f"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: {VIDEO_BYTES}\r\n\r\n"
        self.wfile.write(head.encode())
        for _ in range(VIDEO_BYTES // MIB):
            self.wfile.write(BLOCK)

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        if self.path == "/api/v1/statuses":
            self.state["status"] = json.loads(self.rfile.read(length))
            return self.respond("200 OK", {"id": "113", "url": "https://mastodon.example/@acme/113"})
        boundary = self.headers["Content-Type"].split("boundary=")[1].encode()
        head = b""
        while b'name="file"' not in head or not head.endswith(b"\r\n\r\n"):
            head += self.rfile.read(1)
        remaining, crc = VIDEO_BYTES, 0
        while remaining:
            piece = self.rfile.read(min(remaining, MIB))
            crc = zlib.crc32(piece, crc)
            remaining -= len(piece)
        tail = self.rfile.read(length - len(head) - VIDEO_BYTES)
        self.state.update(crc=crc, declared=length, tail_ends=tail.endswith(b"--" + boundary + b"--\r\n"))
        return self.respond("200 OK", {"id": "77", "url": "https://mastodon.example/system/77.mp4"})


@pytest.fixture
def fake_mastodon():
    handler = type("Handler", (FakeMastodon,), {"state": {}})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], handler.state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_publish__a_large_video_streams_into_the_upload_with_flat_memory(make_account, fake_mastodon):
    port, state = fake_mastodon
    server_url = f"http://127.0.0.1:{port}"
    client = MastodonClient(
        make_account(Platform.MASTODON, external_id="109@mastodon.example", server_url=server_url)
    )
    sent = PublishPayload(text="A long film", media=(MediaItem(url=f"{server_url}/film.mp4", type="video"),))

    tracemalloc.start()
    try:
        result = client.publish(sent)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.platform_post_id == "113"
    assert state["crc"] == source_crc() and state["tail_ends"]
    assert state["declared"] > VIDEO_BYTES
    assert state["status"]["media_ids"] == ["77"]
    assert peak < PEAK_LIMIT, f"peak Python memory {peak / MIB:.1f} MiB sending {VIDEO_BYTES // MIB} MiB"
    assert STREAM_CHUNK_BYTES < PEAK_LIMIT
