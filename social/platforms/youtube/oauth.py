"""YouTube: Google OAuth with offline access, so a refresh token is issued; the account is the channel."""

from __future__ import annotations

from social.models import Platform
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import OAuthConnectError
from social.platforms.base.oauth import OAuthProvider
from social.platforms.base.oauth import TokenSet


class YouTubeProvider(OAuthProvider):
    platform = Platform.YOUTUBE
    scopes = (
        "https://www.googleapis.com/auth/youtube.upload",
        "https://www.googleapis.com/auth/youtube.readonly",
    )
    # access_type=offline asks for a refresh token; prompt=consent makes Google issue one on a reconnect too.
    authorize_params = {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"}
    # Google keeps the refresh token across refreshes and answers invalid_grant once it is revoked.
    supports_refresh = True

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        body = self.get_json(
            f"{self.api_url}/youtube/v3/channels",
            params={"part": "snippet", "mine": "true"},
            access_token=tokens.access_token,
            what="the YouTube channel",
        )
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise OAuthConnectError(
                "This Google account has no YouTube channel. Create one on youtube.com, then connect again."
            )
        channel = items[0]
        if not isinstance(channel, dict) or not channel.get("id"):
            raise OAuthConnectError("YouTube answered without the channel's id.")
        title = (channel.get("snippet") or {}).get("title") or channel["id"]
        return [ConnectableAccount(external_id=str(channel["id"]), name=str(title), tokens=tokens)]
