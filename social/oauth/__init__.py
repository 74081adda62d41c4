"""OAuth providers: how each platform's accounts are connected and their tokens refreshed."""

from importlib import import_module

from .base import (
    ConnectableAccount,
    OAuthConnectError,
    OAuthProvider,
    TokenRefreshError,
    TokenRevokedError,
    TokenSet,
)
from .registry import UnknownOAuthProviderError, get_provider, register, registered_providers

# One module per platform; each registers its provider on import.
PROVIDER_MODULES: tuple[str, ...] = ("twitter", "facebook", "instagram", "linkedin", "youtube")

for _module in PROVIDER_MODULES:
    import_module(f"{__name__}.{_module}")

from . import checks  # noqa: E402, F401  (registers the OAuth configuration checks)

__all__ = [
    "ConnectableAccount",
    "OAuthConnectError",
    "OAuthProvider",
    "TokenRefreshError",
    "TokenRevokedError",
    "TokenSet",
    "UnknownOAuthProviderError",
    "get_provider",
    "register",
    "registered_providers",
]
