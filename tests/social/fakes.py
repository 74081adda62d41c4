"""The platforms' OAuth endpoints as `responses` answers, with the request shapes each platform documents."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from django.db import connection
from responses import matchers

from social.models import Platform
from social.models import SocialAccount

PLATFORMS = [platform.value for platform in Platform]
CODE = "auth-code-PLAINTEXT-4f9a"
FB_GRAPH = "https://graph.facebook.com/v25.0"


def client_id(platform: str) -> str:
    return f"{platform.lower()}-client-id"


def client_secret(platform: str) -> str:
    return f"{platform.lower()}-CLIENT-SECRET-do-not-leak"


def redirect_uri(platform: str, *, base: str = "http://testserver") -> str:
    return f"{base}/social/callback/{platform.lower()}/"


def query(url: str) -> dict[str, str]:
    """A URL's query parameters, each with its single value."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def form_body(request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.body, strict_parsing=True).items()}


def basic_auth(platform: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id(platform)}:{client_secret(platform)}".encode()).decode()


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def bearer(token: str):
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def make_account(owner, **fields) -> SocialAccount:
    defaults = {
        "platform": Platform.TWITTER,
        "external_id": "2244994945",
        "name": "Old name",
        "owner": owner,
        "access_token": "old-access-token-PLAINTEXT",
        "refresh_token": "old-refresh-token-PLAINTEXT",
    }
    return SocialAccount.objects.create(**(defaults | fields))


def raw_tokens(account_id: int) -> tuple[str, str]:
    """An account's token columns as stored, not decrypted."""
    table = SocialAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT access_token, refresh_token FROM {table} WHERE id = %s", [account_id])  # noqa: S608
        return cursor.fetchone()


# --- X -------------------------------------------------------------------------------------------------
X_ACCESS = "x-access-token-PLAINTEXT-1"
X_REFRESH = "x-refresh-token-PLAINTEXT-1"
X_USER = {"id": "2244994945", "name": "Developers", "username": "XDevelopers"}


def expect_x_connect(mocked, *, code_verifier: str, code: str = CODE) -> None:
    mocked.post(
        "https://api.x.com/2/oauth2/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri("TWITTER"),
                    "code_verifier": code_verifier,
                }
            ),
            matchers.header_matcher({"Authorization": basic_auth("TWITTER")}),
        ],
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": X_ACCESS,
            "scope": "tweet.read tweet.write users.read media.write offline.access",
            "refresh_token": X_REFRESH,
        },
    )
    mocked.get("https://api.x.com/2/users/me", match=[bearer(X_ACCESS)], json={"data": X_USER})


# --- LinkedIn ------------------------------------------------------------------------------------------
LI_ACCESS = "li-access-token-PLAINTEXT-1"


def expect_linkedin_connect(mocked, *, code: str = CODE) -> None:
    mocked.post(
        "https://www.linkedin.com/oauth/v2/accessToken",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri("LINKEDIN"),
                    "client_id": client_id("LINKEDIN"),
                    "client_secret": client_secret("LINKEDIN"),
                }
            )
        ],
        json={
            "access_token": LI_ACCESS,
            "expires_in": 5184000,
            "scope": "email,openid,profile,w_member_social",
            "token_type": "Bearer",
            "id_token": "eyJhbGciOiJSUzI1NiJ9.e30.sig",
        },
    )
    mocked.get(
        "https://api.linkedin.com/v2/userinfo",
        match=[bearer(LI_ACCESS)],
        json={"sub": "782bbtaQ", "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe"},
    )


# --- YouTube -------------------------------------------------------------------------------------------
YT_ACCESS = "ya29.yt-access-token-PLAINTEXT-1"
YT_REFRESH = "1//yt-refresh-token-PLAINTEXT-1"
YT_TOKEN_URL = "https://oauth2.googleapis.com/token"


def expect_youtube_connect(mocked, *, code: str = CODE) -> None:
    mocked.post(
        YT_TOKEN_URL,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri("YOUTUBE"),
                    "client_id": client_id("YOUTUBE"),
                    "client_secret": client_secret("YOUTUBE"),
                }
            )
        ],
        json={
            "access_token": YT_ACCESS,
            "expires_in": 3599,
            "refresh_token": YT_REFRESH,
            "scope": "https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/youtube.upload",
            "token_type": "Bearer",
        },
    )
    mocked.get(
        "https://www.googleapis.com/youtube/v3/channels",
        match=[bearer(YT_ACCESS), matchers.query_param_matcher({"part": "snippet", "mine": "true"})],
        json={
            "kind": "youtube#channelListResponse",
            "items": [{"id": "UC_x5XG1OV2P6uZZ5FSM9Ttw", "snippet": {"title": "Google for Developers"}}],
        },
    )


# --- Facebook and Instagram (Facebook Login) -------------------------------------------------------------
FB_SHORT = "EAAshort-user-token-PLAINTEXT"
FB_LONG = "EAAlong-user-token-PLAINTEXT"
PAGE_TOKENS = {"1001": "EAApage-1001-token-PLAINTEXT", "1002": "EAApage-1002-token-PLAINTEXT"}


def expect_facebook_login(
    mocked, platform: str, *, code: str = CODE, base: str = "http://testserver"
) -> None:
    """The code exchange and the long-lived token exchange, both GETs of Graph's oauth/access_token."""
    mocked.get(
        f"{FB_GRAPH}/oauth/access_token",
        match=[
            matchers.query_param_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri(platform, base=base),
                    "client_id": client_id(platform),
                    "client_secret": client_secret(platform),
                }
            )
        ],
        json={"access_token": FB_SHORT, "token_type": "bearer", "expires_in": 5400},
    )
    mocked.get(
        f"{FB_GRAPH}/oauth/access_token",
        match=[
            matchers.query_param_matcher(
                {
                    "grant_type": "fb_exchange_token",
                    "client_id": client_id(platform),
                    "client_secret": client_secret(platform),
                    "fb_exchange_token": FB_SHORT,
                }
            )
        ],
        json={"access_token": FB_LONG, "token_type": "bearer", "expires_in": 5183944},
    )


def expect_facebook_connect(
    mocked, *, code: str = CODE, pages: list[dict] | None = None, base: str = "http://testserver"
) -> None:
    expect_facebook_login(mocked, "FACEBOOK", code=code, base=base)
    mocked.get(
        f"{FB_GRAPH}/me/accounts",
        match=[
            bearer(FB_LONG),
            matchers.query_param_matcher({"fields": "id,name,access_token", "limit": "100"}),
        ],
        json={
            "data": pages
            if pages is not None
            else [
                {"id": "1001", "name": "Corner Bakery", "access_token": PAGE_TOKENS["1001"]},
                {"id": "1002", "name": "Harbour Cafe", "access_token": PAGE_TOKENS["1002"]},
            ],
            "paging": {"cursors": {"before": "QVFIUk", "after": "QVFIUl"}},
        },
    )


def expect_instagram_connect(mocked, *, code: str = CODE) -> None:
    expect_facebook_login(mocked, "INSTAGRAM", code=code)
    mocked.get(
        f"{FB_GRAPH}/me/accounts",
        match=[
            bearer(FB_LONG),
            matchers.query_param_matcher(
                {"fields": "id,name,access_token,instagram_business_account{id,username}", "limit": "100"}
            ),
        ],
        json={
            "data": [
                {
                    "id": "1001",
                    "name": "Corner Bakery",
                    "access_token": PAGE_TOKENS["1001"],
                    "instagram_business_account": {"id": "17841400000000001", "username": "cornerbakery"},
                },
                {"id": "1002", "name": "Harbour Cafe", "access_token": PAGE_TOKENS["1002"]},
            ]
        },
    )


def token_error(mocked, method: str, url: str, *, status: int, error: str, description: str = "") -> None:
    body = {"error": error} | ({"error_description": description} if description else {})
    mocked.add(method, url, status=status, json=body)
