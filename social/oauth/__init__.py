"""OAuth providers: how each platform's accounts are connected and their tokens refreshed."""

from importlib import import_module

from .base import OAuthProvider, TokenRefreshError, TokenRevokedError, TokenSet
from .registry import UnknownOAuthProviderError, get_provider, register

# One module per platform; each registers its provider on import.
PROVIDER_MODULES: tuple[str, ...] = ()

for _module in PROVIDER_MODULES:
    import_module(f"{__name__}.{_module}")

__all__ = [
    "OAuthProvider",
    "TokenRefreshError",
    "TokenRevokedError",
    "TokenSet",
    "UnknownOAuthProviderError",
    "get_provider",
    "register",
]
