"""POSTing a webhook to a URL someone typed, without letting it reach our own network (an SSRF guard).

- Only ``https://`` to public addresses, unless WEBHOOK_ALLOW_PRIVATE (local receivers, tests): then
  ``http://`` and private addresses are allowed too.
- The host is resolved once, EVERY address is checked, and the connection goes to a checked address (the
  TLS certificate is still verified for the host name), so DNS answering differently a moment later
  (rebinding) cannot send the request elsewhere.
- Redirects are never followed (a 3xx is a failed delivery); at most ``MAX_RESPONSE_BYTES`` of the answer
  are read; connect and read timeouts apply, and a deadline closes the socket of a receiver that drips.

The standard library's http.client does the HTTP; the maintained SSRF wrappers we looked at either pin an
old urllib3 (advocate) or wrap another HTTP client than the project uses.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import SplitResult
from urllib.parse import urlsplit

import requests.certs

MAX_RESPONSE_BYTES = 4096
EXCERPT_CHARS = 200


class WebhookRefused(Exception):
    """The URL or an address it resolves to may not be called. The message names the host, never a path."""


class WebhookTransportError(Exception):
    """The request did not get an answer (connect failure, timeout, TLS error, deadline)."""


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    excerpt: str  # the start of the answer's body, for the delivery log
    retry_after: float | None = None


def url_host_label(url: str) -> str:
    """What logs and emails may show of an endpoint URL: its scheme and host. Paths can hold secrets."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if _port_or_none(parts) else "")


def _port_or_none(parts) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def webhook_url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` cannot be a webhook endpoint without looking it up (None when it can)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the address is not a valid URL"
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        return "use an https:// address" + (
            "" if allow_private else " (http:// needs WEBHOOK_ALLOW_PRIVATE=true)"
        )
    if not parts.hostname:
        return "the address has no host"
    if parts.username is not None or parts.password is not None:
        return "credentials in the address are not supported; the signature authenticates us"
    if port == 0:
        return "port 0 is not a port"
    return None


def address_is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local, reserved...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is not None:
            return address_is_public(str(mapped))
    return ip.is_global and not ip.is_multicast


def resolve_allowed_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address ``host`` resolves to, all of them allowed, or WebhookRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookRefused(f"{host} cannot be resolved ({exc.__class__.__name__})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise WebhookRefused(f"{host} has no address")
    if not allow_private:
        blocked = [address for address in addresses if not address_is_public(address)]
        if blocked:
            raise WebhookRefused(
                f"{host} resolves to a non-public address ({', '.join(blocked)}); "
                "only public addresses may receive webhooks unless WEBHOOK_ALLOW_PRIVATE=true"
            )
    return addresses


def webhook_target(url: str, *, allow_private: bool) -> tuple[SplitResult, int, list[str]]:
    """The URL's parts, port and checked addresses, or WebhookRefused saying why it may not be called."""
    problem = webhook_url_problem(url, allow_private=allow_private)
    if problem:
        raise WebhookRefused(problem)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts, port, resolve_allowed_addresses(parts.hostname, port, allow_private=allow_private)


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=requests.certs.where())


class _PinnedConnectionMixin:
    """Connects to the given, already checked addresses instead of resolving the host again."""

    def _pin(self, addresses: list[str], connect_timeout: float, read_timeout: float) -> None:
        self._addresses = addresses
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout

    def _open_socket(self) -> socket.socket:
        error: OSError | None = None
        for address in self._addresses:
            try:
                sock = socket.create_connection((address, self.port), timeout=self._connect_timeout)
            except OSError as exc:
                error = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self._read_timeout)
            return sock
        raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(_PinnedConnectionMixin, http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedConnectionMixin, http.client.HTTPSConnection):
    def connect(self) -> None:
        # The certificate is checked against the host name (SNI too), not the address we connected to.
        self.sock = _tls_context().wrap_socket(self._open_socket(), server_hostname=self.host)


def webhook_post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    connect_timeout: float,
    read_timeout: float,
    deadline: float,
    allow_private: bool,
) -> WebhookResponse:
    """POST ``body`` to ``url`` once. ``deadline`` is a time.monotonic() value the call never outlives.

    Raises WebhookRefused (not allowed) or WebhookTransportError (no answer).
    """
    parts, port, addresses = webhook_target(url, allow_private=allow_private)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise WebhookTransportError("no time left in this run's budget")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port)
    connection._pin(addresses, min(connect_timeout, remaining), min(read_timeout, remaining))
    expired = threading.Event()

    def abort() -> None:
        # A receiver that sends a byte at a time never trips a read timeout: end the call at the deadline.
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    watchdog = threading.Timer(remaining, abort)
    watchdog.daemon = True
    watchdog.start()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(MAX_RESPONSE_BYTES)
        if expired.is_set():
            # Cut mid-answer: what was parsed up to the cut (even a 200 status line) is no answer.
            raise WebhookTransportError("no answer within this run's time budget")
        return WebhookResponse(
            status=response.status,
            excerpt=raw[:EXCERPT_CHARS].decode("utf-8", "replace"),
            retry_after=_retry_after_seconds(response.getheader("Retry-After")),
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if expired.is_set():
            raise WebhookTransportError("no answer within this run's time budget") from None
        raise WebhookTransportError(_describe(exc)) from None
    finally:
        watchdog.cancel()
        connection.close()


def _describe(exc: BaseException) -> str:
    # Kinds, not str(exc): some messages repeat the URL, and a URL's path can be a secret.
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return "connection closed by the receiver"
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP answer ({type(exc).__name__})"
    return f"could not connect ({type(exc).__name__})"


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # the HTTP-date form is rare for webhooks; backoff applies
