"""X (Twitter): OAuth 2.0 authorization code with PKCE; refresh tokens rotate on every use."""

from __future__ import annotations

from social.models import Platform
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import OAuthConnectError
from social.platforms.base.oauth import OAuthProvider
from social.platforms.base.oauth import TokenSet


class TwitterProvider(OAuthProvider):
    platform = Platform.TWITTER
    # offline.access is what makes X issue a refresh token; its access tokens last two hours.
    scopes = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
    uses_pkce = True
    supports_refresh = True
    # X's confidential clients authenticate to the token endpoint with HTTP Basic.
    client_credentials_in_body = False

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        body = self.get_json(
            f"{self.api_url}/2/users/me", access_token=tokens.access_token, what="the X user"
        )
        user = body.get("data")
        if not isinstance(user, dict) or not user.get("id") or not user.get("username"):
            raise OAuthConnectError("X answered without the user's id and username.")
        return [
            ConnectableAccount(
                external_id=str(user["id"]),
                name=str(user.get("name") or user["username"]),
                tokens=tokens,
                extra={"username": str(user["username"])},
            )
        ]
