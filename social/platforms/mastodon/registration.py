"""This site's app on a Mastodon server: registered there on the first connect (``POST /api/v1/apps``), kept
in ``MastodonApp`` and reused for every later account on that server.

Two people connecting accounts of the same new server at once register it once: the registration row is
created and locked in one transaction, and the second waits for the first to finish, then uses its app.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.db import transaction

from .models import MastodonApp
from .server import host_of

logger = logging.getLogger(__name__)

# Reading the account at connect, its statuses to reconcile; writing statuses and media.
SCOPES = ("read:accounts", "read:statuses", "write:statuses", "write:media")


class RegistrationError(Exception):
    """The server did not register the app; the message says why, for the person connecting."""


def mastodon_app_for_server(*, server_url: str, redirect_uri: str) -> MastodonApp:
    """This site's app on ``server_url`` for ``redirect_uri``, registered there now if there is none yet
    (or the one kept no longer serves: other scopes, an expired secret). Raises RegistrationError."""
    scopes = " ".join(SCOPES)
    with transaction.atomic():
        app, _ = MastodonApp.objects.get_or_create(
            server_url=server_url,
            redirect_uri=redirect_uri,
            defaults={"scopes": "", "client_id": "", "client_secret": ""},
        )
        app = MastodonApp.objects.select_for_update().get(pk=app.pk)
        if app.serves(scopes=scopes):
            return app
        registered = _register(server_url=server_url, redirect_uri=redirect_uri, scopes=scopes)
        app.client_id = registered["client_id"]
        app.client_secret = registered["client_secret"]
        app.client_secret_expires_at = _expiry(registered.get("client_secret_expires_at"))
        app.scopes = scopes
        app.save()
    logger.info("Registered this site's app on the Mastodon server %s", server_url)
    return app


def _register(*, server_url: str, redirect_uri: str, scopes: str) -> Mapping[str, Any]:
    host = host_of(server_url)
    try:
        response = requests.post(
            f"{server_url}/api/v1/apps",
            data={
                "client_name": settings.MASTODON_CLIENT_NAME,
                "redirect_uris": redirect_uri,
                "scopes": scopes,
            },
            headers={"Accept": "application/json"},
            timeout=(settings.PLATFORM_CONNECT_TIMEOUT, settings.PLATFORM_READ_TIMEOUT),
            allow_redirects=False,
        )
    except requests.Timeout:
        raise RegistrationError(f"{host} did not answer in time. Try again later.") from None
    except requests.RequestException:
        raise RegistrationError(f"Could not reach {host}. Check the server's name.") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        said = body.get("error") if isinstance(body, Mapping) else None
        raise RegistrationError(
            f"{host} did not register this site as an app (HTTP {response.status_code}"
            + (f": {str(said)[:200]}" if said else "")
            + "). Is it a Mastodon server?"
        )
    if not (
        isinstance(body, Mapping)
        and isinstance(body.get("client_id"), str)
        and body["client_id"]
        and isinstance(body.get("client_secret"), str)
        and body["client_secret"]
    ):
        raise RegistrationError(
            f"{host} answered, but not with an app registration. Is it a Mastodon server?"
        )
    return body


def _expiry(value: Any) -> datetime | None:
    """``client_secret_expires_at``: 0 (or absent) means the secret never expires."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None
