"""The tokens an account holds before and after a refresh, and an X account whose token expires soon."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import TokenRefreshError
from social.platforms import TokenRevokedError
from social.services import social_account_refresh_token

from .fakes import make_account

X_TOKEN_URL = "https://api.x.com/2/oauth2/token"
OLD_ACCESS = "old-access-token-PLAINTEXT"
OLD_REFRESH = "old-refresh-token-PLAINTEXT"
NEW_ACCESS = "new-access-token-PLAINTEXT"
NEW_REFRESH = "new-refresh-token-PLAINTEXT"
# X's answer to a refresh: a new access token and a new (rotated) refresh token.
X_ROTATED = {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": 7200}


def x_account(owner, **fields) -> SocialAccount:
    return make_account(owner, token_expires_at=timezone.now() + timedelta(minutes=2), **fields)


def refresh_fails_for_now(account: SocialAccount, *, access_token: str, refresh_token: str) -> SocialAccount:
    """Refresh after ``access_token`` was refused: the refresh must fail as a passing failure (not a
    revoked grant) and leave the account active with both its tokens; return it as stored."""
    with pytest.raises(TokenRefreshError) as failed:
        social_account_refresh_token(account_id=account.pk, rejected_access_token=access_token)

    assert not isinstance(failed.value, TokenRevokedError)
    fresh = SocialAccount.objects.get()
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert (fresh.access_token, fresh.refresh_token) == (access_token, refresh_token)
    return fresh
