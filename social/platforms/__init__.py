"""The platforms posts go to: one package per platform (``twitter/``, ``facebook/``, ...), each exporting a
``PlatformSpec``; the registry lists them; ``base/`` holds what their clients and providers share.

This module is what the rest of the product imports: the registry's lookups and the types a client and an
account provider speak in.
"""

from .base.client import (
    LIMIT_ACCOUNT,
    LIMIT_APP,
    BaseClient,
    CannotTell,
    CountedLink,
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
    TextCount,
    client_resumes,
)
from .base.oauth import (
    ConnectableAccount,
    OAuthConnectError,
    OAuthProvider,
    TokenRefreshError,
    TokenRevokedError,
    TokenSet,
)
from .quotas import account_quota_rules
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
from .spec import OptionField, PlatformLimits, PlatformSpec, QuotaRule, Setting

__all__ = [
    "LIMIT_ACCOUNT",
    "LIMIT_APP",
    "BaseClient",
    "CannotTell",
    "ConnectableAccount",
    "CountedLink",
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
    "QuotaRule",
    "ReconcileResult",
    "Setting",
    "StillProcessing",
    "TextCount",
    "TokenRefreshError",
    "TokenRevokedError",
    "TokenSet",
    "UnknownOAuthProviderError",
    "UnknownPlatformError",
    "account_facts_refresh",
    "account_quota_rules",
    "client_for",
    "client_resumes",
    "get_provider",
    "oauth_providers",
    "platform_spec",
    "platform_specs",
    "token_refresh_margin",
    "validation_problems",
]
