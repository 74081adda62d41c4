"""Platform -> client class. One module per platform registers its class here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .base import BaseClient, PublishPayload

if TYPE_CHECKING:
    from social.models import SocialAccount


class UnknownPlatformError(LookupError):
    """No client is registered for this platform."""


_clients: dict[str, type[BaseClient]] = {}


def register[C: type[BaseClient]](client_class: C) -> C:
    """Class decorator: make ``client_class`` the client of its ``platform``."""
    _clients[client_class.platform] = client_class
    return client_class


def get_client_class(platform: str) -> type[BaseClient]:
    try:
        return _clients[platform]
    except KeyError:
        raise UnknownPlatformError(f"No client is registered for platform {platform!r}.") from None


def client_for(account: SocialAccount, **kwargs: Any) -> BaseClient:
    return get_client_class(account.platform)(account, **kwargs)


def validation_problems(
    account: SocialAccount, payload: PublishPayload, *, client: BaseClient | None = None
) -> list[str]:
    """What stops ``payload`` from going to ``account``, each message naming the platform ("X: ...").

    ``client``: the account's client when the caller already has one.
    """
    client = client or client_for(account)
    return [f"{client.display_name}: {problem}" for problem in client.validate(payload)]


def registered_platforms() -> list[str]:
    return sorted(_clients)


def platform_choices() -> list[tuple[str, str]]:
    return [(platform, _clients[platform].display_name) for platform in registered_platforms()]


@contextmanager
def override(platform: str, client_class: type[BaseClient]) -> Iterator[None]:
    """Register ``client_class`` for ``platform`` for the duration of a block (tests)."""
    previous = _clients.get(platform)
    _clients[platform] = client_class
    try:
        yield
    finally:
        if previous is None:
            _clients.pop(platform, None)
        else:
            _clients[platform] = previous
