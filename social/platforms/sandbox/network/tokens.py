"""The network's side of OAuth: authorization codes (with PKCE), grants, rotating refresh tokens, and who a
bearer token belongs to. Codes and tokens are random, shown once, and kept only as SHA-256 digests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..endpoints import CLIENT_ID
from ..endpoints import client_secret
from ..models import SandboxAccount
from ..models import SandboxAuthorization
from ..models import SandboxGrant

CODE_LIFETIME = timedelta(minutes=10)
# Two hours, like X's: a long-running publisher refreshes it, as it does for real platforms.
ACCESS_TOKEN_LIFETIME = timedelta(hours=2)


class GrantError(Exception):
    """A token request the network refuses; ``error`` is the OAuth error code (RFC 6749, section 5.2)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"IssuedTokens(expires_in={self.expires_in})"

    def as_response(self) -> dict:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def s256_challenge(code_verifier: str) -> str:
    """The PKCE S256 code challenge of a verifier (RFC 7636, section 4.2)."""
    hashed = hashlib.sha256(code_verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(hashed).rstrip(b"=").decode()


def client_is_this_site(client_id: str, secret: str) -> bool:
    """Whether a token request comes from the network's one app (this site); compared in constant time."""
    return hmac.compare_digest(client_id.encode(), CLIENT_ID.encode()) & hmac.compare_digest(
        secret.encode(), client_secret().encode()
    )


def authorization_issue(*, account: SandboxAccount, redirect_uri: str, code_challenge: str) -> str:
    """A new authorization code for ``account``, to be sent to ``redirect_uri``."""
    code = "sbx_code_" + secrets.token_urlsafe(24)
    SandboxAuthorization.objects.create(
        code_digest=digest(code),
        account=account,
        redirect_uri=redirect_uri,
        code_challenge=code_challenge,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    return code


def authorization_redeem(*, code: str, redirect_uri: str, code_verifier: str) -> IssuedTokens:
    """Exchange a code for tokens, once. Raises GrantError."""
    with transaction.atomic():
        authorization = _locked(SandboxAuthorization, code_digest=digest(code))
        if authorization is None or authorization.used_at is not None:
            raise GrantError("invalid_grant", "The authorization code is unknown or was already used.")
        if authorization.expires_at <= timezone.now():
            raise GrantError("invalid_grant", "The authorization code expired.")
        if authorization.redirect_uri != redirect_uri:
            raise GrantError("invalid_grant", "redirect_uri differs from the one the code was given for.")
        if not hmac.compare_digest(
            s256_challenge(code_verifier).encode(), authorization.code_challenge.encode()
        ):
            raise GrantError("invalid_grant", "The PKCE code_verifier does not match the code challenge.")
        return _spend(authorization, "used_at")


def grant_issue(*, account: SandboxAccount) -> IssuedTokens:
    """New tokens for ``account`` (a connect, or a test that needs a connected account)."""
    tokens = IssuedTokens(
        access_token="sbx_at_" + secrets.token_urlsafe(32),
        refresh_token="sbx_rt_" + secrets.token_urlsafe(32),
        expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
    )
    SandboxGrant.objects.create(
        account=account,
        access_digest=digest(tokens.access_token),
        access_expires_at=timezone.now() + ACCESS_TOKEN_LIFETIME,
        refresh_digest=digest(tokens.refresh_token),
    )
    return tokens


def grant_refresh(*, refresh_token: str) -> IssuedTokens:
    """Spend a refresh token for new tokens; a spent or unknown one is ``invalid_grant``. Raises GrantError."""
    with transaction.atomic():
        grant = _locked(SandboxGrant, refresh_digest=digest(refresh_token))
        if grant is None or grant.revoked_at is not None:
            raise GrantError("invalid_grant", "The refresh token is unknown or was already used.")
        return _spend(grant, "revoked_at")


def account_for_access_token(access_token: str) -> SandboxAccount | None:
    """The account a live access token belongs to; None for an unknown, expired or spent one."""
    if not access_token:
        return None
    grant = (
        SandboxGrant.objects.select_related("account")
        .filter(
            access_digest=digest(access_token),
            revoked_at__isnull=True,
            access_expires_at__gt=timezone.now(),
        )
        .first()
    )
    return grant.account if grant else None


def _locked[Row: SandboxAuthorization | SandboxGrant](model: type[Row], **lookup: str) -> Row | None:
    """The code or grant ``lookup`` names, with its account, locked until the transaction ends."""
    return model.objects.select_for_update().select_related("account").filter(**lookup).first()


def _spend(row: SandboxAuthorization | SandboxGrant, spent_field: str) -> IssuedTokens:
    """Mark a code or refresh token spent now (it works once) and issue new tokens for its account."""
    setattr(row, spent_field, timezone.now())
    row.save(update_fields=[spent_field])
    return grant_issue(account=row.account)
