"""The SSRF guard and the pinned, bounded POST. Every connection here goes to loopback only."""

from __future__ import annotations

import time

import pytest

from notifications.transport import MAX_RESPONSE_BYTES
from notifications.transport import WebhookRefused
from notifications.transport import WebhookTransportError
from notifications.transport import address_is_public
from notifications.transport import url_host_label
from notifications.transport import webhook_post
from notifications.transport import webhook_target
from notifications.transport import webhook_url_problem
from tests.social.platforms.servers import tcp_server

from .servers import drip
from .servers import webhook_receiver


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::6810:85e5", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104  (a string under test, not a bind)
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:93.184.215.14", True),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
    ],
)
def test_address_is_public(address, public):
    assert address_is_public(address) is public


@pytest.mark.parametrize(
    ("url", "allow_private", "problem"),
    [
        ("https://hooks.example.com/x", False, None),
        ("http://hooks.example.com/x", False, "use an https:// address"),
        ("http://hooks.example.com/x", True, None),
        ("ftp://hooks.example.com/x", True, "use an https:// address"),
        ("https:///x", False, "the address has no host"),
        ("https://u:p@hooks.example.com/", False, "credentials in the address"),
        ("https://hooks.example.com:99999/", False, "not a valid URL"),
    ],
)
def test_webhook_url_problem(url, allow_private, problem):
    found = webhook_url_problem(url, allow_private=allow_private)
    assert (found is None) if problem is None else (problem in found)


def test_webhook_target__checks_every_address_of_a_name():
    with pytest.raises(WebhookRefused, match="non-public address"):
        webhook_target("https://localhost/hooks", allow_private=False)
    _, port, addresses = webhook_target("http://localhost:8081/hooks", allow_private=True)
    assert port == 8081 and "127.0.0.1" in addresses


def test_url_host_label__never_the_path():
    assert (
        url_host_label("https://hooks.slack.example/services/T0/B0/SECRETPATH?q=1")
        == "https://hooks.slack.example"
    )
    assert url_host_label("http://127.0.0.1:8081/x") == "http://127.0.0.1:8081"


def post(url, *, deadline_seconds=5.0, body=b"{}"):
    return webhook_post(
        url,
        body,
        {"Content-Type": "application/json"},
        connect_timeout=2,
        read_timeout=3,
        deadline=time.monotonic() + deadline_seconds,
        allow_private=True,
    )


def test_webhook_post__connects_to_the_checked_address_and_names_the_host():
    with webhook_receiver() as receiver:
        response = post(f"http://localhost:{receiver.port}/in?x=1")
    assert response.status == 200
    (item,) = receiver.received
    assert item.path == "/in?x=1"
    assert item.headers["host"] == f"localhost:{receiver.port}"


def test_webhook_post__reads_at_most_a_small_answer():
    with webhook_receiver() as receiver:
        response = post(receiver.url)
    assert len(response.excerpt) <= MAX_RESPONSE_BYTES
    assert response.excerpt == '{"ok": true}'


def test_webhook_post__a_dripping_receiver_is_cut_at_the_deadline():
    with tcp_server(drip) as port:
        started = time.monotonic()
        with pytest.raises(WebhookTransportError, match="time budget"):
            post(f"http://127.0.0.1:{port}/", deadline_seconds=1.0)
        # Each byte arrives well within the read timeout, so only the deadline can end the call.
        assert time.monotonic() - started < 5


def test_webhook_post__connection_refused_is_described():
    with webhook_receiver() as receiver:
        port = receiver.port
    with pytest.raises(WebhookTransportError, match="connection refused"):
        post(f"http://127.0.0.1:{port}/")


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    """A certificate for ``name`` and its key, as PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver on loopback whose certificate names ``localhost``; our TLS context trusts it
    (as a company CA would be trusted), everything else about the connection is real."""
    import ssl

    from notifications import transport

    def start(certificate_name: str):
        cert, key = self_signed(tmp_path, certificate_name)
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(cert, key)
        seen_sni: list[str] = []
        server_context.sni_callback = lambda sock, name, context: seen_sni.append(name)
        client_context = ssl.create_default_context(cafile=cert)
        monkeypatch.setattr(transport, "_tls_context", lambda: client_context)
        return server_context, seen_sni

    return start


def test_webhook_post__https_checks_the_certificate_against_the_host_name(tls_receiver):
    server_context, seen_sni = tls_receiver("localhost")
    with webhook_receiver() as receiver:
        receiver_socket = receiver.server.socket
        receiver.server.socket = server_context.wrap_socket(receiver_socket, server_side=True)
        response = post(f"https://localhost:{receiver.port}/in")
    assert response.status == 200
    assert seen_sni == ["localhost"]  # SNI names the host, though we connected to its checked address
    assert receiver.received[0].headers["host"] == f"localhost:{receiver.port}"


def test_webhook_post__a_certificate_for_another_name_is_refused(tls_receiver):
    server_context, _ = tls_receiver("hooks.example.com")
    with webhook_receiver() as receiver:
        receiver.server.socket = server_context.wrap_socket(receiver.server.socket, server_side=True)
        with pytest.raises(WebhookTransportError, match="TLS certificate not accepted"):
            post(f"https://localhost:{receiver.port}/in")
    assert receiver.received == []
