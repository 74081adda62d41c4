"""Swap a platform's client or account provider for a test double, for the duration of a block.

The registry has no hook for this: a test replaces the platform's spec in the registry's table with one
whose ``client_class`` / ``provider_class`` is the double, and the table is put back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import fields
from unittest import mock

from social.platforms import BaseClient
from social.platforms import OAuthProvider
from social.platforms import PlatformSpec
from social.platforms import platform_spec
from social.platforms.registry import enabled_specs


@dataclass(frozen=True)
class _SpecWithDoubles(PlatformSpec):
    client_double: type[BaseClient] | None = None
    provider_double: type[OAuthProvider] | None = None

    @property
    def client_class(self) -> type[BaseClient]:
        return self.client_double or super().client_class

    @property
    def provider_class(self) -> type[OAuthProvider] | None:
        return self.provider_double or super().provider_class


@contextmanager
def spec_overridden(platform: str, **changes) -> Iterator[PlatformSpec]:
    """The platform's spec with ``changes`` (fields, or ``client_double`` / ``provider_double``) in a block."""
    spec = platform_spec(platform)
    values = {field.name: getattr(spec, field.name) for field in fields(spec)}
    replacement = _SpecWithDoubles(**(values | changes))
    with mock.patch.dict(enabled_specs(), {platform: replacement}):
        yield replacement


@contextmanager
def client_overridden(platform: str, client_class: type[BaseClient]) -> Iterator[None]:
    """``client_class`` is ``platform``'s client in the block."""
    with spec_overridden(platform, client_double=client_class):
        yield


@contextmanager
def provider_overridden(platform: str, provider_class: type[OAuthProvider]) -> Iterator[None]:
    """``provider_class`` is ``platform``'s account provider in the block."""
    with spec_overridden(platform, provider_double=provider_class):
        yield
