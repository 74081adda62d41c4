"""SANDBOX_PLATFORM: on in development, off in production unless set; off, none of the Sandbox's code is
imported (its app, models, admin, URLs, checks) and none of its tables exist. Each case runs in a fresh
interpreter, as the site would start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[4]
REAL_SECRET = "k3y-" + "x9Qz" * 15

STARTED = """
import json, sys
import django
from django.conf import settings
django.setup()
from django.contrib import admin
from django.core.management import call_command
from django.urls import Resolver404, resolve
import config.urls
from social.platforms import platform_specs
from social.platforms.checks import check_platform_specs

admin.autodiscover()
call_command("check", verbosity=0)

def resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True

print(json.dumps({
    "SANDBOX_PLATFORM": settings.SANDBOX_PLATFORM,
    "apps": [app for app in settings.INSTALLED_APPS if "sandbox" in app],
    "platforms": [spec.platform for spec in platform_specs()],
    "timeline": resolves("/sandbox/acme/"),
    "loaded": sorted(name for name in sys.modules if name.startswith("social.platforms.sandbox")),
}))
"""


def run(args: list[str], settings_module: str = "config.settings.development", **env: str):
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_READ_DOT_ENV": "0",
        "DJANGO_SETTINGS_MODULE": settings_module,
    } | env
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT, env=clean, capture_output=True, text=True, timeout=120
    )


def started(settings_module: str = "config.settings.development", **env: str) -> dict:
    result = run(["-c", STARTED], settings_module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development__the_sandbox_is_on_unless_turned_off():
    on = started()
    assert on["SANDBOX_PLATFORM"] is True
    assert on["apps"] == ["social.platforms.sandbox.apps.SandboxConfig"]
    assert on["platforms"][-1] == "SANDBOX" and on["timeline"] is True

    off = started(SANDBOX_PLATFORM="false")
    assert (off["SANDBOX_PLATFORM"], off["apps"], off["timeline"]) == (False, [], False)
    assert "SANDBOX" not in off["platforms"]
    assert off["loaded"] == []  # not its app, models, admin, URLs, checks, client or provider


PRODUCTION = {
    "SECRET_KEY": REAL_SECRET,
    "ENCRYPTION_KEY": "ab" * 32,
    "ALLOWED_HOSTS": "scheduler.example.com",
}


def test_production__the_sandbox_is_off_unless_turned_on(tmp_path):
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    off = started("config.settings.production", **PRODUCTION, **database)
    assert (off["SANDBOX_PLATFORM"], off["apps"], off["loaded"]) == (False, [], [])

    on = run(
        ["manage.py", "check"],
        "config.settings.production",
        **PRODUCTION,
        **database,
        SANDBOX_PLATFORM="true",
    )
    assert on.returncode == 0, on.stderr
    assert "sandbox.W001" in on.stderr + on.stdout


@pytest.mark.parametrize("first", ["off", "on"])
def test_migrations__clean_and_applied_whichever_way_the_setting_goes(tmp_path, first):
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    states = ["false", "true", "false"] if first == "off" else ["true", "false", "true"]
    for position, state in enumerate(states):
        for command in (["makemigrations", "--check", "--dry-run"], ["migrate", "--no-input"]):
            result = run(["manage.py", *command], SANDBOX_PLATFORM=state, **database)
            assert result.returncode == 0, (
                f"{command} with SANDBOX_PLATFORM={state}: {result.stdout}{result.stderr}"
            )
        tables = run(
            [
                "-c",
                "import django; django.setup(); from django.db import connection; "
                "print(sorted(t for t in connection.introspection.table_names() if t.startswith('sandbox_')))",
            ],
            SANDBOX_PLATFORM=state,
            **database,
        )
        made = json.loads(tables.stdout.replace("'", '"'))
        # Made the first time the Sandbox is on, and kept (unused) while it is off.
        assert bool(made) == ("true" in states[: position + 1]), (state, made)
