"""The interface of an OAuth provider: connecting an account and the token lifecycle.

Every call to a platform goes through requests-oauthlib (authorize URL, code exchange, refresh) or a plain
``requests`` call with a timeout (identity reads). Messages of the exceptions raised here are shown to people
and logged, so they never carry a token, a code or a client secret.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

import requests
from django.conf import settings
from django.utils import timezone
from oauthlib.oauth2 import OAuth2Error
from oauthlib.oauth2 import WebApplicationClient
from oauthlib.oauth2.rfc6749.errors import InsecureTransportError
from oauthlib.oauth2.rfc6749.errors import MissingTokenError
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from social.redaction import redact

from ..registry import platform_spec

if TYPE_CHECKING:
    from social.models import SocialAccount
    from social.platforms.spec import PlatformSpec

# What X answers, as invalid_request, to a refresh token that was already spent or revoked.
X_SPENT_GRANT_PHRASE = "value passed for the token was invalid"
MAX_DETAIL_CHARS = 200


@dataclass(frozen=True)
class TokenSet:
    """Tokens a token endpoint answered. ``refresh_token`` is None when none was returned."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"TokenSet(expires_at={self.expires_at!r}, has_refresh_token={bool(self.refresh_token)})"


@dataclass(frozen=True)
class ConnectableAccount:
    """An account (user, Page, Instagram user, channel) a platform lets the person connect, with its tokens."""

    external_id: str
    name: str
    tokens: TokenSet
    extra: Mapping[str, Any] = field(default_factory=dict)


class TokenRefreshError(Exception):
    """A refresh that did not succeed but may next time (network, 5xx): the account stays ACTIVE."""


class TokenRevokedError(TokenRefreshError):
    """The grant is gone (``invalid_grant``, revoked app): the account needs reconnecting."""


class OAuthConnectError(Exception):
    """A step of connecting an account failed; the message says what happened, for the person connecting."""


class TokenEndpointError(Exception):
    """Why a token endpoint call failed; providers turn it into a connect or a refresh error.

    ``revoked`` is True for a grant that is gone for good (``invalid_grant``).
    """

    def __init__(self, message: str, *, revoked: bool = False) -> None:
        super().__init__(message)
        self.revoked = revoked


def error_detail(body: Any) -> str:
    """The human part of a platform's JSON error, whichever of the usual shapes it has."""
    if not isinstance(body, Mapping):
        return ""
    error = body.get("error")
    if isinstance(error, Mapping):  # Graph API and Google: {"error": {"message": ...}}
        return str(error.get("message") or "")
    parts = [
        str(body[key])
        for key in ("error", "error_description", "title", "detail", "message")
        if isinstance(body.get(key), str | int) and body.get(key) != ""
    ]
    return ": ".join(parts)


def _oauth_error_detail(exc: OAuth2Error) -> str:
    error = exc.error
    if isinstance(error, Mapping):  # Graph API errors come as {"error": {"message", "code", ...}}
        return str(error.get("message") or "error")
    return f"{error}: {exc.description}" if exc.description else str(error)


def describe_request_error(exc: requests.RequestException) -> str:
    # str(exc) can contain the URL, and a Graph API URL carries the client secret: name the kind only.
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect"
    return f"request failed ({type(exc).__name__})"


def reject_unavailable(response: requests.Response) -> requests.Response:
    """A compliance hook: oauthlib reads an error body whatever the status, but a 5xx or 429 from a token
    endpoint means "try later", whatever its body says."""
    if response.status_code >= 500 or response.status_code == 429:
        raise TokenEndpointError(f"the token endpoint answered HTTP {response.status_code}")
    return response


class OAuthProvider:
    """Per-platform OAuth facts in class attributes; settings are read by name so tests can override them.

    The platform's name and what its accounts are called come from its spec.
    """

    platform: ClassVar[str]
    scopes: ClassVar[tuple[str, ...]] = ()
    scope_separator: ClassVar[str] = " "
    uses_pkce: ClassVar[bool] = False
    supports_refresh: ClassVar[bool] = False
    # Extra parameters of the authorize redirect (Google's access_type=offline, ...).
    authorize_params: ClassVar[Mapping[str, str]] = {}
    # False: the client authenticates to the token endpoint with HTTP Basic (X's confidential clients).
    client_credentials_in_body: ClassVar[bool] = True
    code_exchange_method: ClassVar[str] = "POST"
    # True: the callback lists several accounts (Facebook Pages) and the person picks which to connect.
    picks_accounts: ClassVar[bool] = False
    no_accounts_message: ClassVar[str] = "The platform offered no account to connect."
    # What must be set before accounts can be connected: the app, the platform's OAuth endpoints and the
    # API its accounts are read from.
    required_settings: ClassVar[tuple[str, ...]] = (
        "CLIENT_ID",
        "CLIENT_SECRET",
        "AUTHORIZE_URL",
        "TOKEN_URL",
        "API_URL",
    )

    @property
    def display_name(self) -> str:
        """The platform's name in messages and page titles."""
        return self.spec.name

    @property
    def account_noun(self) -> str:
        """What one connectable account is called there, for the picker ("Page")."""
        return self.spec.account_noun

    @property
    def spec(self) -> PlatformSpec:
        return platform_spec(self.platform)

    # --- settings ---------------------------------------------------------------------------------
    def setting_name(self, suffix: str) -> str:
        return f"{self.platform}_{suffix}"

    def setting(self, suffix: str) -> str:
        return getattr(settings, self.setting_name(suffix))

    @property
    def client_id(self) -> str:
        return self.setting("CLIENT_ID")

    @property
    def client_secret(self) -> str:
        return self.setting("CLIENT_SECRET")

    @property
    def api_url(self) -> str:
        return self.setting("API_URL").rstrip("/")

    @property
    def timeout(self) -> tuple[float, float]:
        return (settings.PLATFORM_CONNECT_TIMEOUT, settings.PLATFORM_READ_TIMEOUT)

    def missing_settings(self) -> list[str]:
        """Names (never values) of the settings that must be set before accounts can be connected."""
        return [
            self.setting_name(suffix)
            for suffix in self.required_settings
            if not getattr(settings, self.setting_name(suffix), "")
        ]

    @property
    def is_configured(self) -> bool:
        return not self.missing_settings()

    # --- connecting -------------------------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str | None = None) -> str:
        """Where to send the person to grant access; ``code_verifier`` is required when ``uses_pkce``."""
        params = dict(self.authorize_params)
        if self.uses_pkce:
            if not code_verifier:
                raise ValueError(f"{self.platform} uses PKCE: a code_verifier is required.")
            params["code_challenge"] = WebApplicationClient(self.client_id).create_code_challenge(
                code_verifier, "S256"
            )
            params["code_challenge_method"] = "S256"
        session = OAuth2Session(
            self.client_id, redirect_uri=redirect_uri, scope=self.scope_separator.join(self.scopes)
        )
        url, _state = session.authorization_url(self.setting("AUTHORIZE_URL"), state=state, **params)
        return url

    @staticmethod
    def new_code_verifier() -> str:
        return WebApplicationClient(None).create_code_verifier(64)

    def resume(self, context: Mapping[str, str]) -> OAuthProvider:
        """The provider that finishes an authorization begun with ``context`` (what a connect view stored
        with it: Mastodon's server). Raises OAuthConnectError when it can no longer be finished."""
        return self

    def connect(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> list[ConnectableAccount]:
        """Exchange the authorization code and read who it belongs to. Raises OAuthConnectError."""
        tokens = self.exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
        return self.connectable_accounts(tokens)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        kwargs: dict[str, Any] = {"code_verifier": code_verifier} if code_verifier else {}
        if self.client_credentials_in_body:
            kwargs |= {"include_client_id": True, "client_secret": self.client_secret}
        else:
            kwargs["auth"] = HTTPBasicAuth(self.client_id, self.client_secret)

        def fetch(session: OAuth2Session) -> dict:
            session.redirect_uri = redirect_uri
            return session.fetch_token(
                self.setting("TOKEN_URL"),
                code=code,
                method=self.code_exchange_method,
                timeout=self.timeout,
                **kwargs,
            )

        try:
            return self.call_token_endpoint(fetch)
        except TokenEndpointError as exc:
            message = str(exc)
            if exc.revoked:
                message += " The authorization code may have expired or been used already; connect again."
            raise OAuthConnectError(
                f"{self.display_name} did not accept the authorization: "
                f"{redact(message, [code, code_verifier, self.client_secret])}"
            ) from None

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        """The account(s) the tokens give access to, read from the platform."""
        raise NotImplementedError

    # --- token lifecycle --------------------------------------------------------------------------
    def can_refresh(self, account: SocialAccount) -> bool:
        """Whether ``account``'s token can be refreshed now: by default when it has a refresh token to spend;
        a platform that refreshes the access token itself (Threads) says otherwise."""
        return self.supports_refresh and bool(account.refresh_token)

    def refresh_account(self, account: SocialAccount) -> TokenSet:
        """Refresh ``account``'s tokens; a platform whose token endpoint depends on the account (its own
        server) overrides this. Raises TokenRevokedError or TokenRefreshError."""
        return self.refresh(account.refresh_token)

    def refresh(self, refresh_token: str) -> TokenSet:
        """Spend ``refresh_token`` at the token endpoint. Raises TokenRevokedError or TokenRefreshError."""
        if not self.supports_refresh:
            raise TokenRevokedError(f"{self.platform} tokens cannot be refreshed; reconnect the account.")
        kwargs: dict[str, Any] = {}
        if self.client_credentials_in_body:
            kwargs |= {"client_id": self.client_id, "client_secret": self.client_secret}
        else:
            kwargs["auth"] = HTTPBasicAuth(self.client_id, self.client_secret)

        def fetch(session: OAuth2Session) -> dict:
            return session.refresh_token(
                self.setting("TOKEN_URL"), refresh_token=refresh_token, timeout=self.timeout, **kwargs
            )

        try:
            tokens = self.call_token_endpoint(fetch)
        except TokenEndpointError as exc:
            message = f"{self.display_name} token refresh failed: {redact(str(exc), [refresh_token])}"
            raise (TokenRevokedError if exc.revoked else TokenRefreshError)(message) from None
        # requests-oauthlib fills in the spent refresh token when none came back: say "none returned".
        if tokens.refresh_token == refresh_token:
            return TokenSet(tokens.access_token, None, tokens.expires_at)
        return tokens

    # --- HTTP helpers -----------------------------------------------------------------------------
    def call_token_endpoint(self, fetch: Callable[[OAuth2Session], Mapping[str, Any]]) -> TokenSet:
        """Run one token request through requests-oauthlib and sort its failures.

        Raises TokenEndpointError; ``revoked`` is set for ``invalid_grant`` (and X's spent-token answer),
        anything else (network, 429, 5xx, malformed answers, other OAuth errors) may pass.
        """
        session = OAuth2Session(self.client_id)
        session.register_compliance_hook("access_token_response", reject_unavailable)
        session.register_compliance_hook("refresh_token_response", reject_unavailable)
        try:
            with session:
                return self.token_set(fetch(session))
        except TokenEndpointError:
            raise
        except requests.RequestException as exc:
            raise TokenEndpointError(f"the token endpoint {describe_request_error(exc)}") from None
        except InsecureTransportError:
            raise TokenEndpointError("OAuth endpoints must be https:// URLs") from None
        except (MissingTokenError, ValueError, TypeError, KeyError, Warning):
            raise TokenEndpointError("the token endpoint answered something that is not a token") from None
        except OAuth2Error as exc:
            # By error code: oauthlib maps "invalid_request" to one of several classes.
            revoked = exc.error == "invalid_grant" or (
                exc.error == "invalid_request" and X_SPENT_GRANT_PHRASE in (exc.description or "").lower()
            )
            raise TokenEndpointError(_oauth_error_detail(exc)[:MAX_DETAIL_CHARS], revoked=revoked) from None

    @staticmethod
    def token_set(token: Mapping[str, Any]) -> TokenSet:
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise TokenEndpointError("the token endpoint answered without an access token")
        refresh_token = token.get("refresh_token")
        expires_in = token.get("expires_in")
        return TokenSet(
            access_token=access_token,
            refresh_token=refresh_token if isinstance(refresh_token, str) and refresh_token else None,
            expires_at=timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
        )

    def get_json(
        self,
        url: str,
        *,
        what: str,
        access_token: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        """GET a platform resource with the person's token; any failure is an OAuthConnectError about ``what``."""
        headers = {"Accept": "application/json"}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        try:
            response = requests.get(url, params=params, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise OAuthConnectError(
                f"Could not read {what} from {self.display_name}: {describe_request_error(exc)}."
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not response.ok:
            detail = redact(error_detail(body), [access_token])[:MAX_DETAIL_CHARS]
            raise OAuthConnectError(
                f"{self.display_name} refused to show {what} (HTTP {response.status_code}"
                f"{': ' + detail if detail else ''})."
            )
        if not isinstance(body, Mapping):
            raise OAuthConnectError(
                f"{self.display_name} answered something unexpected when asked for {what}."
            )
        return body
