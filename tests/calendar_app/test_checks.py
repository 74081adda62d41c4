from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from calendar_app.checks import check_cron_secret


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
