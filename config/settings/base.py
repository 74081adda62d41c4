"""Settings shared by every environment, read from the environment with django-environ.

The names are the contract of docs/architecture.md; README.md lists each with its default.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from social.platforms.conf import platform_configuration

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A `.env` file in the project folder is read for convenience; real environment variables win.
if env.bool("DJANGO_READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_number(name: str, cast: type[int] | type[float], default: int | float) -> int | float:
    """A numeric setting; a value that is not a number stops the start with a message naming it."""
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        return cast(raw)
    except ValueError:
        what = "a whole number" if cast is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {what}, not {raw!r}.") from None


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of this site (scheme, host, optional path prefix), e.g. https://scheduler.example.com:
# the absolute links in emails and webhooks, and the signed media URLs platforms fetch.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    # Before the admin: its admin/base_site.html gives every admin page the viewer's time zone.
    "calendar_app",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "social",
    "media_library",
    "planning",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Under /api/v1/: any error answered outside the API's views (404, 405) as a problem document.
    "api.problems.ProblemDetailsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Activates the viewer's time zone (a cookie the admin's JS sets); UTC by default.
    "calendar_app.timezones.ViewerTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL and add the options each engine needs for concurrent publisher threads."""
    try:
        with warnings.catch_warnings():
            # Its warning for an unknown engine prints the parsed URL, password included.
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(url)
        if config["ENGINE"] not in environ.Env.DB_SCHEMES.values():
            raise ValueError("unknown scheme")  # django-environ passes an unknown scheme on as the ENGINE
    except (KeyError, ValueError, ImproperlyConfigured):
        # Name the scheme only: the rest of the URL may hold a password.
        scheme = urlsplit(url).scheme if "://" in url else ""
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL (scheme {scheme!r}): use "
            "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:////absolute/path.sqlite3"
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
        # threads never deadlock upgrading a read lock; the timeout makes writers queue, not fail.
        config.setdefault("OPTIONS", {}).update(
            {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    else:
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Stored times are aware UTC; each person sees them in their own zone, never the process's.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

# --- Media library -------------------------------------------------------------------------------
# Uploaded media live in the "default" storage: the file system under MEDIA_ROOT, or S3-compatible
# object storage when MEDIA_STORAGE_URL says so. Nothing there is served as is: people see files through
# the admin, platforms through signed, expiring URLs (media_library.public_urls).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
# s3://BUCKET[/PREFIX]?endpoint_url=https://...&region_name=...&addressing_style=path; unset = MEDIA_ROOT.
MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", default="")
# django-storages' own settings; the URL's values win. Credentials are read from the environment by
# django-storages itself (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), never from the URL.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="") or None
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None
AWS_S3_SIGNATURE_VERSION = env.str("AWS_S3_SIGNATURE_VERSION", default="") or None
AWS_LOCATION = env.str("AWS_LOCATION", default="")
# How long a public media URL (signed by the app, or presigned by S3) stays valid: long enough for a
# platform to fetch the file and for the publisher's retries of that call. Instagram keeps a container 24 h.
MEDIA_PUBLIC_URL_SECONDS = env_number("MEDIA_PUBLIC_URL_SECONDS", int, 86400)
# The largest file one upload may carry.
MEDIA_MAX_UPLOAD_BYTES = env_number("MEDIA_MAX_UPLOAD_BYTES", int, 2 * 1024**3)
FFPROBE_BINARY = env.str("FFPROBE_BINARY", default="ffprobe")
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="ffmpeg")

S3_URL_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version", "verify"}


def media_storage_from_url(url: str) -> tuple[dict, str]:
    """The "default" storage that MEDIA_STORAGE_URL asks for, and what is wrong with the URL ("" if nothing).

    A bad URL does not stop the settings from loading: the check media_library.E001 reports it, and the
    storage it yields refuses every operation with that message, so nothing is written somewhere unexpected.
    """
    if not url.strip():
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}, ""
    parts = urlsplit(url.strip())
    problem = ""
    if parts.scheme != "s3":
        problem = f"the scheme must be s3:// (got {parts.scheme or 'none'!r}); leave it unset for MEDIA_ROOT"
    elif "@" in parts.netloc:
        problem = "credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    options: dict = {}
    if not problem:
        bucket = parts.netloc or AWS_STORAGE_BUCKET_NAME
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = sorted(set(query) - S3_URL_OPTIONS)
        if not bucket:
            problem = "no bucket: use s3://BUCKET or set AWS_STORAGE_BUCKET_NAME"
        elif unknown:
            problem = f"unknown option {unknown[0]!r}; known: {', '.join(sorted(S3_URL_OPTIONS))}"
        elif query.get("addressing_style", "auto") not in {"auto", "path", "virtual"}:
            problem = "addressing_style must be auto, path or virtual"
        elif query.get("verify", "true").lower() not in {"true", "false"}:
            problem = "verify must be true or false"
        elif "endpoint_url" in query and urlsplit(query["endpoint_url"]).scheme not in {"http", "https"}:
            problem = "endpoint_url must be an http:// or https:// address"
        else:
            options = {key: value for key, value in query.items() if key != "verify"}
            if query.get("verify", "true").lower() == "false":
                options["verify"] = False
            options.update(bucket_name=bucket, location=parts.path.strip("/") or AWS_LOCATION)
    if problem:
        # The message names the scheme and host only: a URL may carry more than it should.
        return {
            "BACKEND": "media_library.storage.MisconfiguredStorage",
            "OPTIONS": {"reason": f"MEDIA_STORAGE_URL is not usable: {problem}"},
        }, f"MEDIA_STORAGE_URL is not usable: {problem}"
    # Private objects only: media reach platforms through presigned URLs, never a public bucket URL.
    options.update(querystring_auth=True, default_acl=None, custom_domain=None, file_overwrite=True)
    # Presigned URLs with signature version 4 (the only one newer regions and most S3-compatible servers take).
    options.setdefault("signature_version", AWS_S3_SIGNATURE_VERSION or "s3v4")
    # django-storages' S3Storage, with uploads held to a few parts in memory.
    return {"BACKEND": "media_library.storage.MediaS3Storage", "OPTIONS": options}, ""


MEDIA_STORAGE, MEDIA_STORAGE_ERROR = media_storage_from_url(MEDIA_STORAGE_URL)
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "social": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "calendar_app": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "media_library": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "planning": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        # These log token requests and answers (codes, tokens, client secrets in URLs) at DEBUG.
        "requests_oauthlib": {"level": "INFO"},
        "oauthlib": {"level": "INFO"},
        "urllib3": {"level": "INFO"},
        "botocore": {"level": "INFO"},
    },
}

# --- Secrets -------------------------------------------------------------------------------------
# 64 hex characters (32 bytes); comma-separated to rotate: the first encrypts, all decrypt.
ENCRYPTION_KEY = env.str("ENCRYPTION_KEY", default="")
# Bearer secret of GET /api/cron/publish-scheduled-posts; unset means the trigger answers 503.
CRON_SECRET = env.str("CRON_SECRET", default="")

# --- Publisher -----------------------------------------------------------------------------------
# Platform calls in flight per run. A call in flight holds no database connection: a run's writes go
# through at most PUBLISH_DB_CONNECTIONS connections (batched), so the width is the platforms' limit,
# not PostgreSQL's (BENCHMARKS.md).
PUBLISH_CONCURRENCY = env_number("PUBLISH_CONCURRENCY", int, 64)
PUBLISH_DB_CONNECTIONS = env_number("PUBLISH_DB_CONNECTIONS", int, 4)
# --watch sleeps at most this long between looks at what is due (NOTIFY wakes it sooner on PostgreSQL).
PUBLISH_WATCH_POLL_SECONDS = env_number("PUBLISH_WATCH_POLL_SECONDS", float, 5)
PUBLISH_LEASE_SECONDS = env_number("PUBLISH_LEASE_SECONDS", int, 600)
PUBLISH_MAX_SECONDS = env_number("PUBLISH_MAX_SECONDS", float, 50)
PUBLISH_MISSED_AFTER = env_number("PUBLISH_MISSED_AFTER", int, 86400)
# Exponential backoff between retry rounds: base * 2**round, capped, with jitter.
PUBLISH_RETRY_BASE_SECONDS = env_number("PUBLISH_RETRY_BASE_SECONDS", float, 60)
PUBLISH_RETRY_MAX_SECONDS = env_number("PUBLISH_RETRY_MAX_SECONDS", float, 3600)
# The platforms' posting quotas (X 100 posts per 15 minutes per account, ...): a post over one waits for the
# window to free. false: no ledger is kept and nothing is deferred (an app whose limits were raised by the
# platform; load tests against simulated platforms).
PUBLISH_QUOTAS = env.bool("PUBLISH_QUOTAS", default=True)
# Due posts waiting this long with no publisher run finishing meanwhile: the publisher is stalled
# (GET /healthz answers 503, `publisher.stalled` is recorded; calendar_app/health.py).
PUBLISH_STALL_AFTER = env_number("PUBLISH_STALL_AFTER", float, 300)

# --- Planning ------------------------------------------------------------------------------------
# Recurring posts are made as scheduled posts this many days ahead (create_recurring_posts).
PLANNING_RECURRENCE_WINDOW_DAYS = env_number("PLANNING_RECURRENCE_WINDOW_DAYS", int, 14)
# The most data rows one CSV import takes.
PLANNING_IMPORT_MAX_ROWS = env_number("PLANNING_IMPORT_MAX_ROWS", int, 5000)

# --- Platforms -----------------------------------------------------------------------------------
PLATFORM_CONNECT_TIMEOUT = env_number("PLATFORM_CONNECT_TIMEOUT", float, 5)
PLATFORM_READ_TIMEOUT = env_number("PLATFORM_READ_TIMEOUT", float, 30)

# The Sandbox (README, "The Sandbox"): a local simulation of a social network that this site serves under
# /sandbox/ and publishes to, for trying the product without any platform's credentials. Off unless turned
# on here; development settings turn it on by default. Off, none of its code is imported.
SANDBOX_PLATFORM = env.bool("SANDBOX_PLATFORM", default=False)

# Each platform's <P>_* settings (API_URL, CLIENT_ID, CLIENT_SECRET, AUTHORIZE_URL, TOKEN_URL, ...) and
# their defaults are declared by its package, social/platforms/<name>/ (README.md lists them); so is the
# Django app of a platform that has one, installed only while the platform is on.
globals().update(platform_configuration(env, globals()))

# Scheme and host of the OAuth redirect URIs when the app runs behind a proxy that hides them, e.g.
# https://scheduler.example.com; unset = taken from each request.
OAUTH_REDIRECT_BASE_URL = env.str("OAUTH_REDIRECT_BASE_URL", default="")

# --- The REST API (/api/v1/) ---------------------------------------------------------------------------
# Requests one API token may make in each minute; 0 turns the limit off.
API_RATE_LIMIT_PER_MINUTE = env_number("API_RATE_LIMIT_PER_MINUTE", int, 120)

# --- Notifications (email and webhooks) ------------------------------------------------------------
INSTALLED_APPS += ["notifications"]


def mailer_from_url(url: str, *, timeout: float) -> dict:
    """A MAILERS entry from EMAIL_URL (django-environ's schemes: smtp://, smtp+tls://, smtp+ssl://,
    consolemail://, ...); a malformed URL stops the start, never echoing its password."""
    try:
        config = environ.Env.email_url_config(url)
    except (ImproperlyConfigured, ValueError, KeyError):
        scheme = urlsplit(url).scheme if "://" in url else ""
        raise ImproperlyConfigured(
            f"EMAIL_URL is not an email URL (scheme {scheme!r}): use smtp://USER:PASSWORD@HOST:PORT, "
            "smtp+tls://... (STARTTLS), smtp+ssl://... (TLS) or consolemail://"
        ) from None
    backend = config["EMAIL_BACKEND"]
    options: dict = {}
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        options = {
            "host": config.get("EMAIL_HOST") or "localhost",
            "port": config.get("EMAIL_PORT"),  # None: 465 with TLS, 587 with STARTTLS, else 25
            "username": config.get("EMAIL_HOST_USER") or "",
            "password": config.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": timeout,
        }
    elif backend == "django.core.mail.backends.filebased.EmailBackend":
        options = {"file_path": config.get("EMAIL_FILE_PATH") or str(BASE_DIR / "sent-emails")}
    return {"BACKEND": backend, "OPTIONS": options}


# Unset: emails are printed to the console (a system check warns when DEBUG is off). EMAIL_URL itself is
# not kept as a setting: Django's error pages hide settings named like *PASSWORD*, not a URL holding one.
MAILERS = {
    "default": mailer_from_url(
        env.str("EMAIL_URL", default="") or "consolemail://", timeout=env_number("EMAIL_TIMEOUT", float, 10)
    )
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="scheduler@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Comma-separated addresses told about every failure (besides each post's author).
NOTIFY_EMAIL_TO = [address.strip() for address in env.list("NOTIFY_EMAIL_TO", default=[]) if address.strip()]
# Seconds one delivery pass (after each publisher run, or deliver_notifications) may take.
NOTIFY_DELIVERY_MAX_SECONDS = env_number("NOTIFY_DELIVERY_MAX_SECONDS", float, 10)
# true lets webhooks go to http:// and private addresses (a receiver on this machine or the LAN).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_CONNECT_TIMEOUT = env_number("WEBHOOK_CONNECT_TIMEOUT", float, 3)
WEBHOOK_READ_TIMEOUT = env_number("WEBHOOK_READ_TIMEOUT", float, 5)
LOGGING["loggers"]["notifications"] = {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")}
