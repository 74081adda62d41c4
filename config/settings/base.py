"""Settings shared by every environment, read from the environment with django-environ.

The names are the contract of DESIGN.md; README.md lists each with its default.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

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

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "social",
    "calendar_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Activates the viewer's time zone (a cookie the admin's JS sets); UTC by default.
    "calendar_app.middleware.ViewerTimezoneMiddleware",
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
        # These log token requests and answers (codes, tokens, client secrets in URLs) at DEBUG.
        "requests_oauthlib": {"level": "INFO"},
        "oauthlib": {"level": "INFO"},
        "urllib3": {"level": "INFO"},
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

# --- Platforms -----------------------------------------------------------------------------------
PLATFORM_CONNECT_TIMEOUT = env_number("PLATFORM_CONNECT_TIMEOUT", float, 5)
PLATFORM_READ_TIMEOUT = env_number("PLATFORM_READ_TIMEOUT", float, 30)

FACEBOOK_API_VERSION = env.str("FACEBOOK_API_VERSION", default="v25.0")
LINKEDIN_API_VERSION = env.str("LINKEDIN_API_VERSION", default="202607")

TWITTER_API_URL = env.str("TWITTER_API_URL", default="https://api.x.com")
FACEBOOK_API_URL = env.str("FACEBOOK_API_URL", default="https://graph.facebook.com")
# Instagram business accounts are published through the Graph API host, with the Facebook version.
INSTAGRAM_API_URL = env.str("INSTAGRAM_API_URL", default="https://graph.facebook.com")
LINKEDIN_API_URL = env.str("LINKEDIN_API_URL", default="https://api.linkedin.com")
YOUTUBE_API_URL = env.str("YOUTUBE_API_URL", default="https://www.googleapis.com")
YOUTUBE_UPLOAD_URL = env.str("YOUTUBE_UPLOAD_URL", default="https://www.googleapis.com/upload")

TWITTER_AUTHORIZE_URL = env.str("TWITTER_AUTHORIZE_URL", default="https://x.com/i/oauth2/authorize")
TWITTER_TOKEN_URL = env.str("TWITTER_TOKEN_URL", default="https://api.x.com/2/oauth2/token")
FACEBOOK_AUTHORIZE_URL = env.str(
    "FACEBOOK_AUTHORIZE_URL", default=f"https://www.facebook.com/{FACEBOOK_API_VERSION}/dialog/oauth"
)
FACEBOOK_TOKEN_URL = env.str(
    "FACEBOOK_TOKEN_URL", default=f"https://graph.facebook.com/{FACEBOOK_API_VERSION}/oauth/access_token"
)
# Instagram business accounts are connected through Facebook Login (the account linked to a Page).
INSTAGRAM_AUTHORIZE_URL = env.str("INSTAGRAM_AUTHORIZE_URL", default=FACEBOOK_AUTHORIZE_URL)
INSTAGRAM_TOKEN_URL = env.str("INSTAGRAM_TOKEN_URL", default=FACEBOOK_TOKEN_URL)
LINKEDIN_AUTHORIZE_URL = env.str(
    "LINKEDIN_AUTHORIZE_URL", default="https://www.linkedin.com/oauth/v2/authorization"
)
LINKEDIN_TOKEN_URL = env.str("LINKEDIN_TOKEN_URL", default="https://www.linkedin.com/oauth/v2/accessToken")
YOUTUBE_AUTHORIZE_URL = env.str(
    "YOUTUBE_AUTHORIZE_URL", default="https://accounts.google.com/o/oauth2/v2/auth"
)
YOUTUBE_TOKEN_URL = env.str("YOUTUBE_TOKEN_URL", default="https://oauth2.googleapis.com/token")

TWITTER_CLIENT_ID = env.str("TWITTER_CLIENT_ID", default="")
TWITTER_CLIENT_SECRET = env.str("TWITTER_CLIENT_SECRET", default="")
FACEBOOK_CLIENT_ID = env.str("FACEBOOK_CLIENT_ID", default="")
FACEBOOK_CLIENT_SECRET = env.str("FACEBOOK_CLIENT_SECRET", default="")
# One Meta app usually serves both Facebook Pages and Instagram, so Instagram falls back to it.
INSTAGRAM_CLIENT_ID = env.str("INSTAGRAM_CLIENT_ID", default=FACEBOOK_CLIENT_ID)
INSTAGRAM_CLIENT_SECRET = env.str("INSTAGRAM_CLIENT_SECRET", default=FACEBOOK_CLIENT_SECRET)
LINKEDIN_CLIENT_ID = env.str("LINKEDIN_CLIENT_ID", default="")
LINKEDIN_CLIENT_SECRET = env.str("LINKEDIN_CLIENT_SECRET", default="")
YOUTUBE_CLIENT_ID = env.str("YOUTUBE_CLIENT_ID", default="")
YOUTUBE_CLIENT_SECRET = env.str("YOUTUBE_CLIENT_SECRET", default="")

# Scheme and host of the OAuth redirect URIs when the app runs behind a proxy that hides them, e.g.
# https://scheduler.example.com; unset = taken from each request.
OAUTH_REDIRECT_BASE_URL = env.str("OAUTH_REDIRECT_BASE_URL", default="")
