"""What a run knows of a claimed post and of each of its accounts, as the claim found them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from uuid import UUID

from notifications.services import AccountResult
from social.models import SocialAccount

if TYPE_CHECKING:
    from media_library.sources import AssetSource


@dataclass(frozen=True)
class PostRef:
    """What an account's work needs to know about its post."""

    post_id: int
    content: str
    metadata: Mapping[str, Any]
    lease_token: UUID
    # The library assets the metadata names, loaded with the post: read on call threads without the ORM.
    media_sources: Mapping[int, AssetSource] = field(default_factory=dict)


@dataclass
class AccountTarget:
    """An account of a claimed post as the claim found it."""

    post_account_id: int
    status: str
    account: SocialAccount | None  # None when its tokens cannot be decrypted (see account_problem)
    label: str
    account_problem: str = ""
    publish_state: dict[str, Any] = field(default_factory=dict)
    published_at: datetime | None = None
    # When the account's last publish call started: the time an in-doubt call or a resumed one is looked
    # up by (loaded for PUBLISHING accounts and for accounts with saved progress).
    in_doubt_since: datetime | None = None
    processing_since: datetime | None = None  # the platform was still processing it (see account_call.py)
    call_in_flight: bool = False  # a dead run left a call of it unanswered: reconcile, never resume
    # How the account stood when the run loaded it (its earlier rounds too): what its post's event says
    # of an account this round does not change.
    loaded: AccountResult | None = None
