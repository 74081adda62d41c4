"""Bluesky sessions as a PDS answers them: JWTs with the claims the reference PDS puts in them."""

from __future__ import annotations

import base64
import json
import time

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
HANDLE = "acme.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
APP_PASS_SCOPE = "com.atproto.appPass"


def _part(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(*, scope: str = APP_PASS_SCOPE, exp: int | None = None, sub: str = DID, marker: str = "a") -> str:
    """A JWT shaped like the PDS's (HS256, at+jwt); ``marker`` makes two tokens differ."""
    claims = {"scope": scope, "sub": sub, "aud": "did:web:bsky.social", "iat": int(time.time())}
    claims["exp"] = exp if exp is not None else int(time.time()) + 7200
    return f"{_part({'typ': 'at+jwt', 'alg': 'HS256'})}.{_part(claims)}.sig-{marker}"


def session_body(
    *, access: str, refresh: str, did: str = DID, handle: str = HANDLE, **more: object
) -> dict[str, object]:
    return {
        "did": did,
        "handle": handle,
        "accessJwt": access,
        "refreshJwt": refresh,
        "email": "team@acme.example",
        "emailConfirmed": True,
        "active": True,
        "didDoc": {
            "id": did,
            "service": [
                {
                    "id": "#atproto_pds",
                    "type": "AtprotoPersonalDataServer",
                    "serviceEndpoint": "https://morel.us-east.host.bsky.network",
                }
            ],
        },
        **more,
    }
