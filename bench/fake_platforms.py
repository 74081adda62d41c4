"""The simulated platforms (``bench.simulation``) on loopback: ``python -m bench.fake_platforms``.

The real clients in ``social/platforms/`` reach it through ``<P>_API_URL`` (and ``YOUTUBE_UPLOAD_URL``),
so the publisher is measured through its real HTTP path. What the platforms answer, keep and count, and
which create calls meet a fault (a rate limit, a 5xx, an answer held past the read timeout with the post
made for a share of them), is the simulation's; this module is the transport:

- every platform call waits the configured latency: the platform does its work halfway through it, then
  the answer follows; a held call gets no answer and its connection is closed ``hold_seconds`` later;
- ``GET /media/{name}?bytes=N``: a media file (what a post's media URL points at; no latency);
- the control API (no latency): ``GET /_bench/summary`` (totals), ``GET /_bench/stats`` (totals and
  every (account, text) count), ``POST /_bench/config`` (latency, fault rates), ``POST /_bench/accounts``
  (tokens), ``POST /_bench/reset`` (everything back to the defaults, then the given config).

The server is one asyncio loop in its own process, so it never shares the publisher's interpreter lock; each
response goes out in one write on a TCP_NODELAY socket (no delayed-ACK stalls), the listen backlog is set
before listening, and connections are kept alive. ``LoopbackThread`` runs the same server on a thread of
the test process instead, over a simulation the test holds. No Django, no dependency outside the standard
library.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from bench.simulation import Account
from bench.simulation import Config
from bench.simulation import Hold
from bench.simulation import Request
from bench.simulation import Response
from bench.simulation import World
from bench.simulation import json_response
from bench.simulation import simulated_platforms

MAX_BODY = 64 * 1024 * 1024
LISTEN_BACKLOG = 4096


def encode(response: Response, *, close: bool) -> bytes:
    """The whole HTTP/1.1 response as one buffer, to go out in one write."""
    lines = [f"HTTP/1.1 {response.status} {response.reason}", f"Content-Length: {len(response.body)}"]
    lines.extend(f"{name}: {value}" for name, value in response.header_map().items())
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


def _delay_percentiles(delays: list[float]) -> dict[str, float] | None:
    if not delays:
        return None
    ordered = sorted(delays)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {
        "p50": round(at(0.5) * 1000, 2),
        "p99": round(at(0.99) * 1000, 2),
        "max": round(ordered[-1] * 1000, 2),
    }


class FakePlatforms:
    """The simulated platforms behind a loopback server: latency, media files and the bench's control API."""

    def __init__(self, world: World, *, loop: asyncio.AbstractEventLoop) -> None:
        self.world = world
        self.loop = loop
        self.answer_delays: list[float] = []

    # --- control API ------------------------------------------------------------------------------

    def register(self, entries: list[dict[str, str]]) -> None:
        for entry in entries:
            account = Account(
                platform=entry["platform"],
                external_id=str(entry["external_id"]),
                author_urn=entry.get("author_urn") or "",
            )
            self.world.connect(account, entry["token"])

    def summary(self) -> dict[str, Any]:
        return {**self.world.summary(), "answer_delay_ms": _delay_percentiles(self.answer_delays)}

    def control(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/_bench/summary":
            return json_response(200, self.summary())
        if request.method == "GET" and request.path == "/_bench/stats":
            return json_response(200, {**self.summary(), "creates": self.world.creates()})
        if request.method == "POST" and request.path in ("/_bench/config", "/_bench/reset"):
            values = request.json() or {}
            if request.path == "/_bench/reset":
                self.world.config = Config()
                self.world.reset()
                self.answer_delays = []
            try:
                self.world.configure(values)
            except (TypeError, ValueError) as exc:
                return json_response(400, {"error": str(exc)})
            return json_response(200, {"config": self.summary()["config"]})
        if request.method == "POST" and request.path == "/_bench/accounts":
            entries = request.json()
            if not isinstance(entries, list):
                return json_response(400, {"error": "expected a JSON list of accounts"})
            self.register(entries)
            return json_response(200, {"accounts": len(self.world.tokens)})
        return json_response(404, {"error": f"no control endpoint {request.method} {request.path}"})

    # --- media ------------------------------------------------------------------------------------

    def media_file(self, request: Request) -> Response:
        size = int(request.param("bytes", "1024") or 1024)
        content_type = "video/mp4" if request.path.endswith(".mp4") else "image/jpeg"
        return Response(200, bytes(size), content_type=content_type)

    # --- dispatch ---------------------------------------------------------------------------------

    def answer(self, request: Request, reply: Callable[[Response | Hold], None]) -> None:
        """Answer ``request`` through ``reply``: at once for the control API and media, else after the
        latency, the platform's work done halfway through it."""
        if request.path.startswith("/_bench/"):
            reply(self.control(request))
            return
        if request.method == "GET" and request.path.startswith("/media/"):
            reply(self.media_file(request))
            return
        latency = self.world.config.latency
        half = latency / 2
        received = self.loop.time()

        def answered(result: Response) -> None:
            reply(result)
            # How much later than the configured latency the answer left: the fake's own delay.
            self.answer_delays.append(self.loop.time() - received - latency)

        def work() -> None:
            result = self.world.handle(request)
            if result is None:
                result = json_response(404, {"error": f"the fake has no {request.method} {request.path}"})
            if isinstance(result, Hold):
                reply(result)
            elif half:  # at a fixed time from the request's arrival: a late first half does not add up
                self.loop.call_at(received + latency, answered, result)
            else:
                answered(result)

        if half:
            self.loop.call_at(received + half, work)
        else:
            work()


class HttpConnection(asyncio.Protocol):
    """One client connection: HTTP/1.1 requests with Content-Length bodies, one at a time, kept alive.

    A Protocol with timer callbacks rather than a task and streams per connection: the fake must cost
    the 2-core machine as little CPU as it can, since the publisher it measures needs the same cores.
    """

    def __init__(self, platforms: FakePlatforms) -> None:
        self.platforms = platforms
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.close_after = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self.next_request()

    def next_request(self) -> None:
        try:
            request = parse_request(self.buffer)
        except ValueError as exc:
            self.send(json_response(400, {"error": str(exc)}), close=True)
            return
        if request is not None:
            self.busy = True
            self.close_after = request.headers.get("connection", "").lower() == "close"
            self.platforms.answer(request, self.reply)

    def reply(self, result: Response | Hold) -> None:
        if isinstance(result, Hold):
            # No answer: the client's read timeout fires; the connection is dropped later.
            self.platforms.loop.call_later(result.seconds, self.close)
            return
        self.send(result, close=self.close_after)
        self.busy = False
        if self.buffer and self.transport is not None:
            self.next_request()

    def send(self, response: Response, *, close: bool) -> None:
        if self.transport is None:
            return  # the client went away (a kill, a timeout): the work is done, the answer is lost
        self.transport.write(encode(response, close=close))  # one write: no delayed-ACK wait
        if close:
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def parse_request(buffer: bytearray) -> Request | None:
    """Take one complete request off the front of ``buffer``; None while it is incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > 1 << 20:
            raise ValueError("request head too large")
        return None
    request_line, *header_lines = buffer[:end].decode("latin-1").split("\r\n")
    try:
        method, target, _ = request_line.split(" ", 2)
    except ValueError:
        raise ValueError("malformed request line") from None
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise ValueError("chunked request bodies are not supported by the fake")
    length = int(headers.get("content-length") or 0)
    if length > MAX_BODY:
        raise ValueError("request body too large")
    start = end + 4
    if len(buffer) < start + length:
        return None
    body = bytes(buffer[start : start + length])
    del buffer[: start + length]
    parts = urlsplit(target)
    base = f"http://{headers.get('host', '127.0.0.1')}"
    return Request(method, base, parts.path, parse_qs(parts.query, keep_blank_values=True), headers, body)


async def start_server(world: World, host: str, port: int) -> tuple[asyncio.Server, str]:
    """Listen on (host, port) with a deep backlog, given to ``listen()`` itself: a burst of connections
    from many publisher threads must queue, not be refused or retried after a SYN timeout."""
    loop = asyncio.get_running_loop()
    platforms = FakePlatforms(world, loop=loop)
    server = await loop.create_server(lambda: HttpConnection(platforms), host, port, backlog=LISTEN_BACKLOG)
    return server, f"http://{host}:{server.sockets[0].getsockname()[1]}"


async def serve(host: str, port: int, config: Config) -> None:
    server, url = await start_server(simulated_platforms(config), host, port)
    print(json.dumps({"url": url, "pid_ready": True}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    # Not ``async with server``: it would wait for idle keep-alive connections to be closed by their
    # clients; the process is ending.
    server.close()


class LoopbackThread:
    """The loopback server on a thread of this process, over ``world``: for a test whose publisher runs in
    another process while the test reads and scripts the same simulation."""

    def __init__(self, world: World, host: str = "127.0.0.1") -> None:
        self.world = world
        self.host = host
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="loopback-platforms", daemon=True)

    def __enter__(self) -> LoopbackThread:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(start_server(self.world, self.host, 0), self._loop)
        self._server, self.url = started.result(timeout=10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        async def stop() -> None:
            self._server.close()
            if hasattr(self._server, "close_clients"):  # Python 3.13: a held call's connection too
                self._server.close_clients()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fake_platforms",
        description="A loopback fake of X, Facebook, Instagram, LinkedIn, YouTube, Mastodon, Bluesky and Threads "
        "publishing APIs. "
        'Prints {"url": ...} once listening; stops on SIGTERM.',
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--rate-5xx", type=float, default=0.0)
    parser.add_argument("--rate-timeout", type=float, default=0.0)
    parser.add_argument("--hold-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = Config(
        latency=args.latency_ms / 1000,
        rate_429=args.rate_429,
        rate_5xx=args.rate_5xx,
        rate_timeout=args.rate_timeout,
        hold_seconds=args.hold_seconds,
        seed=args.seed,
    )
    try:
        asyncio.run(serve(args.host, args.port, config))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
