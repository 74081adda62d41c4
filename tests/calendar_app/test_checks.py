from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from calendar_app.checks import check_cron_secret
from calendar_app.checks import check_stall_after


@pytest.mark.parametrize(
    ("secret", "expected"),
    [("", ["calendar_app.W001"]), ("short-secret", ["calendar_app.W002"]), ("x" * 32, []), ("x" * 40, [])],
)
def test_check_cron_secret(secret, expected):
    with override_settings(CRON_SECRET=secret):
        assert [message.id for message in check_cron_secret()] == expected


def test_check_cron_secret__registered_by_the_app():
    with override_settings(CRON_SECRET=""):
        assert "calendar_app.W001" in [message.id for message in run_checks()]


@pytest.mark.parametrize(
    ("value", "expected"), [(300, []), (0.5, []), (0, ["calendar_app.E001"]), (-5, ["calendar_app.E001"])]
)
def test_check_stall_after(value, expected):
    with override_settings(PUBLISH_STALL_AFTER=value):
        assert [message.id for message in check_stall_after()] == expected


@pytest.mark.django_db  # the model checks ask SQLite whether it has JSON
def test_check_stall_after__registered_by_the_app():
    with override_settings(PUBLISH_STALL_AFTER=0):
        assert "calendar_app.E001" in [message.id for message in run_checks()]
