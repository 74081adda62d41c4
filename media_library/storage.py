"""The library's storage: one-line errors, and reading files as streams on the file system and on S3.

Django's storage API is used for writes and deletes. Reads do not go through ``storage.open()`` on S3:
django-storages' ``S3File`` downloads the whole object first (into memory by default), so a 1 GB video
would need 1 GB. ``open_stream`` reads S3 objects with ranged GETs whose body is consumed as it arrives.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage

from .errors import MediaError

logger = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB


class MediaStorageError(MediaError):
    """A storage operation failed; the message is one line a person can act on and holds no secret."""


@deconstructible
class MisconfiguredStorage(Storage):
    """Stands in for the storage a bad MEDIA_STORAGE_URL asked for: every operation says what is wrong."""

    def __init__(self, reason: str = "the media storage is not configured") -> None:
        self.reason = reason

    def _refuse(self, *args, **kwargs):
        raise MediaStorageError(self.reason)

    _open = _save = delete = exists = size = url = listdir = path = _refuse

    def generate_filename(self, filename: str) -> str:
        return filename


@deconstructible
class MediaS3Storage(S3Storage):
    """django-storages' S3 storage, uploading in 5 MiB parts (S3's smallest; s3transfer grows them for huge files) two at a time unless AWS_S3_TRANSFER_CONFIG
    says otherwise: boto3's defaults (ten parts in flight, ten read ahead) hold ~100 MB of a large file."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        if options.get("client_config") is None and getattr(settings, "AWS_S3_CLIENT_CONFIG", None) is None:
            # Checksums only where S3 requires them: many S3-compatible servers refuse the CRC32 trailers
            # botocore sends by default since 1.36, and computing them holds extra copies of each part.
            self.client_config = self.client_config.merge(
                Config(
                    request_checksum_calculation="when_required", response_checksum_validation="when_required"
                )
            )

    def get_default_settings(self):
        defaults = super().get_default_settings()
        if defaults["transfer_config"] is None:
            config = TransferConfig(
                multipart_threshold=8 * MIB, multipart_chunksize=5 * MIB, max_concurrency=2
            )
            # s3transfer reads up to this many parts ahead of the ones being sent (10 by default).
            config.max_in_memory_upload_chunks = 2
            defaults["transfer_config"] = config
        return defaults


def is_s3(storage: Storage) -> bool:
    return isinstance(storage, S3Storage)


def describe_storage_failure(exc: BaseException) -> str:
    """What went wrong, in a few words: S3's error code and message, or the OS error."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        code = error.get("Code", "error")
        message = error.get("Message") or ""
        return f"S3 said {code}" + (f" ({message})" if message and message != code else "")
    if isinstance(exc, MediaStorageError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def storage_errors(action: str) -> Iterator[None]:
    """Turn whatever the storage backend raises (OSError, botocore errors) into one MediaStorageError line."""
    try:
        yield
    except MediaStorageError:
        raise
    except Exception as exc:
        if not _is_storage_failure(exc):
            raise
        raise MediaStorageError(
            f"Media storage: could not {action}: {describe_storage_failure(exc)}"
        ) from exc


def _is_storage_failure(exc: Exception) -> bool:
    if isinstance(exc, OSError):
        return True
    return isinstance(exc, BotoCoreError | ClientError | Boto3Error)


class MediaReader(io.RawIOBase):
    """A stored file read as a stream: ``read()``/``readinto()``, exact-size ``chunks()``, and what it is.

    ``size`` (also ``total_bytes``, as the platform clients' downloads call it) is the whole file's length;
    ``content_type`` its MIME type. Only one block is held at a time, whatever the file's size.
    """

    def __init__(self, raw, *, size: int, content_type: str, name: str, closer=None) -> None:
        super().__init__()
        self._raw = raw
        self._closer = closer or raw.close
        self.size = size
        self.total_bytes = size
        self.content_type = content_type
        self.name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        with storage_errors(f"read {self.name}"):
            data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        return count

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        with storage_errors(f"read {self.name}"):
            return self._raw.read(size)

    def chunks(self, chunk_size: int = 8 * MIB) -> Iterator[bytes]:
        """Chunks of exactly ``chunk_size`` bytes (the last may be shorter)."""
        while True:
            chunk = self.read(chunk_size)
            # A stream may return short reads before its end: top up to the exact size.
            while chunk and len(chunk) < chunk_size:
                more = self.read(chunk_size - len(chunk))
                if not more:
                    break
                chunk += more
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        if not self.closed:
            try:
                self._closer()
            finally:
                super().close()


def open_stream(
    storage: Storage, name: str, *, content_type: str, start: int = 0, end: int | None = None
) -> MediaReader:
    """Open ``name`` for streaming from byte ``start`` to ``end`` (inclusive; None = the end).

    Local files are opened and seeked; S3 objects are fetched with one ranged GET whose body is read as it
    arrives. ``size`` of the reader is always the whole file's size.
    """
    with storage_errors(f"open {name}"):
        if is_s3(storage):
            return _open_s3(storage, name, content_type=content_type, start=start, end=end)
        handle = storage.open(name, "rb")
        size = storage.size(name)
        handle.seek(start)
        raw = handle if end is None else _Limited(handle, end - start + 1)
        return MediaReader(raw, size=size, content_type=content_type, name=name, closer=handle.close)


def _open_s3(storage, name: str, *, content_type: str, start: int, end: int | None) -> MediaReader:
    from storages.utils import clean_name

    # The object key as django-storages computes it (its location prefix included).
    key = storage._normalize_name(clean_name(name))
    params = {"Bucket": storage.bucket_name, "Key": key}
    if start or end is not None:
        params["Range"] = f"bytes={start}-{'' if end is None else end}"
    answer = storage.connection.meta.client.get_object(**params)
    body = answer["Body"]
    content_range = answer.get("ContentRange") or ""
    size = int(content_range.rsplit("/", 1)[1]) if "/" in content_range else int(answer["ContentLength"])
    return MediaReader(body, size=size, content_type=content_type, name=name, closer=body.close)


class _Limited:
    """Reads at most ``remaining`` bytes of a file (a Range's end)."""

    def __init__(self, handle, remaining: int) -> None:
        self._handle = handle
        self._remaining = remaining

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        size = self._remaining if size is None or size < 0 else min(size, self._remaining)
        data = self._handle.read(size)
        self._remaining -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


def presigned_url(storage: Storage, name: str, *, seconds: int, content_type: str) -> str:
    """A presigned GET URL of an S3 object, valid for ``seconds``."""
    with storage_errors(f"sign a URL for {name}"):
        return storage.url(name, parameters={"ResponseContentType": content_type}, expire=seconds)
