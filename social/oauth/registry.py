"""Platform -> OAuth provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .base import OAuthProvider


class UnknownOAuthProviderError(LookupError):
    """No OAuth provider is registered for this platform."""


_providers: dict[str, type[OAuthProvider]] = {}


def register[P: type[OAuthProvider]](provider_class: P) -> P:
    _providers[provider_class.platform] = provider_class
    return provider_class


def get_provider(platform: str) -> OAuthProvider:
    try:
        return _providers[platform]()
    except KeyError:
        raise UnknownOAuthProviderError(
            f"No OAuth provider is registered for platform {platform!r}."
        ) from None


def registered_platforms() -> list[str]:
    return sorted(_providers)


def registered_providers() -> list[OAuthProvider]:
    return [_providers[platform]() for platform in registered_platforms()]


@contextmanager
def override(platform: str, provider_class: type[OAuthProvider]) -> Iterator[None]:
    """Register ``provider_class`` for ``platform`` for the duration of a block (tests)."""
    previous = _providers.get(platform)
    _providers[platform] = provider_class
    try:
        yield
    finally:
        if previous is None:
            _providers.pop(platform, None)
        else:
            _providers[platform] = previous
