"""Public, expiring URLs of assets, for platforms that fetch media themselves (Instagram, Threads, Facebook).

On S3 the URL is presigned by S3. Otherwise the app serves the file under SITE_URL at a path holding a token
signed with SECRET_KEY (django.core.signing: HMAC, compared in constant time) that names the asset and
when the URL stops working. Nothing else of the library is reachable without logging in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

import requests
from django.conf import settings
from django.core import signing
from django.urls import reverse

from ..errors import MediaError
from ..models import MediaAsset
from ..storage import is_s3
from ..storage import presigned_url

SALT = "media_library.public_url"
REACHABILITY_TIMEOUT = (5.0, 15.0)


class PublicUrlInvalid(MediaError):
    """The token was not signed by this site (tampered, truncated or made with another key)."""


class PublicUrlExpired(MediaError):
    """The token is genuine but its time is up."""


class MediaUnreachable(MediaError):
    """A public media URL does not answer with the file."""


@dataclass(frozen=True)
class PublicUrl:
    url: str
    expires_at: datetime


def media_asset_public_url(*, asset: MediaAsset, seconds: int | None = None) -> PublicUrl:
    """A URL anyone can fetch the asset from for ``seconds`` (default MEDIA_PUBLIC_URL_SECONDS)."""
    seconds = seconds or settings.MEDIA_PUBLIC_URL_SECONDS
    expires = int(time.time()) + seconds
    expires_at = datetime.fromtimestamp(expires, UTC)
    storage = asset.file.storage
    if is_s3(storage):
        url = presigned_url(storage, asset.file.name, seconds=seconds, content_type=asset.mime_type)
        return PublicUrl(url, expires_at)
    site = settings.SITE_URL.rstrip("/")
    if not site:
        raise MediaError(
            "SITE_URL is not set: platforms that fetch media by URL (Instagram, Threads, Facebook) need this "
            "site's public address, e.g. SITE_URL=https://scheduler.example.com"
        )
    token = public_token_make(asset=asset, expires=expires)
    extension = asset.file.name.rsplit(".", 1)[-1] if "." in asset.file.name else "bin"
    path = reverse("media_library:public", kwargs={"token": token, "filename": f"{asset.kind}.{extension}"})
    return PublicUrl(f"{site}{path}", expires_at)


def public_token_make(*, asset: MediaAsset, expires: int) -> str:
    return signing.dumps([asset.uuid.hex, expires], salt=SALT, compress=False)


def public_token_read(token: str, *, now: float | None = None) -> UUID:
    """The asset a token names; raises PublicUrlInvalid or PublicUrlExpired."""
    try:
        asset_uuid, expires = signing.loads(token, salt=SALT)
        asset_uuid = UUID(hex=asset_uuid)
        expires = int(expires)
    except (signing.BadSignature, ValueError, TypeError):
        raise PublicUrlInvalid("This media link is not valid.") from None
    if (now if now is not None else time.time()) >= expires:
        raise PublicUrlExpired("This media link has expired.")
    return asset_uuid


def media_public_url_check(*, url: str, expected_size: int, session: requests.Session | None = None) -> None:
    """Before a publish call: fetch the first byte of the URL as the platform would and check the answer.

    A ranged GET (a presigned S3 URL is signed for GET only, so no HEAD): 206 with the full length in
    Content-Range, or 200 with Content-Length. Raises MediaUnreachable naming the host, never the URL.
    """
    host = urlsplit(url).netloc or "?"
    try:
        response = (session or requests).get(
            url,
            headers={"Range": "bytes=0-0"},
            stream=True,
            timeout=REACHABILITY_TIMEOUT,
            allow_redirects=True,
        )
    except requests.RequestException as exc:
        raise MediaUnreachable(f"The media URL on {host} cannot be reached ({type(exc).__name__}).") from None
    with response:
        if response.status_code == 206:
            total = (response.headers.get("Content-Range") or "").rpartition("/")[2]
        elif response.status_code == 200:
            total = response.headers.get("Content-Length") or ""
        else:
            raise MediaUnreachable(f"The media URL on {host} answered {response.status_code}, not the file.")
    if total != str(expected_size):
        raise MediaUnreachable(
            f"The media URL on {host} offers {total or 'an unknown number of'} bytes, the file has {expected_size}."
        )
