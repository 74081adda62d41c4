"""Bluesky sessions: signing in with a handle and an app password, and keeping the session fresh.

- ``com.atproto.server.createSession`` ``{identifier, password}`` at the account's PDS answers the DID, the
  handle and two JWTs: an access token (two hours in the reference PDS) and a refresh token (90 days).
- ``com.atproto.server.refreshSession`` with ``Authorization: Bearer <refresh JWT>`` answers a new pair; the
  spent refresh token stops working, so refreshes run under the account's row lock (``social.services``).

The app password is used for the one createSession call and dropped: it is never stored, logged or put
into a message. Only an app password's session is accepted: a session of the account's main password
could change its email or delete it, so it is ended at once and the person asked for an app password.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from social.models import Platform
from social.platforms.base.http import host_of
from social.platforms.base.http import safe_json
from social.platforms.base.http import seconds_until_epoch
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import OAuthConnectError
from social.platforms.base.oauth import OAuthProvider
from social.platforms.base.oauth import TokenRefreshError
from social.platforms.base.oauth import TokenRevokedError
from social.platforms.base.oauth import TokenSet
from social.platforms.base.oauth import redact

if TYPE_CHECKING:
    from social.models import SocialAccount

logger = logging.getLogger(__name__)

# The scope of an access token made from the account's own password (app passwords' are
# com.atproto.appPass and com.atproto.appPassPrivileged).
FULL_ACCESS_SCOPE = "com.atproto.access"
# Refusals of a refresh token that no later attempt will change.
REFRESH_REFUSED_FOR_GOOD = frozenset(
    {"ExpiredToken", "InvalidToken", "AccountTakedown", "AuthenticationRequired"}
)
APP_PASSWORDS_PLACE = "Settings > Privacy and security > App passwords"


class BlueskySignInError(OAuthConnectError):
    """Signing in failed; the message says why in words for the person, naming Bluesky."""


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without checking its signature (only the PDS can, and it does)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def jwt_expiry(token: str) -> datetime | None:
    exp = jwt_claims(token).get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        return datetime.fromtimestamp(exp, UTC)
    return None


def pds_url_of(account: SocialAccount) -> str:
    return str((account.extra or {}).get("pds_url") or settings.BLUESKY_PDS_URL).rstrip("/")


class BlueskyProvider(OAuthProvider):
    platform = Platform.BLUESKY
    supports_refresh = True
    required_settings = ("PDS_URL",)

    def xrpc(self, pds_url: str, method: str) -> str:
        return f"{pds_url.rstrip('/')}/xrpc/{method}"

    # --- signing in --------------------------------------------------------------------------------

    @sensitive_variables("app_password")
    def sign_in(self, *, identifier: str, app_password: str, pds_url: str) -> ConnectableAccount:
        """The account ``identifier`` (a handle, its email or its DID) signs in with an app password at
        ``pds_url``. Raises BlueskySignInError with a message for the person; the password is in none."""
        secrets = [app_password]
        try:
            response = requests.post(
                self.xrpc(pds_url, "com.atproto.server.createSession"),
                json={"identifier": identifier, "password": app_password},
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise BlueskySignInError(
                f"Could not reach Bluesky at {host_of(pds_url)} ({type(exc).__name__}); nothing was stored. "
                "Check the hosting provider's address, or try again later."
            ) from None
        body = safe_json(response)
        body = body if isinstance(body, Mapping) else {}
        if not response.ok:
            raise BlueskySignInError(redact(self._sign_in_refusal(response, body), secrets))
        session = {key: body.get(key) for key in ("did", "handle", "accessJwt", "refreshJwt")}
        if not all(isinstance(value, str) and value for value in session.values()):
            raise BlueskySignInError("Bluesky answered the sign-in without a session; nothing was stored.")
        if jwt_claims(session["accessJwt"]).get("scope") == FULL_ACCESS_SCOPE:
            self._end_session(pds_url, session["refreshJwt"])
            raise BlueskySignInError(
                "That is the account's main password. Bluesky accounts are connected with an app password: "
                f"create one on Bluesky ({APP_PASSWORDS_PLACE}) and enter it here. The main password was "
                "not kept."
            )
        if body.get("active") is False:
            self._end_session(pds_url, session["refreshJwt"])
            status = body.get("status") if isinstance(body.get("status"), str) else "not active"
            raise BlueskySignInError(
                f"Bluesky says this account is {status}; it cannot post until it is active."
            )
        return ConnectableAccount(
            external_id=session["did"],
            name=f"@{session['handle']}",
            tokens=TokenSet(
                access_token=session["accessJwt"],
                refresh_token=session["refreshJwt"],
                expires_at=jwt_expiry(session["accessJwt"]),
            ),
            extra={"pds_url": pds_url.rstrip("/"), "handle": session["handle"]},
        )

    def _sign_in_refusal(self, response: requests.Response, body: Mapping[str, Any]) -> str:
        name, words = str(body.get("error") or ""), str(body.get("message") or "")[:200]
        if name == "AuthFactorTokenRequired":
            return (
                "Bluesky asked for the sign-in code it has just sent by email: it does that for the account's "
                "main password, which this site does not take. Create an app password on Bluesky "
                f"({APP_PASSWORDS_PLACE}) and enter it here instead; app passwords need no code."
            )
        if name == "AccountTakedown":
            return "Bluesky says this account has been taken down; it cannot be connected."
        if response.status_code == 401:
            return (
                "Bluesky did not accept this handle and app password. Check the handle (for example "
                "alice.bsky.social) and that the app password is one listed on Bluesky "
                f"({APP_PASSWORDS_PLACE}); a revoked one no longer works."
            )
        if response.status_code == 429:
            wait = seconds_until_epoch(response.headers.get("RateLimit-Reset"))
            later = f"in {max(1, round(wait / 60))} minutes" if wait else "later"
            return f"Bluesky is limiting sign-ins to this account after too many attempts; try again {later}."
        if response.status_code >= 500:
            return f"Bluesky could not sign in right now (HTTP {response.status_code}); nothing was stored. Try again later."
        said = ": ".join(part for part in (name, words) if part) or f"HTTP {response.status_code}"
        return f"Bluesky refused the sign-in ({said})."

    def _end_session(self, pds_url: str, refresh_jwt: str) -> None:
        """Best effort: a session this site will not keep should not stay usable."""
        try:
            requests.post(
                self.xrpc(pds_url, "com.atproto.server.deleteSession"),
                headers={"Authorization": f"Bearer {refresh_jwt}"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            logger.info("Bluesky: could not end a refused session (%s)", type(exc).__name__)

    # --- the token lifecycle -----------------------------------------------------------------------

    def refresh_account(self, account: SocialAccount) -> TokenSet:
        return self._refresh(pds_url_of(account), account.refresh_token)

    def refresh(self, refresh_token: str) -> TokenSet:
        return self._refresh(str(settings.BLUESKY_PDS_URL), refresh_token)

    def _refresh(self, pds_url: str, refresh_token: str) -> TokenSet:
        """Spend the refresh JWT at refreshSession. Raises TokenRevokedError or TokenRefreshError."""
        try:
            response = requests.post(
                self.xrpc(pds_url, "com.atproto.server.refreshSession"),
                headers={"Authorization": f"Bearer {refresh_token}", "Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TokenRefreshError(
                f"Bluesky token refresh failed: {host_of(pds_url)} could not be reached ({type(exc).__name__})"
            ) from None
        body = safe_json(response)
        body = body if isinstance(body, Mapping) else {}
        if not response.ok:
            name = str(body.get("error") or "")
            detail = redact(
                ": ".join(str(part) for part in (name, body.get("message")) if part), [refresh_token]
            )
            message = f"Bluesky token refresh failed: HTTP {response.status_code}{': ' + detail[:200] if detail else ''}"
            if response.status_code in (400, 401) and (
                name in REFRESH_REFUSED_FOR_GOOD or response.status_code == 401
            ):
                raise TokenRevokedError(message)
            raise TokenRefreshError(message)
        access, refresh = body.get("accessJwt"), body.get("refreshJwt")
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            raise TokenRefreshError("Bluesky token refresh failed: the answer held no new tokens")
        return TokenSet(access_token=access, refresh_token=refresh, expires_at=jwt_expiry(access))
