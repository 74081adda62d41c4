"""A Bluesky PDS as the client meets it, every call an XRPC method under ``/xrpc/``:

- ``com.atproto.server.createSession`` (a handle or DID and an app password) and ``refreshSession``
  (``Bearer <refresh JWT>``, spent once: a second use is ``ExpiredToken``), answering JWT-shaped tokens
  with ``scope``, ``sub`` and ``exp`` claims as the reference PDS does;
- ``com.atproto.repo.createRecord`` of ``app.bsky.feed.post`` at the record key the client chose; a second
  create at a key that holds a record fails inside the repository ("There is already a value at key"),
  which the reference PDS answers as a bare 500 ``InternalServerError``;
- ``com.atproto.repo.getRecord`` (the record, or 400 ``RecordNotFound``), what reconciliation reads;
- ``com.atproto.repo.uploadBlob`` (the raw bytes; a record may then reference the blob, images at most
  2,000,000 bytes) and ``com.atproto.identity.resolveHandle``.

An access token the PDS does not know is refused as an expired one (400 ``ExpiredToken``). Errors are
``{"error", "message"}``; a rate limit carries ``RateLimit-*`` headers with the reset as a unix time.
The records are kept whole, facets and embeds included, so a test can read what a post looks like.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from .http import Hold
from .http import Request
from .http import Response
from .http import json_response
from .world import Account
from .world import PlatformApi
from .world import Route

POST = "app.bsky.feed.post"
IMAGE_MAX_BYTES = 2_000_000
ACCESS_SECONDS = 7200
ERROR_NAMES = {
    400: "InvalidRequest",
    401: "AuthenticationRequired",
    429: "RateLimitExceeded",
    500: "InternalServerError",
}


@dataclass(frozen=True)
class Blob:
    owner: str  # the DID that uploaded it
    mime_type: str
    size: int


def token(scope: str, did: str, number: int, seconds: int) -> str:
    """A JWT-shaped token (unsigned: nothing here checks signatures) the way the PDS fills in its claims."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {
        "scope": scope,
        "sub": did,
        "iat": int(time.time()),
        "exp": int(time.time()) + seconds,
        "jti": number,
    }
    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(claims)}.sim{number}"


def rkey_of(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


class BlueskyApi(PlatformApi):
    platform = "BLUESKY"
    name = "Bluesky"

    def reset(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}  # at:// URI -> the record as created
        self.blobs: dict[str, Blob] = {}  # CID -> what was uploaded
        self.passwords: dict[str, tuple[Account, str]] = {}  # handle or DID -> (account, app password)
        self.refreshes: list[str] = []  # the refresh JWTs presented, in order
        self._numbers = itertools.count(1)

    def routes(self) -> list[Route]:
        def xrpc(method: str) -> re.Pattern[str]:
            return re.compile(rf"/xrpc/{re.escape(method)}")

        return [
            ("POST", xrpc("com.atproto.server.createSession"), "Bluesky session", self.create_session),
            ("POST", xrpc("com.atproto.server.refreshSession"), "Bluesky refresh", self.refresh_session),
            ("POST", xrpc("com.atproto.repo.createRecord"), "Bluesky create", self.create_record),
            ("GET", xrpc("com.atproto.repo.getRecord"), "Bluesky get", self.get_record),
            ("POST", xrpc("com.atproto.repo.uploadBlob"), "Bluesky upload", self.upload_blob),
            ("GET", xrpc("com.atproto.identity.resolveHandle"), "Bluesky resolve", self.resolve_handle),
        ]

    # --- shapes -------------------------------------------------------------------------------------
    def error(self, status: int, words: str, **details: Any) -> Response:
        name = details.pop("error", None) or ERROR_NAMES.get(
            status, "InternalServerError" if status >= 500 else "InvalidRequest"
        )
        headers = [(key, str(value)) for key, value in details.items() if key.startswith("RateLimit-")]
        return json_response(status, {"error": name, "message": words}, headers)

    def unauthorized(self) -> Response:
        return self.error(400, "Token has expired", error="ExpiredToken")

    def rate_limited(self, seconds: float) -> Response:
        return self.error(
            429,
            "Rate Limit Exceeded",
            **{
                "RateLimit-Limit": "5000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(math.ceil(time.time() + seconds)),
                "RateLimit-Policy": "5000;w=3600",
            },
        )

    def server_error(self) -> Response:
        return self.error(500, "Internal Server Error")

    def post_url(self, account: Account, post_id: str) -> str:
        return f"https://bsky.app/profile/{account.external_id}/post/{rkey_of(post_id)}"

    # --- accounts -----------------------------------------------------------------------------------
    def add_app_password(self, account: Account, password: str) -> None:
        """``account`` (its handle in ``username``) may sign in with ``password``."""
        with self.world._lock:
            for identifier in filter(None, (account.username, account.external_id)):
                self.passwords[identifier.lower()] = (account, password)
            self.world.accounts_by_id[(self.platform, account.external_id)] = account

    def _issue(self, account: Account) -> dict[str, Any]:
        number = next(self._numbers)
        access = token("com.atproto.appPass", account.external_id, number, ACCESS_SECONDS)
        refresh = token("com.atproto.refresh", account.external_id, number, 90 * 86400)
        self.world.connect(account, access, refresh)
        return {
            "did": account.external_id,
            "handle": account.username or "handle.invalid",
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
        }

    def create_session(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("identifier"), str):
            return self.error(400, 'Input must have the property "identifier"')
        known = self.passwords.get(body["identifier"].lower().lstrip("@"))
        if known is None or known[1] != body.get("password"):
            return self.error(401, "Invalid identifier or password")
        return json_response(200, self._issue(known[0]))

    def refresh_session(self, request: Request, match: re.Match[str]) -> Response:
        self.refreshes.append(request.bearer)
        account = self.world.spend_refresh_token(request.bearer)
        if account is None:
            return self.error(400, "Token has been revoked", error="ExpiredToken")
        return json_response(200, self._issue(account))

    # --- records ------------------------------------------------------------------------------------
    def create_record(self, request: Request, match: re.Match[str]) -> Response | Hold:
        body = request.json()
        body = body if isinstance(body, dict) else {}
        record = body.get("record") if isinstance(body.get("record"), dict) else {}
        text = record.get("text") if isinstance(record.get("text"), str) else ""
        account = self.account(request)
        if account is None:
            return self.refuse_unauthorized(request, text)
        if body.get("repo") != account.external_id:
            return self.error(401, "Invalid repo")
        if body.get("collection") != POST or record.get("$type") != POST or "createdAt" not in record:
            return self.error(
                400, 'Invalid app.bsky.feed.post record: Record must have the property "createdAt"'
            )
        if problem := self._blob_problem(account, record.get("embed")):
            return problem
        rkey = body.get("rkey")
        if not isinstance(rkey, str) or not re.fullmatch(r"[234567abcdefghij][234567a-z]{12}", rkey):
            return self.error(400, "Invalid record key")
        uri = f"at://{account.external_id}/{POST}/{rkey}"

        def make() -> Response:
            if uri in self.records:
                # The repository refuses it ("There is already a value at key"); the PDS hides the reason.
                return self.server_error()
            self.records[uri] = record
            self.world.make_post(self, account, text, uri)
            return json_response(
                200,
                {
                    "uri": uri,
                    "cid": _cid(json.dumps(record, sort_keys=True).encode()),
                    "validationStatus": "valid",
                },
            )

        return self.create(request, account, text, make)

    def get_record(self, request: Request, match: re.Match[str]) -> Response:
        uri = f"at://{request.param('repo')}/{request.param('collection')}/{request.param('rkey')}"
        record = self.records.get(uri)
        if record is None:
            return self.error(400, f"Could not locate record: {uri}", error="RecordNotFound")
        return json_response(
            200, {"uri": uri, "cid": _cid(json.dumps(record, sort_keys=True).encode()), "value": record}
        )

    def record_of(self, post_id: str) -> dict[str, Any]:
        return self.records[post_id]

    # --- blobs and handles --------------------------------------------------------------------------
    def upload_blob(self, request: Request, match: re.Match[str]) -> Response:
        account = self.account(request)
        if account is None:
            return self.unauthorized()
        cid = _cid(request.body)
        mime_type = request.headers.get("content-type", "application/octet-stream").split(";")[0]
        self.blobs[cid] = Blob(account.external_id, mime_type, len(request.body))
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime_type, "size": len(request.body)}
        return json_response(200, {"blob": blob})

    def _blob_problem(self, account: Account, embed: Any) -> Response | None:
        if not isinstance(embed, dict):
            return None
        images = [
            (item.get("image"), IMAGE_MAX_BYTES)
            for item in embed.get("images") or []
            if isinstance(item, dict)
        ]
        thumb = (
            (embed.get("external") or {}).get("thumb") if isinstance(embed.get("external"), dict) else None
        )
        for blob, limit in [*images, *([(thumb, 1_000_000)] if thumb else [])]:
            cid = ((blob or {}).get("ref") or {}).get("$link") if isinstance(blob, dict) else None
            stored = self.blobs.get(cid or "")
            if stored is None or stored.owner != account.external_id:
                return self.error(400, f"Could not find blob: {cid}", error="BlobNotFound")
            if stored.size > limit:
                return self.error(
                    400,
                    f"This file is too large. It is {stored.size} bytes but the maximum size is {limit}.",
                    error="BlobTooLarge",
                )
        return None

    def resolve_handle(self, request: Request, match: re.Match[str]) -> Response:
        handle = request.param("handle").lower()
        for account in self.world.accounts_by_id.values():
            if account.platform == self.platform and account.username.lower() == handle and handle:
                return json_response(200, {"did": account.external_id})
        return self.error(400, "Unable to resolve handle", error="HandleNotFound")


def _cid(content: bytes) -> str:
    """A CID-looking name for content (base32 of its SHA-256): the same bytes, the same name."""
    return "bafkrei" + base64.b32encode(hashlib.sha256(content).digest()).decode().lower().rstrip("=")[:52]
