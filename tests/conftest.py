"""Fixtures shared by every test module."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

# In CI every test must run: a skip for a missing PostgreSQL or browser is a failure there.
REQUIRE_ALL = os.environ.get("CI_REQUIRE_ALL") == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("postgres_only")
        if marker and connection.vendor != "postgresql":
            needs = marker.kwargs.get("reason", "row locks, SKIP LOCKED")
            _skip_or_fail(item, f"needs PostgreSQL ({needs}): set DATABASE_URL=postgres://...")
        if (
            item.get_closest_marker("browser")
            and not shutil.which("chromium")
            and not os.path.exists("/usr/bin/chromium")
        ):
            _skip_or_fail(item, "needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")


def _skip_or_fail(item, reason: str) -> None:
    if REQUIRE_ALL:
        pytest.exit(f"CI_REQUIRE_ALL=1 but {item.nodeid} {reason}", returncode=1)
    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="author", password="pw-author-1")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser(username="staff", password="pw-staff-1")
