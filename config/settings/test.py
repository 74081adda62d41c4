"""Settings for the test suite: development settings with a fixed key and fast hashing."""

from .development import *  # noqa: F403

ENCRYPTION_KEY = "11" * 32
CRON_SECRET = ""
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The Sandbox (on, as in development) answers at once; a test that wants latency sets it.
SANDBOX_LATENCY_MS = "0"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os
    import tempfile

    # A file, not SQLite's shared in-memory database, so publisher threads get real locking (WAL).
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"social-scheduler-test-{os.getpid()}.sqlite3")
    }
