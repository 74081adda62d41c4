"""A 200 MB video goes from its URL to YouTube through a real loopback server with memory staying flat."""

from __future__ import annotations

import json
import re
import threading
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

from social.models import Platform
from social.platforms.youtube.client import YouTubeClient

from ..helpers import payload
from ..helpers import video

MIB = 1024 * 1024
VIDEO_BYTES = 200 * MIB
BLOCK = bytes(
    (index * 7 + 3) % 251 for index in range(MIB)
)  # 1 MiB, repeated: the source never sits in memory
# The client holds about two chunks (the one being sent, the next filling): far below the file's size.
PEAK_LIMIT = 4 * YouTubeClient.chunk_size
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def source_crc() -> int:
    crc = 0
    for _ in range(VIDEO_BYTES // MIB):
        crc = zlib.crc32(BLOCK, crc)
    return crc


class FakeYouTube(BaseHTTPRequestHandler):
    """Serves the video and takes the resumable upload, checking every byte by CRC as it streams past."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY
    state: dict  # set per server

    def log_message(self, format, *args):  # quiet
        pass

    def respond(self, status: str, headers: dict[str, str], body: bytes = b"") -> None:
        # Status line, headers and a small body in one write, so no small packet waits on a delayed ACK.
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.wfile.write(head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    def do_GET(self):
        if self.path != "/video.mp4":
            return self.respond("404 Not Found", {})
        head = f"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: {VIDEO_BYTES}\r\n\r\n"
        self.wfile.write(head.encode())
        for _ in range(VIDEO_BYTES // MIB):
            self.wfile.write(BLOCK)

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
        remaining = length
        while remaining:
            piece = self.rfile.read(min(remaining, MIB))
            state["crc"] = zlib.crc32(piece, state["crc"])
            remaining -= len(piece)
        state["received"] += length
        state["puts"] += 1
        if state["received"] < total:
            return self.respond("308 Resume Incomplete", {"Range": f"bytes=0-{state['received'] - 1}"})
        body = json.dumps({"kind": "youtube#video", "id": "big-video-id"}).encode()
        return self.respond("200 OK", {"Content-Type": "application/json"}, body)


@pytest.fixture
def fake_youtube():
    handler = type("Handler", (FakeYouTube,), {"state": {"received": 0, "crc": 0, "puts": 0}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_publish__200_mb_video_streams_with_flat_memory(make_account, settings, fake_youtube):
    port, state = fake_youtube
    settings.YOUTUBE_UPLOAD_URL = f"http://127.0.0.1:{port}/upload"
    client = YouTubeClient(make_account(Platform.YOUTUBE))
    sent = payload("A long film", video(f"http://127.0.0.1:{port}/video.mp4"), title="200 MB")

    tracemalloc.start()
    try:
        result = client.publish(sent)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.platform_post_id == "big-video-id"
    assert state["declared_length"] == VIDEO_BYTES
    assert (state["received"], state["crc"]) == (VIDEO_BYTES, source_crc())
    assert state["puts"] == VIDEO_BYTES // YouTubeClient.chunk_size
    assert peak < PEAK_LIMIT, (
        f"peak Python memory {peak / MIB:.1f} MiB while sending {VIDEO_BYTES // MIB} MiB"
    )
