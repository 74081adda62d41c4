"""Mastodon: OAuth 2.0 authorization code with PKCE (S256) at the account's own server, through the app
registered there (``registration.py``). Tokens do not expire and cannot be refreshed: a refused token
makes the account NEEDS_RECONNECT."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from social.models import Platform
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import OAuthConnectError
from social.platforms.base.oauth import OAuthProvider
from social.platforms.base.oauth import TokenSet

from .limits import InstanceReadError
from .limits import server_limits_fetch
from .models import MastodonApp
from .registration import SCOPES
from .server import host_of

logger = logging.getLogger(__name__)


class MastodonProvider(OAuthProvider):
    """Unbound (as the registry builds it) it only names the platform; bound to one server's app it signs
    people in there."""

    platform = Platform.MASTODON
    scopes = SCOPES
    uses_pkce = True
    supports_refresh = False
    # Without it the server signs in whoever is signed in there already: a second account could not be
    # connected.
    authorize_params = {"force_login": "true"}
    # Nothing to set up: the app registers itself on each server.
    required_settings = ()

    def __init__(self, app: MastodonApp | None = None) -> None:
        self.app = app

    def for_app(self, app: MastodonApp) -> MastodonProvider:
        return type(self)(app)

    def resume(self, context: Mapping[str, str]) -> MastodonProvider:
        app = MastodonApp.objects.filter(pk=context.get("app_id") or None).first()
        if app is None or app.server_url != context.get("server_url"):
            raise OAuthConnectError(
                "This site's registration on the Mastodon server of this sign-in is gone; connect again."
            )
        return self.for_app(app)

    @property
    def server_url(self) -> str:
        if self.app is None:
            raise OAuthConnectError("No Mastodon server was chosen for this sign-in; connect again.")
        return self.app.server_url

    def setting(self, suffix: str) -> str:
        """The app's endpoints and credentials are its server's, not settings."""
        values = {
            "AUTHORIZE_URL": f"{self.server_url}/oauth/authorize",
            "TOKEN_URL": f"{self.server_url}/oauth/token",
            "API_URL": self.server_url,
        }
        if suffix in values:
            return values[suffix]
        if suffix in ("CLIENT_ID", "CLIENT_SECRET"):
            return getattr(self.app, suffix.lower()) if self.app else ""
        return super().setting(suffix)

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        host = host_of(self.server_url)
        account = self.get_json(
            f"{self.server_url}/api/v1/accounts/verify_credentials",
            access_token=tokens.access_token,
            what="your Mastodon account",
        )
        account_id, username = account.get("id"), account.get("username")
        if not account_id or not isinstance(username, str) or not username:
            raise OAuthConnectError(f"{host} answered without the account's id and username.")
        extra: dict = {"server_url": self.server_url, "username": username}
        try:
            extra["instance"] = server_limits_fetch(self.server_url, timeout=self.timeout).as_extra()
        except InstanceReadError as exc:
            # Not fatal: the limits are read again when a post is saved; until then Mastodon's defaults.
            logger.warning("Could not read the limits of the Mastodon server %s: %s", host, exc)
        return [
            ConnectableAccount(
                external_id=f"{account_id}@{host}",
                name=f"@{username}@{host}",
                tokens=tokens,
                extra=extra,
            )
        ]
