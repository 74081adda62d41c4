"""Real receivers on loopback: an SMTP server (aiosmtpd) and a webhook receiver that verifies signatures
with the standardwebhooks verifier, as an integrator's would."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import EmptyWebhookSecretError
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.social.platforms.servers import read_request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpInbox:
    """Every message the SMTP server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()  # recipients answered 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in message["To"]]


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[SmtpInbox, int]]:
    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Received:
    """One POST the receiver got, and whether its signature verified."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    payload: dict | None


@dataclass
class Receiver:
    """A webhook receiver. ``answer(n)`` gives the n-th request's (status, extra headers, seconds to wait)."""

    secret: str = ""
    answer: Callable[[int], tuple[int, dict[str, str], float]] = lambda n: (200, {}, 0.0)
    received: list[Received] = field(default_factory=list)
    port: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    @property
    def verified(self) -> list[Received]:
        return [item for item in self.received if item.verified]

    def ids(self) -> list[str]:
        return [item.headers["webhook-id"] for item in self.received]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the listen backlog, set before listen()

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()


@contextlib.contextmanager
def webhook_receiver(secret: str = "", **options) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret, **options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                payload = Webhook(receiver.secret).verify(body, headers)
                verified = True
            except (WebhookVerificationError, EmptyWebhookSecretError, ValueError, KeyError):
                payload, verified = None, False
            number = len(receiver.received)
            receiver.received.append(Received(self.path, headers, body, verified, payload))
            status, extra, wait = receiver.answer(number)
            if wait:
                receiver.stop.wait(wait)
            reply = b'{"ok": true}' if status < 300 else b'{"error": "receiver says no"}'
            head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(reply)}", "Connection: close"]
            head += [f"{name}: {value}" for name, value in extra.items()]
            with contextlib.suppress(OSError):
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply)  # one write

        def log_message(self, *args) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def drip(conn: socket.socket, stop: threading.Event) -> None:
    """Answer a status line, then one header byte every 0.2 s, forever: no read timeout ever fires."""
    read_request(conn)
    with contextlib.suppress(OSError):
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.wait(0.2):
            conn.sendall(b"X")
