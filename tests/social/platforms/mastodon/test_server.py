"""Which server a person means, and whether this site may call it."""

from __future__ import annotations

import socket

import pytest

from social.platforms.mastodon import server
from social.platforms.mastodon.server import ServerAddressError
from social.platforms.mastodon.server import server_url_check_public
from social.platforms.mastodon.server import server_url_normalize


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("  Mastodon.Social  ", "https://mastodon.social"),
        ("https://fosstodon.org/", "https://fosstodon.org"),
        ("@ada@hachyderm.io", "https://hachyderm.io"),
        ("ada@hachyderm.io", "https://hachyderm.io"),
        ("social.example.org:8443", "https://social.example.org:8443"),
        ("bücher.example", "https://xn--bcher-kva.example"),
        ("mastodon.social.", "https://mastodon.social"),
    ],
)
def test_normalize__what_people_type_becomes_one_https_base_url(typed, expected):
    assert server_url_normalize(typed) == expected


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter your Mastodon server"),
        ("http://mastodon.social", "https:// only"),
        ("ftp://mastodon.social", "https:// only"),
        ("https://mastodon.social/@ada", "server's name only"),
        ("https://user:pw@mastodon.social", "server's name only"),
        ("https://mastodon.social/?x=1", "server's name only"),
        ("localhost", "not a server name"),
        ("not a server!", "not a server name"),
        ("exa_mple.com", "not a server name"),
        ("https://mastodon.social:99999", "not a server address"),
    ],
)
def test_normalize__refuses_what_is_not_a_server_address(typed, words):
    with pytest.raises(ServerAddressError, match=words):
        server_url_normalize(typed)


@pytest.fixture
def dns(monkeypatch):
    """Names resolve from this table, as a DNS server would answer them."""
    table: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr(server, "resolve_addresses", resolve)
    return table


def test_check_public__a_name_with_only_public_addresses_is_accepted(dns):
    dns["mastodon.social"] = ["151.101.1.91", "2a04:4e42::347"]

    server_url_check_public("https://mastodon.social")


PRIVATE_OR_LOCAL = [
    "127.0.0.1",
    "10.1.2.3",
    "192.168.0.10",
    "169.254.169.254",
    "::1",
    "fd00::1",
    "100.64.0.1",
]


@pytest.mark.parametrize(
    "address",
    [*PRIVATE_OR_LOCAL, "0.0.0.0"],  # noqa: S104 - an address, not a bind
)
def test_check_public__a_name_leading_to_a_private_or_local_address_is_refused(dns, address):
    dns["sneaky.example"] = ["151.101.1.91", address]

    with pytest.raises(ServerAddressError, match="private or local address"):
        server_url_check_public("https://sneaky.example")


def test_check_public__an_ip_literal_is_checked_as_such(dns):
    with pytest.raises(ServerAddressError, match="private or local"):
        server_url_check_public(server_url_normalize("https://127.0.0.1"))
    server_url_check_public("https://151.101.1.91")


def test_check_public__an_unknown_name_is_a_clear_error(dns):
    with pytest.raises(ServerAddressError, match=r"No server named nowhere\.example could be found"):
        server_url_check_public("https://nowhere.example")


def test_local_servers_allowed__http_and_loopback_for_local_testing(dns, settings):
    settings.MASTODON_ALLOW_LOCAL_SERVERS = "true"

    assert server_url_normalize("http://127.0.0.1:3000") == "http://127.0.0.1:3000"
    server_url_check_public("http://127.0.0.1:3000")

    settings.MASTODON_ALLOW_LOCAL_SERVERS = "false"
    with pytest.raises(ServerAddressError):
        server_url_normalize("http://127.0.0.1:3000")
