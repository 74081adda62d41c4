"""Where the Sandbox is, and how this site identifies itself to it: what the client, the provider and the
network agree on.

The network is served by this very site, under ``/sandbox/``. The publisher (often another process) and the
connect flow reach it over HTTP at ``SANDBOX_URL``; unset, at ``SITE_URL``, else at the address the person
connected the account through (the scheme and host of the OAuth redirect URI), which is kept on the account
(``extra["server_url"]``) for the publisher to use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "/sandbox"
API_PATH = f"{PREFIX}/api/v1"
AUTHORIZE_PATH = f"{PREFIX}/oauth/authorize/"
TOKEN_PATH = f"{PREFIX}/oauth/token/"

# This site as the network's one registered app. Its secret is derived from SECRET_KEY, which the web
# server and the publisher share: nothing to configure, nothing stored, different on every installation.
CLIENT_ID = "social-scheduler"
APP_NAME = "Social Scheduler"


def client_secret() -> str:
    return salted_hmac("social.platforms.sandbox", "oauth client secret", algorithm="sha256").hexdigest()


def origin_of(url: str) -> str:
    """``http://127.0.0.1:8000`` of ``http://127.0.0.1:8000/social/callback/sandbox/``; "" if not absolute."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def address_for_connect(redirect_uri: str) -> str:
    """The network's address for connecting an account: SANDBOX_URL, SITE_URL, else this site's own (the
    redirect URI's)."""
    return (settings.SANDBOX_URL or settings.SITE_URL or origin_of(redirect_uri)).rstrip("/")


def address_of_account(extra: Mapping[str, Any] | None) -> str:
    """The network's address for an account's calls: SANDBOX_URL, else the one kept when it was connected;
    "" when neither is known."""
    recorded = (extra or {}).get("server_url")
    return (settings.SANDBOX_URL or (recorded if isinstance(recorded, str) else "")).rstrip("/")
