from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

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

    assert "already exists" in ensure_admin_user()
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["owner"]


def test_ensure_admin_user__without_a_password_is_a_command_error(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="Set DJANGO_SUPERUSER_PASSWORD"):
        ensure_admin_user()
    assert not get_user_model().objects.exists()
