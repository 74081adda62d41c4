"""System checks name a bad notification setting at start."""

from __future__ import annotations

import pytest

from config.settings.base import mailer_from_url
from notifications.checks import check_delivery_numbers
from notifications.checks import check_email_addresses
from notifications.checks import check_email_backend
from notifications.checks import check_site_url


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    ("site_url", "debug", "expected"),
    [
        ("https://scheduler.example.com", False, []),
        ("https://example.com/scheduler", False, []),
        ("http://127.0.0.1:8000", True, []),
        ("", True, []),
        ("", False, ["notifications.W001"]),
        ("scheduler.example.com", False, ["notifications.E001"]),
        ("ftp://scheduler.example.com", False, ["notifications.E001"]),
        ("https://scheduler.example.com?x=1", False, ["notifications.E001"]),
        ("https://scheduler.example.com:port", False, ["notifications.E001"]),
    ],
)
def test_check_site_url(settings, site_url, debug, expected):
    settings.SITE_URL, settings.DEBUG = site_url, debug
    messages = check_site_url()
    assert ids(messages) == expected
    assert all(message.hint for message in messages)


def test_check_email_addresses(settings):
    settings.DEFAULT_FROM_EMAIL = "Scheduler <scheduler@example.com>"
    settings.NOTIFY_EMAIL_TO = ["ops@example.com", "editor@example.com"]
    assert check_email_addresses() == []
    settings.NOTIFY_EMAIL_TO = ["ops@example.com", "not an address"]
    settings.DEFAULT_FROM_EMAIL = "scheduler"
    messages = check_email_addresses()
    assert ids(messages) == ["notifications.E002", "notifications.E003"]
    assert "'not an address'" in messages[1].msg and "ops@" not in messages[1].msg


def test_check_email_backend__console_in_production_is_a_warning(settings):
    settings.DEBUG = False
    settings.MAILERS = {"default": mailer_from_url("consolemail://", timeout=10)}
    assert ids(check_email_backend()) == ["notifications.W002"]
    settings.MAILERS = {"default": mailer_from_url("smtp+tls://u:p@smtp.example.com:587", timeout=10)}
    assert check_email_backend() == []
    settings.DEBUG = True
    settings.MAILERS = {"default": mailer_from_url("consolemail://", timeout=10)}
    assert check_email_backend() == []


def test_check_delivery_numbers(settings):
    assert check_delivery_numbers() == []
    settings.WEBHOOK_READ_TIMEOUT = 0
    settings.MAILERS = {"default": mailer_from_url("smtp://localhost", timeout=-1)}
    messages = check_delivery_numbers()
    assert ids(messages) == ["notifications.E004", "notifications.E004"]
    assert "WEBHOOK_READ_TIMEOUT" in messages[0].msg and "EMAIL_TIMEOUT" in messages[1].msg


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+tls://mailer:p%40ss@smtp.example.com:587",
            {
                "host": "smtp.example.com",
                "port": 587,
                "username": "mailer",
                "password": "p@ss",
                "use_tls": True,
            },
        ),
        ("smtp://127.0.0.1:2525", {"host": "127.0.0.1", "port": 2525, "username": "", "use_tls": False}),
        ("smtp+ssl://smtp.example.com", {"use_ssl": True, "port": None}),
    ],
)
def test_mailer_from_url(url, expected):
    mailer = mailer_from_url(url, timeout=7)
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"]["timeout"] == 7
    for name, value in expected.items():
        assert mailer["OPTIONS"][name] == value


def test_mailer_from_url__console_takes_no_options():
    assert mailer_from_url("consolemail://", timeout=3) == {
        "BACKEND": "django.core.mail.backends.console.EmailBackend",
        "OPTIONS": {},
    }
