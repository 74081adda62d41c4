"""The tokens an account holds before and after a refresh, and an X account whose token expires soon."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from social.models import SocialAccount

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
