"""Threads accounts by OAuth: the code is exchanged for a one-hour token, that at once for a 60-day one
(``th_exchange_token``), and the profile is read with it. There is no refresh token: the long-lived token
itself is refreshed (``th_refresh_token``) once it is a day old, for 60 more days.

Both token calls take the secret (or the token) as query parameters, as Meta documents them; requests'
errors name only their kind (never the URL) and Meta's words are redacted, so neither leaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

import requests
from django.utils import timezone

from social.models import Platform
from social.platforms.base.graph import RETRY_CODES
from social.platforms.base.oauth import MAX_DETAIL_CHARS
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import OAuthConnectError
from social.platforms.base.oauth import OAuthProvider
from social.platforms.base.oauth import TokenEndpointError
from social.platforms.base.oauth import TokenRefreshError
from social.platforms.base.oauth import TokenRevokedError
from social.platforms.base.oauth import TokenSet
from social.platforms.base.oauth import describe_request_error
from social.platforms.base.oauth import error_detail
from social.redaction import redact

from .client import API_VERSION

if TYPE_CHECKING:
    from social.models import SocialAccount

# A long-lived token lasts 60 days from when it was issued or last refreshed, and can be refreshed once it
# is at least a day old.
LONG_LIVED_LIFETIME = timedelta(days=60)
MIN_AGE_TO_REFRESH = timedelta(hours=24)
PROFILE_FIELDS = "id,username,name"


class ThreadsProvider(OAuthProvider):
    platform = Platform.THREADS
    scopes = ("threads_basic", "threads_content_publish")
    scope_separator = ","
    supports_refresh = True

    # --- connecting -------------------------------------------------------------------------------
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        short_lived = super().exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
        try:
            return self._token_call(
                "access_token",
                {
                    "grant_type": "th_exchange_token",
                    "client_secret": self.client_secret,
                    "access_token": short_lived.access_token,
                },
            )
        except TokenEndpointError as exc:
            detail = redact(str(exc), [short_lived.access_token, self.client_secret])
            raise OAuthConnectError(
                f"{self.display_name} did not exchange the sign-in for a long-lived token: {detail}"
            ) from None

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        profile = self.get_json(
            f"{self.api_url}/{API_VERSION}/me",
            params={"fields": PROFILE_FIELDS},
            access_token=tokens.access_token,
            what="your Threads profile",
        )
        user_id, username = profile.get("id"), profile.get("username")
        if not user_id:
            raise OAuthConnectError(f"{self.display_name} answered without the id of your profile.")
        return [
            ConnectableAccount(
                external_id=str(user_id),
                name=f"@{username}" if username else str(profile.get("name") or user_id),
                tokens=tokens,
                extra={"username": str(username)} if username else {},
            )
        ]

    # --- token lifecycle --------------------------------------------------------------------------
    def can_refresh(self, account: SocialAccount) -> bool:
        """A long-lived token can be refreshed once it is a day old (its age read from its expiry)."""
        if not account.access_token:
            return False
        expires_at = account.token_expires_at
        return expires_at is None or expires_at - timezone.now() <= LONG_LIVED_LIFETIME - MIN_AGE_TO_REFRESH

    def refresh_account(self, account: SocialAccount) -> TokenSet:
        token = account.access_token
        try:
            return self._token_call(
                "refresh_access_token", {"grant_type": "th_refresh_token", "access_token": token}
            )
        except TokenEndpointError as exc:
            message = f"{self.display_name} token refresh failed: {redact(str(exc), [token])}"
            raise (TokenRevokedError if exc.revoked else TokenRefreshError)(message) from None

    def _token_call(self, path: str, params: Mapping[str, str]) -> TokenSet:
        """GET one of Threads' token endpoints. Raises TokenEndpointError, ``revoked`` unless the failure
        may pass (network, 429, 5xx, Meta's transient codes): a refused token or grant is gone for good."""
        try:
            response = requests.get(
                f"{self.api_url}/{path}",
                params=params,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TokenEndpointError(f"the token endpoint {describe_request_error(exc)}") from None
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500 or response.status_code == 429:
            raise TokenEndpointError(f"the token endpoint answered HTTP {response.status_code}")
        error = body.get("error") if isinstance(body, Mapping) else None
        if not response.ok or error:
            # Only Meta's own refusal (a Graph error that is not a passing one) says the grant is gone; an
            # answer without one (a proxy's page, a wrong THREADS_API_URL) may pass.
            refused = isinstance(error, Mapping) and not (
                error.get("is_transient") is True or error.get("code") in RETRY_CODES
            )
            detail = error_detail(body)[:MAX_DETAIL_CHARS] or f"HTTP {response.status_code}"
            raise TokenEndpointError(detail, revoked=refused)
        if not isinstance(body, Mapping):
            raise TokenEndpointError("the token endpoint answered something that is not a token")
        tokens = self.token_set(body)
        if tokens.expires_at is None:
            # Always 60 days, per Meta; never leave a token without an expiry it would then outlive.
            return TokenSet(tokens.access_token, None, timezone.now() + LONG_LIVED_LIFETIME)
        return tokens
