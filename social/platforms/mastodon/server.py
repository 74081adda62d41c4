"""Which Mastodon server a person means: what they typed (``mastodon.social``, ``https://fosstodon.org/``,
their handle ``@ada@hachyderm.io``) made into one base URL, ``https://<host>``, that is safe to call.

Only https, and only a public host: a name that resolves to a private, loopback, link-local or otherwise
non-public address is refused, so the connect form cannot be used to make this site call its own
network. ``MASTODON_ALLOW_LOCAL_SERVERS`` lifts both rules, for a server on a developer's machine.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

import environ
from django.conf import settings

# "@user@host" or "user@host": the person typed their handle; the server is its host.
_HANDLE = re.compile(r"@?[\w.-]+@(?P<host>[^@/\s]+)")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
MAX_HOST_LENGTH = 253


class ServerAddressError(ValueError):
    """What the person typed is not the address of a server this site may call; the message says why."""


def local_servers_allowed() -> bool:
    value = settings.MASTODON_ALLOW_LOCAL_SERVERS
    return value is True or str(value).strip().lower() in environ.Env.BOOLEAN_TRUE_STRINGS


def server_url_normalize(typed: str) -> str:
    """``https://<host>[:port]`` for what a person typed; raises ServerAddressError.

    Checks the form only; ``server_url_check_public`` checks where the name leads.
    """
    text = (typed or "").strip()
    if not text:
        raise ServerAddressError("Enter your Mastodon server, e.g. mastodon.social.")
    if handle := _HANDLE.fullmatch(text):
        text = handle["host"]
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ServerAddressError(f"{typed!r} is not a server address, e.g. mastodon.social.") from None
    allowed_schemes = ("https", "http") if local_servers_allowed() else ("https",)
    if parts.scheme not in allowed_schemes:
        raise ServerAddressError("Mastodon servers are reached over https:// only.")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ServerAddressError(
            f"{typed!r} is not just a server address: give the server's name only, e.g. mastodon.social."
        )
    host = _host(parts.hostname or "", typed)
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}" + (f":{port}" if port else "")


def _host(hostname: str, typed: str) -> str:
    try:
        return str(ipaddress.ip_address(hostname))
    except ValueError:
        pass
    try:
        host = hostname.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        raise ServerAddressError(f"{typed!r} is not a valid server name.") from None
    labels = host.split(".")
    if len(host) > MAX_HOST_LENGTH or len(labels) < 2 or not all(map(_LABEL.fullmatch, labels)):
        raise ServerAddressError(f"{typed!r} is not a server name, e.g. mastodon.social.")
    return host


def resolve_addresses(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to (a seam: tests answer without a DNS server)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def server_url_check_public(server_url: str) -> None:
    """Refuse a server whose name resolves to anything but public addresses (unless local ones are allowed)."""
    if local_servers_allowed():
        return
    parts = urlsplit(server_url)
    host = parts.hostname or ""
    try:
        addresses = [host] if _is_ip(host) else resolve_addresses(host, parts.port or 443)
    except (OSError, UnicodeError):
        raise ServerAddressError(f"No server named {host} could be found. Check the spelling.") from None
    if not addresses:
        raise ServerAddressError(f"No server named {host} could be found. Check the spelling.")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise ServerAddressError(
                f"{host} is a private or local address ({ip}), not a public Mastodon server."
            )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_of(server_url: str) -> str:
    """``mastodon.social`` (with its port, if any) for ``https://mastodon.social``."""
    return urlsplit(server_url).netloc
