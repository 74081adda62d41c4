"""What the connect flow keeps in the person's session between its steps.

- The redirect stores ``state`` (and X's PKCE verifier) per platform, keyed by the state itself; the callback
  takes out only the authorization its state names, so it is single-use, and a callback with a wrong or
  forged state cancels nothing: the real callback that follows still works. A few may be in progress at
  once (two tabs); the oldest are dropped.
- Between the callback and the Page pick (Facebook, Instagram) the candidate accounts wait in the session with
  their tokens encrypted by the token key ring: the session lives in the database, and tokens never do in
  plain text. Nothing token-related is ever rendered into a page.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from social.crypto import TokenDecryptionError
from social.crypto import get_key_ring

from .oauth import ConnectableAccount
from .oauth import OAuthProvider
from .oauth import TokenSet

# Long enough to sign in and consent at the platform; short enough that a forgotten tab goes stale.
PENDING_MAX_AGE_SECONDS = 15 * 60
CHOICES_MAX_AGE_SECONDS = 15 * 60
# Authorizations in progress kept per platform (several tabs); the oldest go first.
MAX_PENDING_PER_PLATFORM = 5


@dataclass(frozen=True)
class PendingAuthorization:
    state: str
    redirect_uri: str
    code_verifier: str | None = None
    # What the connect view chose before the redirect (Mastodon: the server), for ``provider.resume``.
    context: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"PendingAuthorization(redirect_uri={self.redirect_uri!r})"


def _pending_key(platform: str) -> str:
    return f"social:oauth:{platform}"


def _choices_key(platform: str) -> str:
    return f"social:oauth:{platform}:choices"


def _token_context(platform: str) -> str:
    # Binds a stashed token to its platform: it does not decrypt anywhere else. A fixed name (it predates
    # social/platforms/), so tokens stashed before an upgrade still open after it.
    return f"social.oauth.session.{platform}"


def authorization_begin(
    session: SessionBase,
    *,
    provider: OAuthProvider,
    redirect_uri: str,
    context: Mapping[str, str] | None = None,
) -> str:
    """Remember a fresh state (and PKCE verifier, and ``context``) for ``provider``; return its authorize URL."""
    state = secrets.token_urlsafe(32)
    code_verifier = provider.new_code_verifier() if provider.uses_pkce else None
    url = provider.authorization_url(redirect_uri=redirect_uri, state=state, code_verifier=code_verifier)
    pending = _live(session, provider.platform)
    pending[state] = {
        "state": state,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "context": dict(context or {}),
        "started_at": time.time(),
    }
    # Dicts keep their order: the newest last.
    session[_pending_key(provider.platform)] = dict(list(pending.items())[-MAX_PENDING_PER_PLATFORM:])
    return url


def authorization_in_progress(session: SessionBase, *, platform: str) -> bool:
    """Whether a connect to ``platform`` was started in this session and has not expired."""
    return bool(_live(session, platform))


def authorization_pop(session: SessionBase, *, platform: str, state: str) -> PendingAuthorization | None:
    """The authorization in progress that ``state`` names, removed from the session; None if there is none
    (never started here, stale, already used, or a wrong state: the others stay)."""
    pending = _live(session, platform)
    found = next(
        (key for key in pending if state and hmac.compare_digest(key.encode(), state.encode())), None
    )
    data = pending.pop(found) if found is not None else None
    if pending:
        session[_pending_key(platform)] = pending
    else:
        session.pop(_pending_key(platform), None)
    if data is None or not data.get("redirect_uri"):
        return None
    return PendingAuthorization(
        state=str(data["state"]),
        redirect_uri=str(data["redirect_uri"]),
        code_verifier=data.get("code_verifier"),
        context={str(key): str(value) for key, value in (data.get("context") or {}).items()},
    )


def _live(session: SessionBase, platform: str) -> dict[str, dict[str, Any]]:
    """The platform's authorizations in progress that have not gone stale, by state."""
    stored = session.get(_pending_key(platform))
    if not isinstance(stored, dict):
        return {}
    now = time.time()
    return {
        state: data
        for state, data in stored.items()
        if isinstance(data, dict)
        and data.get("state") == state
        and now - float(data.get("started_at") or 0) <= PENDING_MAX_AGE_SECONDS
    }


def choices_stash(session: SessionBase, *, platform: str, accounts: Sequence[ConnectableAccount]) -> None:
    key_ring = get_key_ring()
    context = _token_context(platform)

    def sealed(value: str | None) -> str:
        return key_ring.encrypt(value, context=context) if value else ""

    session[_choices_key(platform)] = {
        "created_at": time.time(),
        "accounts": [
            {
                "external_id": account.external_id,
                "name": account.name,
                "extra": dict(account.extra),
                "access_token": sealed(account.tokens.access_token),
                "refresh_token": sealed(account.tokens.refresh_token),
                "expires_at": account.tokens.expires_at.isoformat() if account.tokens.expires_at else None,
            }
            for account in accounts
        ],
    }


def choices_load(session: SessionBase, *, platform: str) -> list[ConnectableAccount] | None:
    """The accounts stashed by the callback, or None when there are none (never stashed, used or stale)."""
    data = session.get(_choices_key(platform))
    if (
        not isinstance(data, dict)
        or time.time() - float(data.get("created_at") or 0) > CHOICES_MAX_AGE_SECONDS
    ):
        return None
    key_ring = get_key_ring()
    context = _token_context(platform)

    def opened(value: str) -> str | None:
        return key_ring.decrypt(value, context=context) if value else None

    try:
        return [_account(item, opened) for item in data.get("accounts") or []]
    except (TokenDecryptionError, KeyError, TypeError, ValueError):
        return None


def _account(item: dict[str, Any], opened) -> ConnectableAccount:
    return ConnectableAccount(
        external_id=item["external_id"],
        name=item["name"],
        extra=item.get("extra") or {},
        tokens=TokenSet(
            access_token=opened(item["access_token"]) or "",
            refresh_token=opened(item.get("refresh_token") or ""),
            expires_at=datetime.fromisoformat(item["expires_at"]) if item.get("expires_at") else None,
        ),
    )


def choices_clear(session: SessionBase, *, platform: str) -> None:
    session.pop(_choices_key(platform), None)
