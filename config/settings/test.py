"""Settings for the test suite: development settings with a fixed key and fast hashing."""

from .development import *  # noqa: F403

ENCRYPTION_KEY = "11" * 32
CRON_SECRET = ""
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
