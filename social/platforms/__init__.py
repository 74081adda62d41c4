"""The platforms posts go to: one package per platform (``twitter/``, ``facebook/``, ...), each exporting a
``PlatformSpec``; the registry lists them; ``base/`` holds what their clients and providers share.

This module is what the rest of the product imports: the registry's lookups and the types a client and an
account provider speak in.
"""

from .base.client import LIMIT_ACCOUNT
from .base.client import LIMIT_APP
from .base.client import BaseClient
from .base.client import CannotTell
from .base.client import CountedLink
from .base.client import ErrorKind
from .base.client import Found
from .base.client import InDoubtAttempt
from .base.client import MediaItem
from .base.client import NotFound
from .base.client import PublishError
from .base.client import PublishPayload
from .base.client import PublishResult
from .base.client import ReconcileResult
from .base.client import StillProcessing
from .base.client import TextCount
from .base.client import client_resumes
from .base.oauth import ConnectableAccount
from .base.oauth import OAuthConnectError
from .base.oauth import OAuthProvider
from .base.oauth import TokenRefreshError
from .base.oauth import TokenRevokedError
from .base.oauth import TokenSet
from .quotas import account_quota_rules
from .registry import UnknownOAuthProviderError
from .registry import UnknownPlatformError
from .registry import account_facts_refresh
from .registry import client_for
from .registry import get_provider
from .registry import oauth_providers
from .registry import platform_spec
from .registry import platform_specs
from .registry import token_refresh_margin
from .registry import validation_problems
from .spec import OptionField
from .spec import PlatformLimits
from .spec import PlatformSpec
from .spec import QuotaRule
from .spec import Setting

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
