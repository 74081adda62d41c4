"""Putting files into the library, reading them back as streams, describing and deleting them.

Files never sit whole in memory: uploads arrive in temporary files (Django's upload handlers), are hashed
and probed from disk in blocks, moved or streamed into storage, and read back through ``MediaReader``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.db import transaction

from ..errors import MediaError
from ..models import MediaAsset
from ..models import MediaUsage
from ..probing import MediaFacts
from ..probing import probe_file
from ..renditions import make_thumbnail
from ..renditions import new_workdir
from ..selectors import media_asset_blocking_posts
from ..selectors import media_asset_family_ids
from ..storage import MediaReader
from ..storage import is_s3
from ..storage import open_stream
from ..storage import storage_errors

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from calendar_app.models import ScheduledPost

logger = logging.getLogger(__name__)

BLOCK = 1024 * 1024
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
}


class MediaInUse(MediaError):
    """The asset (or a rendition of it) is used by posts that may still go out."""

    def __init__(self, asset: MediaAsset, posts: list[ScheduledPost]) -> None:
        self.asset = asset
        self.posts = posts
        listed = "; ".join(f"{post} ({post.get_status_display().lower()})" for post in posts)
        super().__init__(
            f"“{asset}” is used by {len(posts)} post{'s' if len(posts) != 1 else ''} that may still be "
            f"published: {listed}. Remove it from those posts first."
        )


@dataclass(frozen=True)
class MediaAssetCreated:
    asset: MediaAsset
    existing: bool  # the same file was already in the library: nothing new was stored


def media_asset_create(
    *, owner: AbstractBaseUser, upload: File, name: str | None = None, alt_text: str = ""
) -> MediaAssetCreated:
    """Add an uploaded file to the library, or find it there when the same bytes were uploaded before.

    ``upload`` is a Django ``File`` (an ``UploadedFile`` from a request, or a file opened from disk). The
    file is probed before anything is stored; raises ``MediaError`` (ProbeError, MediaStorageError).
    """
    name = (name or Path(upload.name or "upload").name)[:255]
    with _local_path(upload) as path:
        checksum, size = file_checksum(path)
        existing = MediaAsset.objects.filter(checksum=checksum, source__isnull=True).first()
        if existing is not None:
            return MediaAssetCreated(existing, existing=True)
        facts = probe_file(path, name=name)
        asset = MediaAsset(
            owner=owner,
            original_name=name,
            size=size,
            checksum=checksum,
            alt_text=alt_text,
            **_fact_fields(facts),
        )
        _store(asset, path=path, upload=upload)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:
        # The same file was added by a concurrent upload a moment ago: keep that one.
        delete_stored_files([asset.file.name, asset.thumbnail.name])
        existing = MediaAsset.objects.filter(checksum=checksum, source__isnull=True).first()
        if existing is None:
            raise
        return MediaAssetCreated(existing, existing=True)
    logger.info("media asset %s stored: %s, %s, %s bytes", asset.pk, asset.kind, asset.mime_type, asset.size)
    return MediaAssetCreated(asset, existing=False)


def media_asset_store_derived(
    *, owner: AbstractBaseUser, source: MediaAsset, recipe_key: str, path: Path, name: str
) -> MediaAsset:
    """Store a file made from ``source`` (a rendition) as a new asset; the row is saved by the caller."""
    checksum, size = file_checksum(path)
    facts = probe_file(path, name=name)
    asset = MediaAsset(
        owner=owner,
        original_name=name[:255],
        size=size,
        checksum=checksum,
        alt_text=source.alt_text,
        source=source,
        recipe=recipe_key,
        **_fact_fields(facts),
    )
    with path.open("rb") as handle:
        _store(asset, path=path, upload=File(handle, name=path.name))
    return asset


def media_asset_update(*, asset: MediaAsset, alt_text: str) -> MediaAsset:
    asset.alt_text = alt_text
    asset.save(update_fields=["alt_text"])
    return asset


def media_asset_open(*, asset: MediaAsset, start: int = 0, end: int | None = None) -> MediaReader:
    """The asset's bytes as a stream (from ``start`` to ``end`` inclusive), on the file system or S3.

    The reader has ``size``/``total_bytes``, ``content_type``, ``read()``, ``chunks(chunk_size)`` and
    ``close()``; use it as a context manager. Memory stays at one block whatever the file's size.
    """
    return open_stream(
        asset.file.storage, asset.file.name, content_type=asset.mime_type, start=start, end=end
    )


@contextlib.contextmanager
def media_asset_local_path(*, asset: MediaAsset) -> Iterator[Path]:
    """A path on this machine holding the asset's bytes: the file itself on the file system, a streamed
    temporary copy otherwise (for Pillow and ffmpeg, which need a file)."""
    storage = asset.file.storage
    path = None
    if not is_s3(storage):
        try:
            path = Path(storage.path(asset.file.name))
        except NotImplementedError:  # a storage without local paths: stream a copy below
            path = None
    if path is not None:
        yield path
        return
    suffix = "." + asset.file.name.rsplit(".", 1)[-1] if "." in asset.file.name else ""
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        with media_asset_open(asset=asset) as reader:
            for chunk in reader.chunks(BLOCK):
                copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def media_asset_delete(*, asset: MediaAsset) -> int:
    """Delete the asset, its renditions and their files, unless a post that may still go out uses them.

    Uses by final posts (published, failed, cancelled) go with it. The files are deleted once the deletion
    is committed; a file that cannot be deleted then is logged and left behind. Returns the rows deleted.
    Raises ``MediaInUse`` naming the posts.
    """
    with transaction.atomic():
        locked = MediaAsset.objects.select_for_update().get(pk=asset.pk)
        blocking = media_asset_blocking_posts(asset=locked)
        if blocking:
            raise MediaInUse(locked, blocking)
        family = media_asset_family_ids(asset=locked)
        names = [
            name
            for pair in MediaAsset.objects.filter(pk__in=family).values_list("file", "thumbnail")
            for name in pair
            if name
        ]
        MediaUsage.objects.filter(asset_id__in=family).delete()
        # Renditions first: a source's row is referenced by theirs.
        MediaAsset.objects.filter(pk__in=family, source__isnull=False).delete()
        MediaAsset.objects.filter(pk=locked.pk).delete()
        transaction.on_commit(lambda: delete_stored_files(names))
    logger.info("media asset %s deleted with %s rendition(s)", asset.pk, len(family) - 1)
    return len(family)


def file_checksum(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


@contextlib.contextmanager
def _local_path(upload: File) -> Iterator[Path]:
    """The upload's file on disk: Django's temporary file, the opened file itself, or a copy in blocks."""
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        yield Path(temporary())
        return
    on_disk = getattr(upload.file, "name", None) if hasattr(upload, "file") else None
    if isinstance(on_disk, str) and Path(on_disk).is_file():
        yield Path(on_disk)
        return
    with tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        upload.seek(0)
        for chunk in upload.chunks(BLOCK):
            copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def _fact_fields(facts: MediaFacts) -> dict:
    """The probed facts an asset row keeps: all but the image format, which only the probe itself reads."""
    kept = asdict(facts)
    del kept["image_format"]
    return kept


def _store(asset: MediaAsset, *, path: Path, upload: File) -> None:
    """Write the file, then its thumbnail, into storage (names set on ``asset``; the row is not saved)."""
    extension = EXTENSIONS.get(asset.mime_type) or (mimetypes.guess_extension(asset.mime_type) or ".bin")[1:]
    with new_workdir() as workdir:
        # Made before the file is stored: on the file system, storing moves the upload away.
        thumbnail = make_thumbnail(path, kind=asset.kind, duration=asset.duration, workdir=Path(workdir))
        with storage_errors(f"store {asset.original_name}"):
            upload.seek(0)
            asset.file.save(f"upload.{extension}", upload, save=False)
        if thumbnail is None:
            logger.warning("no thumbnail for %s: ffmpeg is not installed or failed", asset.original_name)
            return
        try:
            with (
                storage_errors(f"store the thumbnail of {asset.original_name}"),
                thumbnail.open("rb") as handle,
            ):
                asset.thumbnail.save("thumbnail.jpg", File(handle), save=False)
        except MediaError:
            delete_stored_files([asset.file.name])
            raise


def delete_stored_files(names: list[str]) -> None:
    storage = default_storage
    for name in filter(None, names):
        try:
            with storage_errors(f"delete {name}"):
                storage.delete(name)
        except MediaError as exc:
            logger.warning("%s (left behind)", exc)
