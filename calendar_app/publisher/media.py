"""Library media at publish time.

The asset rows a claimed post names are loaded in a database lane together with the post (one query per
batch); each account's call thread then turns them into what its platform's client reads, without the
database: for a platform that uploads, the asset's source (its bytes, streamed from the library's storage);
for a platform that fetches by URL, a signed, expiring URL as well, fetched once here (its first byte) as
the platform will before the platform is asked to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from collections.abc import Mapping

import requests

from calendar_app.models import ErrorKind
from calendar_app.models import ScheduledPost
from calendar_app.services.post_media import media_assets_by_id
from calendar_app.services.post_media import metadata_asset_ids
from calendar_app.services.post_media import missing_asset_message
from media_library.errors import MediaError
from media_library.sources import AssetSource
from social.platforms import PublishPayload
from social.platforms import UnknownPlatformError
from social.platforms import platform_spec

from .recorder import Verdict


class MediaNotReady(Exception):
    """A post's library media cannot go out now: ``verdict`` and ``kind`` say what becomes of the account."""

    def __init__(self, verdict: Verdict, kind: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.kind = kind
        self.message = message


def media_sources_load(posts: Iterable[ScheduledPost]) -> dict[int, dict[int, AssetSource]]:
    """Post id -> the sources of the assets it names (those that still exist); one query, none for posts
    that name no asset."""
    wanted = {post.pk: metadata_asset_ids(post.metadata) for post in posts}
    assets = media_assets_by_id({asset_id for ids in wanted.values() for asset_id in ids})
    return {
        post_id: {asset_id: AssetSource(assets[asset_id]) for asset_id in ids if asset_id in assets}
        for post_id, ids in wanted.items()
        if ids
    }


def payload_media_resolve(
    payload: PublishPayload, *, sources: Mapping[int, AssetSource], platform: str, for_call: bool = True
) -> PublishPayload:
    """The payload with each asset item's source, and for a platform that fetches by URL its signed URL.

    ``for_call=False`` (to reconcile an earlier call): sources only, no URL, and a deleted asset is left
    as it is. Raises MediaNotReady: an asset deleted (FAILED), a URL that cannot be made now (retried).
    """
    if all(item.asset_id is None for item in payload.media):
        return payload
    try:
        fetches = platform_spec(platform).fetches_media_by_url
    except UnknownPlatformError:
        fetches = False  # no client either: the call ends on that, not here
    media = []
    for item in payload.media:
        source = sources.get(item.asset_id) if item.asset_id is not None else None
        if source is None:
            if item.asset_id is not None and for_call:
                raise MediaNotReady(Verdict.FAILED, ErrorKind.INVALID, missing_asset_message(item.asset_id))
            media.append(item)
            continue
        url = ""
        if fetches and for_call:
            try:
                url = source.public_url().url
            except MediaError as exc:
                raise MediaNotReady(
                    Verdict.RETRY, ErrorKind.TRANSIENT, f"No public URL for “{source.name}”: {exc}"
                ) from exc
        media.append(item.with_source(source, url=url))
    return dataclasses.replace(payload, media=tuple(media))


def payload_media_unreachable(payload: PublishPayload, *, session: requests.Session | None) -> str | None:
    """Why a platform could not fetch the payload's library media now (its signed URL does not answer
    with the file), or None. Only items with both a source and a URL are fetched: those a platform will
    fetch from us."""
    for item in payload.media:
        if item.source is None or not item.url:
            continue
        try:
            item.source.check_public_url(item.url, session=session)
        except MediaError as exc:
            return f"“{item.source.name}” cannot be fetched by the platform: {exc} Will retry."
    return None
