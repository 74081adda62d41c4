"""LinkedIn: OpenID Connect sign-in plus w_member_social; posts are authored as the member."""

from __future__ import annotations

from social.models import Platform
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import OAuthConnectError
from social.platforms.base.oauth import OAuthProvider
from social.platforms.base.oauth import TokenSet


class LinkedInProvider(OAuthProvider):
    platform = Platform.LINKEDIN
    scopes = ("openid", "profile", "w_member_social")
    # Only approved partner apps get refresh tokens; the service refreshes only when one is stored.
    supports_refresh = True

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        info = self.get_json(
            f"{self.api_url}/v2/userinfo", access_token=tokens.access_token, what="the LinkedIn member"
        )
        sub = info.get("sub")
        if not sub:
            raise OAuthConnectError("LinkedIn answered without the member's id (sub).")
        name = info.get("name") or " ".join(
            str(part) for part in (info.get("given_name"), info.get("family_name")) if part
        )
        return [
            ConnectableAccount(
                external_id=str(sub),
                name=str(name or sub),
                tokens=tokens,
                extra={"author_urn": f"urn:li:person:{sub}"},
            )
        ]
