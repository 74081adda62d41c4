from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def ensure_admin_user(*args: str) -> str:
    out = StringIO()
    call_command("ensure_admin_user", *args, stdout=out)
    return out.getvalue()


def test_ensure_admin_user__creates_the_superuser_and_names_where_to_log_in(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-dev-password")

    out = ensure_admin_user("--address", "127.0.0.1:8123")

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("a-long-dev-password")
    assert "Log in at http://127.0.0.1:8123/admin/." in out
    assert "a-long-dev-password" not in out


def test_ensure_admin_user__leaves_an_existing_superuser_alone(monkeypatch):
    get_user_model().objects.create_superuser(username="owner", email="", password="kept")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "another")

    out = ensure_admin_user("--address", "127.0.0.1:8123")

    assert "already exists" in out
    assert "log in at http://127.0.0.1:8123/admin/." in out
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["owner"]


def test_ensure_admin_user__with_the_sandbox_on_the_admin_link_is_followed_by_the_first_run(
    monkeypatch, settings
):
    settings.SANDBOX_PLATFORM = True
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-dev-password")

    lines = ensure_admin_user("--address", "127.0.0.1:8123").splitlines()

    assert lines[0].endswith("Log in at http://127.0.0.1:8123/admin/.")
    assert "Sandbox" in lines[1]
    assert [re.search(r"http://\S+", line)[0] for line in lines[2:]] == [
        "http://127.0.0.1:8123/social/connect/sandbox/",
        "http://127.0.0.1:8123/admin/calendar_app/scheduledpost/add/",
        "http://127.0.0.1:8123/sandbox/",
    ]


def test_ensure_admin_user__with_the_sandbox_off_only_the_admin_link(monkeypatch, settings):
    settings.SANDBOX_PLATFORM = False
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-dev-password")

    out = ensure_admin_user("--address", "127.0.0.1:8123")

    assert out.strip().splitlines()[-1].endswith("Log in at http://127.0.0.1:8123/admin/.")
    assert "Sandbox" not in out


def test_ensure_admin_user__without_a_password_is_a_command_error(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="Set DJANGO_SUPERUSER_PASSWORD"):
        ensure_admin_user()
    assert not get_user_model().objects.exists()
