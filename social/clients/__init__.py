"""Platform clients. Importing this package registers every platform's client."""

from importlib import import_module

from .base import (
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
)
from .registry import (
    UnknownPlatformError,
    client_for,
    get_client_class,
    platform_choices,
    register,
    validation_problems,
)

# One module per platform; each registers its client class on import.
PLATFORM_MODULES: tuple[str, ...] = ("twitter", "facebook", "instagram", "linkedin", "youtube")

for _module in PLATFORM_MODULES:
    import_module(f"{__name__}.{_module}")

__all__ = [
    "BaseClient",
    "CannotTell",
    "ErrorKind",
    "Found",
    "InDoubtAttempt",
    "MediaItem",
    "NotFound",
    "PublishError",
    "PublishPayload",
    "PublishResult",
    "ReconcileResult",
    "UnknownPlatformError",
    "client_for",
    "get_client_class",
    "platform_choices",
    "register",
    "validation_problems",
]
