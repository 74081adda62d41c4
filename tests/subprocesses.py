"""Starting Django processes from a test, against the test's own database."""

from __future__ import annotations

import os
from urllib.parse import quote

from django.db import connection


def database_url_for_subprocess() -> str:
    """The database the tests run on (``test_...``), as a DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += f":{quote(db['PASSWORD'])}"
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def subprocess_env(*, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a Django process sharing the test database, with the test settings."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_READ_DOT_ENV": "0",
        "DATABASE_URL": database_url or database_url_for_subprocess(),
        **extra,
    }
