"""Facebook Pages: Facebook Login, then the person picks which of their Pages to connect."""

from __future__ import annotations

from social.models import Platform
from social.platforms.base.facebook_login import FacebookLoginProvider
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import TokenSet


class FacebookProvider(FacebookLoginProvider):
    platform = Platform.FACEBOOK
    scopes = ("pages_show_list", "pages_manage_posts", "pages_read_engagement")
    no_accounts_message = (
        "Facebook shared no Page with this app. Connect again and select the Pages to publish to."
    )

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        return [
            ConnectableAccount(
                external_id=str(page["id"]),
                name=str(page.get("name") or page["id"]),
                tokens=TokenSet(access_token=page["access_token"]),
            )
            for page in self.pages(tokens)
            if isinstance(page.get("access_token"), str) and page["access_token"]
        ]
