"""Facebook Login, which Facebook Pages and Instagram business accounts are connected through: the person
picks which of their Pages to connect (or the Instagram accounts linked to them).

The code is exchanged for a short-lived user token, that for a long-lived one, and ``/me/accounts`` then
lists the Pages with their Page tokens; a Page token obtained from a long-lived user token does not expire.
Nothing is refreshed: a Page whose token stops working is reconnected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import ClassVar

from django.conf import settings
from oauthlib.oauth2.rfc6749.parameters import parse_token_response
from requests_oauthlib import OAuth2Session

from social.redaction import redact

from .oauth import OAuthConnectError
from .oauth import OAuthProvider
from .oauth import TokenEndpointError
from .oauth import TokenSet
from .oauth import reject_unavailable

# /me/accounts is paged; 20 pages of 100 is more Pages than any one person manages.
MAX_PAGE_REQUESTS = 20


class FacebookLoginProvider(OAuthProvider):
    """What Facebook Pages and Instagram business accounts share: Facebook Login and the Page list."""

    scope_separator = ","
    # Facebook documents GET for its token endpoint.
    code_exchange_method = "GET"
    picks_accounts = True
    supports_refresh = False
    page_fields: ClassVar[str] = "id,name,access_token"

    @property
    def graph_url(self) -> str:
        return f"{self.api_url}/{settings.FACEBOOK_API_VERSION}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        short_lived = super().exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
        return self.long_lived_user_token(short_lived)

    def long_lived_user_token(self, tokens: TokenSet) -> TokenSet:
        def fetch(session: OAuth2Session) -> Mapping[str, Any]:
            response = session.get(
                f"{self.graph_url}/oauth/access_token",
                params={
                    "grant_type": "fb_exchange_token",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "fb_exchange_token": tokens.access_token,
                },
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
            return parse_token_response(reject_unavailable(response).text)

        try:
            return self.call_token_endpoint(fetch)
        except TokenEndpointError as exc:
            detail = redact(str(exc), [tokens.access_token, self.client_secret])
            raise OAuthConnectError(
                f"{self.display_name} did not exchange the sign-in for a long-lived token: {detail}"
            ) from None

    def pages(self, tokens: TokenSet) -> list[Mapping[str, Any]]:
        """Every Page the person manages, with ``page_fields``."""
        pages: list[Mapping[str, Any]] = []
        after = None
        for _ in range(MAX_PAGE_REQUESTS):
            params = {"fields": self.page_fields, "limit": "100"} | ({"after": after} if after else {})
            body = self.get_json(
                f"{self.graph_url}/me/accounts",
                params=params,
                access_token=tokens.access_token,
                what="your Pages",
            )
            data = body.get("data")
            if not isinstance(data, list):
                raise OAuthConnectError(f"{self.display_name} answered without the list of your Pages.")
            pages.extend(page for page in data if isinstance(page, Mapping) and page.get("id"))
            paging = body.get("paging") if isinstance(body.get("paging"), Mapping) else {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
        return pages
