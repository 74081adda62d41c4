"""A real loopback server for the large-video tests: it serves a video made of one repeated block and
checks what is uploaded by CRC as it streams past, so neither side ever holds the file whole."""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

MIB = 1024 * 1024
# 1 MiB, repeated: the source never sits in memory.
BLOCK = bytes((index * 7 + 3) % 251 for index in range(MIB))


def source_crc(video_bytes: int) -> int:
    """The CRC of a video of ``video_bytes`` made of BLOCK."""
    crc = 0
    for _ in range(video_bytes // MIB):
        crc = zlib.crc32(BLOCK, crc)
    return crc


class VideoServer(BaseHTTPRequestHandler):
    """Answers in single writes; subclasses set ``video_bytes`` and handle the platform's upload."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY
    state: dict  # set per server
    video_bytes: int

    def log_message(self, format, *args):  # quiet
        pass

    def respond(self, status: str, headers: dict[str, str], body: bytes = b"") -> None:
        # Status line, headers and a small body in one write, so no small packet waits on a delayed ACK.
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.wfile.write(head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    def send_video(self) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: {self.video_bytes}\r\n\r\n"
        self.wfile.write(head.encode())
        for _ in range(self.video_bytes // MIB):
            self.wfile.write(BLOCK)

    def read_crc(self, length: int, crc: int = 0) -> int:
        """Read ``length`` bytes of the request body a MiB at a time; return their CRC on from ``crc``."""
        remaining = length
        while remaining:
            piece = self.rfile.read(min(remaining, MIB))
            crc = zlib.crc32(piece, crc)
            remaining -= len(piece)
        return crc


@contextlib.contextmanager
def serving(handler: type[VideoServer], state: dict) -> Iterator[tuple[int, dict]]:
    """Run ``handler`` on a free loopback port with its own ``state``; yield the port and that state."""
    handler = type("Handler", (handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
