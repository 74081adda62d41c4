"""Tiny loopback TCP servers that misbehave the way real networks do, for transport-failure tests."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterator


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body) from a connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head + b"\r\n\r\n" + body


@contextlib.contextmanager
def tcp_server(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[int]:
    """Serve connections on a free loopback port with ``handle(conn, stop)``; yield the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    # close() does not wake a thread blocked in accept(); polling lets the acceptor see `stop`.
    listener.settimeout(0.05)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            thread = threading.Thread(target=_serve, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    def _serve(conn: socket.socket) -> None:
        with conn:
            handle(conn, stop)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(timeout=2)
        listener.close()
        for thread in threads:
            thread.join(timeout=2)


def answer_nothing(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then never answer: the client's read timeout fires."""
    read_request(conn)
    stop.wait(5)


def hang_up(conn: socket.socket, stop: threading.Event) -> None:
    """Read the whole request, then close without answering: the request reached the server."""
    read_request(conn)


def free_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]
