"""Production settings: refuse to start without real secrets; `manage.py check --deploy` is clean."""

from django.core.exceptions import ImproperlyConfigured

from social.crypto import InvalidEncryptionKey
from social.crypto import parse_encryption_keys

from .base import *  # noqa: F403
from .base import ENCRYPTION_KEY
from .base import MEDIA_STORAGE
from .base import MIDDLEWARE
from .base import SECRET_KEY
from .base import env
from .base import env_number

DEBUG = False

if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if not ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "ENCRYPTION_KEY must be set in production: 64 hex characters, e.g. "
        "python -c 'import secrets; print(secrets.token_hex(32))'"
    )
try:
    if any(key == bytes(32) for key in parse_encryption_keys(ENCRYPTION_KEY)):
        raise ImproperlyConfigured("ENCRYPTION_KEY is the public development key; set a random one.")
except InvalidEncryptionKey as exc:
    raise ImproperlyConfigured(str(exc)) from exc

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", int, 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

# Serves the admin's static files from gunicorn, so production needs no separate web server.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
