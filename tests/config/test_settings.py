"""Settings come from the environment: safe defaults in development, refusal in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.base import database_from_url

PROJECT = Path(__file__).resolve().parents[2]
REAL_KEY = "ab" * 32
REAL_SECRET = "k3y-" + "x9Qz" * 15


def run_python(code: str, settings_module: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter with only the given environment (no .env file)."""
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_READ_DOT_ENV": "0",
        "DJANGO_SETTINGS_MODULE": settings_module,
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, env=clean, capture_output=True, text=True, timeout=120
    )


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "DJANGO_READ_DOT_ENV": "0"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


DUMP = """
import json, django
from django.conf import settings
django.setup()
names = ["DEBUG", "CRON_SECRET", "PUBLISH_CONCURRENCY", "PUBLISH_DB_CONNECTIONS", "PUBLISH_WATCH_POLL_SECONDS",
         "PUBLISH_LEASE_SECONDS", "PUBLISH_MAX_SECONDS",
         "PUBLISH_MISSED_AFTER", "YOUTUBE_UPLOAD_URL", "TWITTER_API_URL", "FACEBOOK_API_URL", "INSTAGRAM_API_URL",
         "LINKEDIN_API_URL", "YOUTUBE_API_URL", "FACEBOOK_API_VERSION", "LINKEDIN_API_VERSION", "TIME_ZONE",
         "USE_TZ", "TWITTER_CLIENT_ID", "ENCRYPTION_KEY"]
out = {name: getattr(settings, name) for name in names}
out["DB_ENGINE"] = settings.DATABASES["default"]["ENGINE"]
out["DB_NAME"] = str(settings.DATABASES["default"]["NAME"])
print(json.dumps(out))
"""


def test_development__defaults_with_no_environment():
    result = run_python(DUMP, "config.settings.development")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is True
    assert values["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"] == str(PROJECT / "db.sqlite3")
    assert values["CRON_SECRET"] == ""
    assert values["PUBLISH_CONCURRENCY"] == 64
    assert values["PUBLISH_DB_CONNECTIONS"] == 4
    assert values["PUBLISH_WATCH_POLL_SECONDS"] == 5
    assert values["PUBLISH_LEASE_SECONDS"] == 600
    assert values["PUBLISH_MAX_SECONDS"] == 50
    assert values["PUBLISH_MISSED_AFTER"] == 86400
    assert values["YOUTUBE_UPLOAD_URL"] == "https://www.googleapis.com/upload"
    assert values["TWITTER_API_URL"] == "https://api.x.com"
    assert values["FACEBOOK_API_URL"] == "https://graph.facebook.com"
    assert values["LINKEDIN_API_URL"] == "https://api.linkedin.com"
    assert values["FACEBOOK_API_VERSION"].startswith("v")
    assert len(values["LINKEDIN_API_VERSION"]) == 6
    assert values["TIME_ZONE"] == "UTC" and values["USE_TZ"] is True
    assert values["TWITTER_CLIENT_ID"] == ""
    # Development has a usable (public, development-only) key so a newcomer can connect accounts.
    assert len(values["ENCRYPTION_KEY"]) == 64


def test_development__environment_overrides_defaults():
    result = run_python(
        DUMP,
        "config.settings.development",
        PUBLISH_CONCURRENCY="32",
        CRON_SECRET="s" * 40,
        TWITTER_API_URL="http://127.0.0.1:9999",
        DATABASE_URL="postgres://someone@db.example:5433/scheduler",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["PUBLISH_CONCURRENCY"] == 32
    assert values["CRON_SECRET"] == "s" * 40
    assert values["TWITTER_API_URL"] == "http://127.0.0.1:9999"
    assert values["DB_ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_NAME"] == "scheduler"


def test_database_from_url__sqlite_gets_concurrency_options():
    config = database_from_url("sqlite:////tmp/x.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "django-insecure-" + "a" * 50}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": REAL_SECRET}, "ENCRYPTION_KEY must be set"),
        ({"SECRET_KEY": REAL_SECRET, "ENCRYPTION_KEY": "abc"}, "has 3 characters"),
        ({"SECRET_KEY": REAL_SECRET, "ENCRYPTION_KEY": "zz" * 32}, "not hexadecimal"),
        ({"SECRET_KEY": REAL_SECRET, "ENCRYPTION_KEY": "00" * 32}, "public development key"),
    ],
)
def test_production__refuses_to_start_without_real_secrets(env, expected):
    result = run_manage(
        "check", DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="x", **env
    )
    assert result.returncode != 0
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # one line, no traceback
    # The refusal never echoes what was given.
    for value in env.values():
        assert value not in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PUBLISH_CONCURRENCY": "sixteen"}, "PUBLISH_CONCURRENCY must be a whole number, not 'sixteen'."),
        ({"PUBLISH_MAX_SECONDS": "50s"}, "PUBLISH_MAX_SECONDS must be a number, not '50s'."),
        (
            {"DATABASE_URL": "mysqlx://app:hunter2@db/app"},
            "DATABASE_URL is not a database URL (scheme 'mysqlx')",
        ),
        ({"DATABASE_URL": "postgres//app:hunter2@db/app"}, "DATABASE_URL is not a database URL"),
        ({"EMAIL_URL": "mailx://app:hunter2@mail/"}, "EMAIL_URL is not an email URL (scheme 'mailx')"),
        ({"NOTIFY_DELIVERY_MAX_SECONDS": "ten"}, "NOTIFY_DELIVERY_MAX_SECONDS must be a number, not 'ten'."),
    ],
    ids=["not-a-whole-number", "not-a-number", "unknown-scheme", "no-scheme", "email-url", "delivery-budget"],
)
def test_settings__a_malformed_value_is_one_line_naming_it(env, expected):
    result = run_manage("publish_due_posts", **env)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("CommandError: Bad configuration: ")
    assert expected in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert "hunter2" not in result.stderr


def test_production__check_deploy_is_clean_with_real_secrets(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=REAL_SECRET,
        ENCRYPTION_KEY=REAL_KEY,
        CRON_SECRET="c" * 16 + "R" * 16 + "0" * 8,
        ALLOWED_HOSTS="scheduler.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Notifications need a mail server and the address of the links they carry.
        EMAIL_URL="smtp+tls://mailer:mail-pw@smtp.example.com:587",
        SITE_URL="https://scheduler.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


MAILER_DUMP = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"MAILERS": settings.MAILERS, "has_email_url": hasattr(settings, "EMAIL_URL"),
                  "NOTIFY_EMAIL_TO": settings.NOTIFY_EMAIL_TO, "SITE_URL": settings.SITE_URL,
                  "WEBHOOK_ALLOW_PRIVATE": settings.WEBHOOK_ALLOW_PRIVATE}))
"""


def test_notifications__email_url_configures_the_default_mailer():
    result = run_python(
        MAILER_DUMP,
        "config.settings.development",
        EMAIL_URL="smtp+tls://mailer:s3cret%2Fpw@smtp.example.com:587",
        NOTIFY_EMAIL_TO="ops@example.com, editor@example.com",
        SITE_URL="https://scheduler.example.com/",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["MAILERS"]["default"] == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": "smtp.example.com",
            "port": 587,
            "username": "mailer",
            "password": "s3cret/pw",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 10,
        },
    }
    # The URL holds a password; Django's error pages would show a setting named EMAIL_URL.
    assert values["has_email_url"] is False
    assert values["NOTIFY_EMAIL_TO"] == ["ops@example.com", "editor@example.com"]
    assert values["SITE_URL"] == "https://scheduler.example.com"
    assert values["WEBHOOK_ALLOW_PRIVATE"] is False


def test_notifications__without_email_url_emails_go_to_the_console():
    result = run_python(MAILER_DUMP, "config.settings.development")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["MAILERS"]["default"]["BACKEND"].endswith("console.EmailBackend")
