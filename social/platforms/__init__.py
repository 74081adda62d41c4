"""The platforms posts go to: one package per platform (``twitter/``, ``facebook/``, ...), each exporting a
``PlatformSpec``; the registry lists them; ``base/`` holds what their clients and providers share.

This module is what the rest of the product imports: the registry's lookups and the types a client and an
account provider speak in.
"""

from .base.client import (
    BaseClient,
    CannotTell,
    ErrorKind,
    Found,
    InDoubtAttempt,
    MediaItem,
    NotFound,
    PublishError,
    PublishPayload,
    PublishResult,
    ReconcileResult,
    StillProcessing,
)
from .base.oauth import (
    ConnectableAccount,
    OAuthConnectError,
    OAuthProvider,
    TokenRefreshError,
    TokenRevokedError,
    TokenSet,
)
from .registry import (
    UnknownOAuthProviderError,
    UnknownPlatformError,
    account_facts_refresh,
    client_for,
    get_provider,
    oauth_providers,
    platform_spec,
    platform_specs,
    token_refresh_margin,
    validation_problems,
)
from .spec import OptionField, PlatformLimits, PlatformSpec, Setting

__all__ = [
    "BaseClient",
    "CannotTell",
    "ConnectableAccount",
    "ErrorKind",
    "Found",
    "InDoubtAttempt",
    "MediaItem",
    "NotFound",
    "OAuthConnectError",
    "OAuthProvider",
    "OptionField",
    "PlatformLimits",
    "PlatformSpec",
    "PublishError",
    "PublishPayload",
    "PublishResult",
    "ReconcileResult",
    "Setting",
    "StillProcessing",
    "TokenRefreshError",
    "TokenRevokedError",
    "TokenSet",
    "UnknownOAuthProviderError",
    "UnknownPlatformError",
    "account_facts_refresh",
    "client_for",
    "get_provider",
    "oauth_providers",
    "platform_spec",
    "platform_specs",
    "token_refresh_margin",
    "validation_problems",
]
