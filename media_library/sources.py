"""Library assets as the platform clients read them at publish time (``social.platforms.MediaSource``).

The publisher loads the asset rows in one of its database lanes; the platform-call threads, which have no
database connection, then only read files (``open``) or sign URLs (``public_url``): neither touches the ORM.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from social.platforms.base.client import MediaSourceError

from .errors import MediaError
from .models import MediaAsset
from .services.assets import media_asset_open
from .services.public_urls import PublicUrl
from .services.public_urls import media_asset_public_url
from .services.public_urls import media_public_url_check
from .storage import MediaReader


def _of_asset(field: str) -> property:
    """What ``MediaSource`` calls ``name`` here, read from the loaded row's ``field``."""
    return property(lambda source: getattr(source.asset, field))


@dataclass(frozen=True)
class AssetSource:
    """One loaded asset row, read without the database (as ``social.platforms.MediaSource``)."""

    asset: MediaAsset

    asset_id = _of_asset("pk")
    kind = _of_asset("kind")
    content_type = _of_asset("mime_type")
    size = _of_asset("size")
    alt_text = _of_asset("alt_text")
    name = _of_asset("original_name")

    def open(self) -> AssetReader:
        """The file as a stream from its storage; raises MediaSourceError."""
        try:
            return AssetReader(media_asset_open(asset=self.asset))
        except MediaError as exc:
            raise MediaSourceError(str(exc)) from exc

    def public_url(self) -> PublicUrl:
        """A signed, expiring URL a platform fetches the file from; raises MediaError (SITE_URL unset)."""
        return media_asset_public_url(asset=self.asset)

    def check_public_url(self, url: str, *, session=None) -> None:
        """Fetch the URL's first byte as the platform will; raises MediaUnreachable."""
        media_public_url_check(url=url, expected_size=self.asset.size, session=session)


class AssetReader:
    """A ``MediaReader`` whose storage failures are ``MediaSourceError``, as the clients expect."""

    def __init__(self, reader: MediaReader) -> None:
        self._reader = reader
        self.total_bytes = reader.total_bytes

    def chunks(self, chunk_size: int) -> Iterator[bytes]:
        try:
            yield from self._reader.chunks(chunk_size)
        except MediaError as exc:
            raise MediaSourceError(str(exc)) from exc

    def close(self) -> None:
        self._reader.close()
