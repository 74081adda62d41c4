"""Media uploads to the network, the way resumable uploads work on real platforms: announce the file
(``media_begin``), send its bytes in pieces, each with ``Content-Range: bytes <first>-<last>/<total or *>``
(``media_receive``); the piece that completes it has the file checked (it must be the image, GIF or video
it claimed to be: Pillow and ffprobe, as the media library reads files) and stored.

Pieces wait in a local folder until the file is complete, then the file goes to the default storage (the
media library's), under ``sandbox/<handle>/``.
"""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from django.core.files import File
from django.db.models import F
from django.utils import timezone

from media_library.probing import ProbeError
from media_library.probing import probe_file

from .. import ALT_TEXT_LIMIT
from ..limits import MEDIA_LIMITS
from ..limits import UPLOAD_PIECE_BYTES
from ..models import SandboxAccount
from ..models import SandboxMedia

PARTS_DIR = Path(tempfile.gettempdir()) / "social-scheduler-sandbox-uploads"
# An upload not completed within this long is dropped, with the pieces it left.
ABANDONED_AFTER = timedelta(days=1)
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
}
READ_BYTES = 64 * 1024


class UploadRefused(Exception):
    """An upload request the network refuses: the HTTP status, an error code and words for people."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


def media_begin(
    *, account: SandboxAccount, kind: str, content_type: str, total_bytes: int | None, alt_text: str
) -> SandboxMedia:
    limits = MEDIA_LIMITS.get(kind)
    if limits is None:
        raise UploadRefused(422, "invalid_media", f"type must be one of {', '.join(MEDIA_LIMITS)}")
    if content_type not in limits.content_types:
        raise UploadRefused(
            422,
            "invalid_media",
            f"a {kind} must be {', '.join(sorted(limits.content_types))}, not {content_type or 'unknown'}",
        )
    if total_bytes is not None and total_bytes > limits.max_bytes:
        raise UploadRefused(
            413, "too_large", f"a {kind} may have {limits.max_bytes:,} bytes at most, not {total_bytes:,}"
        )
    if len(alt_text) > ALT_TEXT_LIMIT:
        raise UploadRefused(422, "invalid_media", f"alt text may have {ALT_TEXT_LIMIT:,} characters at most")
    _drop_abandoned(account)
    return SandboxMedia.objects.create(
        account=account, kind=kind, content_type=content_type, total_bytes=total_bytes, alt_text=alt_text
    )


def media_receive(*, media: SandboxMedia, content_range: str, body: BinaryIO, length: int) -> SandboxMedia:
    """Take one piece of ``media``; return it, complete (``is_ready``) once the last piece arrived."""
    if media.is_ready:
        raise UploadRefused(409, "already_complete", "this upload is already complete")
    match = CONTENT_RANGE.fullmatch(content_range.strip())
    if not match:
        raise UploadRefused(400, "bad_range", "Content-Range must be 'bytes <first>-<last>/<total or *>'")
    first, last = int(match[1]), int(match[2])
    total = None if match[3] == "*" else int(match[3])
    limits = MEDIA_LIMITS[media.kind]
    if last < first or last - first + 1 != length or length > UPLOAD_PIECE_BYTES:
        raise UploadRefused(
            400,
            "bad_range",
            f"a piece is 1 to {UPLOAD_PIECE_BYTES:,} bytes and its range must match its length",
        )
    if first != media.received_bytes:
        raise UploadRefused(
            409, "offset_mismatch", f"the next piece starts at byte {media.received_bytes}, not {first}"
        )
    if total is not None and (total > limits.max_bytes or (media.total_bytes not in (None, total))):
        raise UploadRefused(
            413, "too_large", f"the total does not match the announced size or the {media.kind} limit"
        )
    if last + 1 > limits.max_bytes:
        raise UploadRefused(413, "too_large", f"a {media.kind} may have {limits.max_bytes:,} bytes at most")
    _append(media, body, length)
    # A piece counts once, even if two requests raced with the same range.
    if not SandboxMedia.objects.filter(pk=media.pk, received_bytes=first).update(
        received_bytes=F("received_bytes") + length,
        total_bytes=total if total is not None else F("total_bytes"),
    ):
        raise UploadRefused(409, "offset_mismatch", "another piece arrived at the same time")
    media.refresh_from_db()
    if media.total_bytes is not None and media.received_bytes >= media.total_bytes:
        _finish(media)
    return media


def _drop_abandoned(account: SandboxAccount) -> None:
    """The account's uploads left incomplete for a day go, pieces and all (as real upload sessions expire)."""
    stale = SandboxMedia.objects.filter(
        account=account, file="", created_at__lt=timezone.now() - ABANDONED_AFTER
    )
    for media in stale:
        _part_path(media).unlink(missing_ok=True)
        media.delete()


def _part_path(media: SandboxMedia) -> Path:
    return PARTS_DIR / f"{media.pk}.part"


def _append(media: SandboxMedia, body: BinaryIO, length: int) -> None:
    PARTS_DIR.mkdir(parents=True, exist_ok=True)
    path = _part_path(media)
    left = length
    with path.open("r+b" if path.exists() else "wb") as part:
        part.seek(media.received_bytes)
        while left:
            piece = body.read(min(READ_BYTES, left))
            if not piece:
                raise UploadRefused(
                    400, "short_body", f"the body ended {left} bytes before its Content-Length"
                )
            part.write(piece)
            left -= len(piece)
        part.truncate()


def _finish(media: SandboxMedia) -> None:
    """Check the whole file is what it claimed, then store it; a file that is not is refused and dropped."""
    path = _part_path(media)
    try:
        facts = probe_file(path, name=f"the uploaded {media.kind}")
        if facts.kind != media.kind or facts.mime_type != media.content_type:
            raise UploadRefused(
                422,
                "invalid_media",
                f"the file is {facts.mime_type} ({facts.kind}), not the {media.content_type} {media.kind} announced",
            )
        with path.open("rb") as content:
            media.file.save(f"upload{EXTENSIONS.get(media.content_type, '')}", File(content), save=False)
    except ProbeError as exc:
        media.delete()
        raise UploadRefused(422, "invalid_media", str(exc)) from None
    except UploadRefused:
        media.delete()
        raise
    finally:
        path.unlink(missing_ok=True)
    media.width, media.height, media.duration = facts.width, facts.height, facts.duration
    media.save(update_fields=["file", "width", "height", "duration"])
