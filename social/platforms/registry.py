"""The platforms: one line per platform package, each exporting ``SPEC`` (a ``PlatformSpec``).

Adding a platform is one package under ``social/platforms/`` and one line here (and its ``Platform`` choice).
A line with ``enabled_by`` names a boolean setting: while it is off, the package is never imported.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .spec import DEFAULT_TOKEN_REFRESH_MARGIN
from .spec import PlatformSpec

if TYPE_CHECKING:
    from social.models import SocialAccount

    from .base.client import BaseClient
    from .base.client import PublishPayload
    from .base.oauth import OAuthProvider


@dataclass(frozen=True)
class Entry:
    package: str  # exports SPEC
    enabled_by: str | None = None  # a boolean setting that turns the platform on; None: always on


PLATFORM_PACKAGES: tuple[Entry, ...] = (
    Entry("social.platforms.twitter"),
    Entry("social.platforms.facebook"),
    # After Facebook: Instagram's settings default to Facebook's.
    Entry("social.platforms.instagram"),
    Entry("social.platforms.linkedin"),
    Entry("social.platforms.youtube"),
    Entry("social.platforms.mastodon"),
    Entry("social.platforms.bluesky"),
    Entry("social.platforms.threads"),
    Entry("social.platforms.sandbox", enabled_by="SANDBOX_PLATFORM"),
)


class UnknownPlatformError(LookupError):
    """No enabled platform has this name."""


class UnknownOAuthProviderError(LookupError):
    """The platform has no account provider: its accounts cannot be connected from the site."""


def enabled_entries(is_on: Callable[[str], Any]) -> Iterator[Entry]:
    """The registry's lines whose enabling setting ``is_on`` says is on, in order."""
    return (entry for entry in PLATFORM_PACKAGES if entry.enabled_by is None or is_on(entry.enabled_by))


def spec_of(entry: Entry) -> PlatformSpec:
    return import_module(entry.package).SPEC


@cache
def enabled_specs() -> dict[str, PlatformSpec]:
    """Platform -> spec of every enabled platform, in the registry's order."""
    entries = enabled_entries(lambda name: getattr(settings, name, False))
    return {spec.platform: spec for spec in map(spec_of, entries)}


@receiver(setting_changed)
def _enabling_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if any(entry.enabled_by == setting for entry in PLATFORM_PACKAGES):
        enabled_specs.cache_clear()


def platform_specs() -> list[PlatformSpec]:
    return list(enabled_specs().values())


def platform_spec(platform: str) -> PlatformSpec:
    try:
        return enabled_specs()[platform]
    except KeyError:
        raise UnknownPlatformError(
            f"No client is registered for platform {platform!r}: it is not in the registry or is turned off."
        ) from None


# --- What the publisher and the connect pages ask for ---------------------------------------------------


def client_for(account: SocialAccount, **kwargs: Any) -> BaseClient:
    """The client of ``account``'s platform, built for that account (``session``, ``on_progress``)."""
    return platform_spec(account.platform).client_class(account, **kwargs)


def validation_problems(
    account: SocialAccount, payload: PublishPayload, *, client: BaseClient | None = None
) -> list[str]:
    """What stops ``payload`` from going to ``account``, each message naming the platform ("X: ...").

    ``client``: the account's client when the caller already has one.
    """
    client = client or client_for(account)
    return [f"{client.display_name}: {problem}" for problem in client.validate(payload)]


def account_facts_refresh(account: SocialAccount) -> None:
    """Refresh what ``account``'s platform caches on it for validation (its spec's ``account_refresh``), if
    anything; a platform not enabled has nothing to refresh."""
    try:
        path = platform_spec(account.platform).account_refresh
    except UnknownPlatformError:
        return
    if path:
        import_string(path)(account)


def token_refresh_margin(platform: str) -> timedelta:
    """How long before its expiry an account's token is refreshed ahead of a publish (its spec's margin);
    a platform not enabled gets the default."""
    try:
        return platform_spec(platform).token_refresh_margin
    except UnknownPlatformError:
        return DEFAULT_TOKEN_REFRESH_MARGIN


def get_provider(platform: str) -> OAuthProvider:
    try:
        provider_class = platform_spec(platform).provider_class
    except UnknownPlatformError:
        provider_class = None
    if provider_class is None:
        raise UnknownOAuthProviderError(f"No account provider is registered for platform {platform!r}.")
    return provider_class()


def oauth_providers() -> list[OAuthProvider]:
    """The account provider of every enabled platform that has one."""
    return [get_provider(spec.platform) for spec in platform_specs() if spec.provider]
