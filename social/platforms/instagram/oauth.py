"""Instagram business accounts through Facebook Login: the account linked to a Page the person picks.

Publishing goes through the Graph API with the Page's token, so that is the token stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from social.models import Platform
from social.platforms.base.facebook_login import FacebookLoginProvider
from social.platforms.base.oauth import ConnectableAccount
from social.platforms.base.oauth import TokenSet


class InstagramProvider(FacebookLoginProvider):
    platform = Platform.INSTAGRAM
    scopes = ("instagram_basic", "instagram_content_publish", "pages_show_list", "pages_read_engagement")
    no_accounts_message = (
        "None of the Pages Facebook shared has an Instagram business account linked. Link one to a Page "
        "(Instagram settings: account type Business), then connect again and select that Page."
    )
    page_fields = "id,name,access_token,instagram_business_account{id,username}"

    def connectable_accounts(self, tokens: TokenSet) -> list[ConnectableAccount]:
        accounts = []
        for page in self.pages(tokens):
            instagram = page.get("instagram_business_account")
            page_token = page.get("access_token")
            if not isinstance(instagram, Mapping) or not instagram.get("id") or not page_token:
                continue
            accounts.append(
                ConnectableAccount(
                    external_id=str(instagram["id"]),
                    name=str(instagram.get("username") or page.get("name") or instagram["id"]),
                    tokens=TokenSet(access_token=str(page_token)),
                    extra={"page_id": str(page["id"])},
                )
            )
        return accounts
