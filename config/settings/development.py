"""Development settings: what a newcomer gets with no configuration at all (SQLite, DEBUG)."""

from social.platforms.conf import platform_configuration

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The Sandbox is on unless SANDBOX_PLATFORM=false: a first run can publish without any platform's
# credentials. Its settings and Django app are added now that it is on.
SANDBOX_PLATFORM = env.bool("SANDBOX_PLATFORM", default=True)
globals().update(platform_configuration(env, globals()))

# Public, development-only values: production settings refuse both (see production.py).
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105
DEVELOPMENT_ENCRYPTION_KEY = "00" * 32

SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ENCRYPTION_KEY = env.str("ENCRYPTION_KEY", default=DEVELOPMENT_ENCRYPTION_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
