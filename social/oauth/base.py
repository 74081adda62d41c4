"""The interface of an OAuth provider, as far as the token lifecycle needs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from django.conf import settings


@dataclass(frozen=True)
class TokenSet:
    """Tokens a token endpoint answered. ``refresh_token`` is None when none was returned."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"TokenSet(expires_at={self.expires_at!r}, has_refresh_token={bool(self.refresh_token)})"


class TokenRefreshError(Exception):
    """A refresh that did not succeed but may next time (network, 5xx): the account stays ACTIVE."""


class TokenRevokedError(TokenRefreshError):
    """The grant is gone (``invalid_grant``, revoked app): the account needs reconnecting."""


class OAuthProvider:
    """Per-platform OAuth facts in class attributes; settings are read by name so tests can override them."""

    platform: ClassVar[str]
    scopes: ClassVar[tuple[str, ...]] = ()
    uses_pkce: ClassVar[bool] = False
    supports_refresh: ClassVar[bool] = False

    def setting(self, suffix: str) -> str:
        return getattr(settings, f"{self.platform}_{suffix}")

    @property
    def client_id(self) -> str:
        return self.setting("CLIENT_ID")

    @property
    def client_secret(self) -> str:
        return self.setting("CLIENT_SECRET")

    @property
    def is_configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def refresh(self, refresh_token: str) -> TokenSet:
        """Spend ``refresh_token`` at the token endpoint. Raises TokenRevokedError or TokenRefreshError."""
        raise TokenRevokedError(f"{self.platform} tokens cannot be refreshed; reconnect the account.")
