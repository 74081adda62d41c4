"""Connecting a Sandbox account: the OAuth 2.0 code flow with PKCE, through the same connect and callback
views as every platform, against the network's consent page and token endpoint; and its token refresh.

The network lives at this site's own address, which in development is plain ``http://``. requests-oauthlib
refuses OAuth over plain HTTP, so this provider makes the token requests itself (the same form POST, its
answer read by oauthlib, its failures sorted by ``call_token_endpoint`` like every provider's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from oauthlib.oauth2 import WebApplicationClient
from oauthlib.oauth2.rfc6749.parameters import parse_token_response

from social.models import Platform
from social.models import SocialAccount
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import OAuthConnectError
from social.platforms.base.oauth import OAuthProvider
from social.platforms.base.oauth import TokenEndpointError
from social.platforms.base.oauth import TokenRefreshError
from social.platforms.base.oauth import TokenRevokedError
from social.platforms.base.oauth import TokenSet
from social.platforms.base.oauth import reject_unavailable
from social.redaction import redact

from .endpoints import API_PATH
from .endpoints import AUTHORIZE_PATH
from .endpoints import CLIENT_ID
from .endpoints import TOKEN_PATH
from .endpoints import address_for_connect
from .endpoints import address_of_account
from .endpoints import client_secret


class SandboxProvider(OAuthProvider):
    platform = Platform.SANDBOX
    scopes = ("profile", "posts:write")
    uses_pkce = True
    supports_refresh = True
    # Nothing to configure: the app's credentials come from SECRET_KEY, the address from the site.
    required_settings = ()

    @property
    def client_id(self) -> str:
        return CLIENT_ID

    @property
    def client_secret(self) -> str:
        return client_secret()

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str | None = None) -> str:
        if not code_verifier:
            raise ValueError("The Sandbox uses PKCE: a code_verifier is required.")
        params = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": self.scope_separator.join(self.scopes),
            "state": state,
            "code_challenge": WebApplicationClient(CLIENT_ID).create_code_challenge(code_verifier, "S256"),
            "code_challenge_method": "S256",
        }
        return f"{address_for_connect(redirect_uri)}{AUTHORIZE_PATH}?{urlencode(params)}"

    def connect(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> list[ConnectableAccount]:
        address = address_for_connect(redirect_uri)
        fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        try:
            tokens = self._token_request(address, fields | {"code_verifier": code_verifier or ""})
        except TokenEndpointError as exc:
            message = redact(str(exc), [code, code_verifier, self.client_secret])
            raise OAuthConnectError(f"The Sandbox did not accept the authorization: {message}") from None
        me = self.get_json(
            f"{address}{API_PATH}/me", what="the Sandbox account", access_token=tokens.access_token
        )
        handle = me.get("handle")
        if not isinstance(handle, str) or not handle:
            raise OAuthConnectError("The Sandbox answered without the account's handle.")
        name = str(me.get("display_name") or handle)
        return [
            ConnectableAccount(
                external_id=handle,
                name=f"{name} (Sandbox)",
                tokens=tokens,
                extra={"server_url": address, "handle": handle},
            )
        ]

    def refresh_account(self, account: SocialAccount) -> TokenSet:
        address = address_of_account(account.extra)
        if not address:
            raise TokenRevokedError("The Sandbox account has no address to refresh at; reconnect it.")
        try:
            tokens = self._token_request(
                address, {"grant_type": "refresh_token", "refresh_token": account.refresh_token}
            )
        except TokenEndpointError as exc:
            message = f"Sandbox token refresh failed: {redact(str(exc), [account.refresh_token])}"
            raise (TokenRevokedError if exc.revoked else TokenRefreshError)(message) from None
        return tokens

    def refresh(self, refresh_token: str) -> TokenSet:
        raise TokenRefreshError(
            "A Sandbox token is refreshed at its account's address: use refresh_account()."
        )

    def _token_request(self, address: str, fields: Mapping[str, str]) -> TokenSet:
        """POST to the network's token endpoint (client_secret_post); failures as TokenEndpointError."""

        def fetch(_session: Any) -> Mapping[str, Any]:
            response = requests.post(
                f"{address}{TOKEN_PATH}",
                data={**fields, "client_id": CLIENT_ID, "client_secret": self.client_secret},
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
            return parse_token_response(reject_unavailable(response).text)

        return self.call_token_endpoint(fetch)
