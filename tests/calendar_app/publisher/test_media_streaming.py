"""Memory stays flat while the publisher sends a 200 MB library video to YouTube (resumable upload) and to X
(chunked upload), read from the library's storage: the file system, and S3 (moto's server on loopback). The
platforms are loopback servers that check every byte by CRC as it streams past, never holding the file."""

from __future__ import annotations

import json
import re
import threading
import zlib
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
from django.core.files import File
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.publisher import publish_due_posts
from media_library.models import MediaUsage
from media_library.services.assets import media_asset_create
from social.platforms.youtube.client import YouTubeClient
from tests.media_library.conftest import media_root  # noqa: F401
from tests.media_library.conftest import s3_server  # noqa: F401
from tests.media_library.conftest import s3_storage  # noqa: F401
from tests.media_library.files import file_crc
from tests.media_library.files import make_large_mp4
from tests.media_library.files import traced

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024
VIDEO_BYTES = 200 * MIB
X_CHUNK = 4 * MIB  # the X client's segment size for a file of this size
# A few chunks in flight (the one being sent and its copies on the way: X's multipart body, the S3 body's
# read buffer; the next one filling): far below the file's 200 MB, whatever its size. Measured on a quiet
# run: X 11 MiB (local) / 22 MiB (S3), YouTube 16 / 28 MiB.
PEAK_LIMIT = 4 * YouTubeClient.chunk_size
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
READ_BLOCK = MIB


class FakePlatforms(BaseHTTPRequestHandler):
    """X's chunked media upload and post, and YouTube's resumable upload, on loopback. Bodies are read in
    1 MiB blocks into a CRC: the server holds no more of the file than that."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    state: dict

    def log_message(self, format, *args):
        pass

    def respond(self, status: str, body: dict | None = None, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        self.wfile.write(head.encode() + payload)  # one write

    def crc_of(self, length: int, crc: int) -> int:
        while length:
            piece = self.rfile.read(min(length, READ_BLOCK))
            crc = zlib.crc32(piece, crc)
            length -= len(piece)
        return crc

    def do_POST(self):
        state, length = self.state, int(self.headers["Content-Length"])
        if self.path == "/2/media/upload/initialize":
            state["x_declared"] = json.loads(self.rfile.read(length))["total_bytes"]
            return self.respond("200 OK", {"data": {"id": "555", "media_key": "7_555"}})
        if self.path == "/2/media/upload/555/append":
            # multipart: segment_index, then the media part; its bytes go into the CRC as they arrive.
            boundary = self.headers["Content-Type"].split("boundary=")[1].encode()
            head = b""
            while b'name="media"' not in head or not head.endswith(b"\r\n\r\n"):
                head += self.rfile.read(1)
            tail = len(b"\r\n--" + boundary + b"--\r\n")
            state["x_crc"] = self.crc_of(length - len(head) - tail, state["x_crc"])
            self.rfile.read(tail)
            state["x_appends"] += 1
            return self.respond("204 No Content")
        if self.path == "/2/media/upload/555/finalize":
            self.rfile.read(length)
            return self.respond("200 OK", {"data": {"id": "555", "media_key": "7_555", "size": VIDEO_BYTES}})
        if self.path == "/2/tweets":
            state["x_post"] = json.loads(self.rfile.read(length))
            return self.respond("201 Created", {"data": {"id": "1890", "text": "A long film"}})
        # YouTube: start the resumable session.
        self.rfile.read(length)
        state["yt_declared"] = int(self.headers["X-Upload-Content-Length"])
        port = self.server.server_address[1]
        return self.respond("200 OK", headers={"Location": f"http://127.0.0.1:{port}/session/s1"})

    def do_PUT(self):
        state = self.state
        start, end, total = map(int, CONTENT_RANGE.fullmatch(self.headers["Content-Range"]).groups())
        length = int(self.headers["Content-Length"])
        assert start == state["yt_received"] and end - start + 1 == length and total == VIDEO_BYTES
        state["yt_crc"] = self.crc_of(length, state["yt_crc"])
        state["yt_received"] += length
        if state["yt_received"] < total:
            return self.respond(
                "308 Resume Incomplete", headers={"Range": f"bytes=0-{state['yt_received'] - 1}"}
            )
        return self.respond("200 OK", {"kind": "youtube#video", "id": "long-film-id"})


@pytest.fixture
def platforms(settings):
    state = {"x_crc": 0, "x_appends": 0, "yt_crc": 0, "yt_received": 0}
    handler = type("Handler", (FakePlatforms,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWITTER_API_URL = url
    settings.YOUTUBE_UPLOAD_URL = f"{url}/upload"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_publish__a_200_mb_library_video_streams_to_youtube_and_x_with_flat_memory(
    user, make_account, platforms, tmp_path, request, backend
):
    if backend == "s3":
        request.getfixturevalue("s3_storage")
    film = make_large_mp4(tmp_path / "long-film.mp4", VIDEO_BYTES)
    expected_crc = file_crc(film)
    with film.open("rb") as handle:
        asset = media_asset_create(owner=user, upload=File(handle, name=film.name)).asset
    posts = {}
    for platform, extra in (("TWITTER", {"username": "acme"}), ("YOUTUBE", {})):
        post = ScheduledPost.objects.create(
            content="A long film",
            metadata={
                "media": [{"asset": asset.pk, "type": "video"}],
                "platforms": {"YOUTUBE": {"title": "Film"}},
            },
            scheduled_at=timezone.now() - timedelta(minutes=1),
            status=PostStatus.SCHEDULED,
            created_by=user,
        )
        post.post_accounts.create(account=make_account(platform, extra=extra))
        MediaUsage.objects.create(post=post, asset=asset)
        posts[platform] = post

    peaks = {}
    for platform, post in posts.items():
        summary, peaks[platform] = traced(
            lambda post=post: publish_due_posts(post_ids=[post.pk], concurrency=2)
        )
        assert summary.succeeded == 1, post.post_accounts.get().error_message

    assert (platforms["x_declared"], platforms["x_appends"]) == (VIDEO_BYTES, VIDEO_BYTES // X_CHUNK)
    assert platforms["x_crc"] == expected_crc
    assert platforms["x_post"]["media"] == {"media_ids": ["555"]}
    assert (platforms["yt_declared"], platforms["yt_received"]) == (VIDEO_BYTES, VIDEO_BYTES)
    assert platforms["yt_crc"] == expected_crc
    for platform, peak in peaks.items():
        assert peak < PEAK_LIMIT, (
            f"{backend} -> {platform}: peak Python memory {peak / MIB:.1f} MiB sending {VIDEO_BYTES // MIB} MiB"
        )
