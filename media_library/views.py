"""HTTP: the signed public media URL, the admin's upload endpoint, and streaming a stored file with Range.

Thin: every decision is a service call. The upload endpoint and file views are mounted in the admin
(``MediaAssetAdmin.get_urls``), so staff login and CSRF protection are the admin's own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from django.conf import settings
from django.core.files.uploadhandler import SkipFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.http import StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from .errors import MediaError
from .models import MediaAsset
from .presenters import asset_summary
from .services.assets import media_asset_create
from .services.public_urls import PublicUrlExpired
from .services.public_urls import PublicUrlInvalid
from .services.public_urls import public_token_read
from .storage import MediaReader
from .storage import open_stream
from .storage import storage_errors

logger = logging.getLogger(__name__)

STREAM_BLOCK = 256 * 1024
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@require_http_methods(["GET", "HEAD"])
def public_media(request: HttpRequest, token: str, filename: str) -> HttpResponse:
    """The file behind a signed, unexpired token; 404 for a token this site did not sign, 410 once expired."""
    try:
        asset_uuid = public_token_read(token)
    except PublicUrlExpired:
        return HttpResponse("This media link has expired.\n", status=410, content_type="text/plain")
    except PublicUrlInvalid:
        raise Http404("No such media.") from None
    asset = MediaAsset.objects.filter(uuid=asset_uuid).first()
    if asset is None:
        raise Http404("No such media.")
    response = stream_asset(request, asset)
    response["Cache-Control"] = "private, no-transform"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def stream_asset(request: HttpRequest, asset: MediaAsset, *, thumbnail: bool = False) -> HttpResponse:
    """Stream the asset (or its thumbnail) with Content-Length, one byte range on request, HEAD too."""
    field = asset.thumbnail if thumbnail else asset.file
    if not field.name:
        raise Http404("No such file.")
    content_type = "image/jpeg" if thumbnail else asset.mime_type
    try:
        with storage_errors(f"find {field.name}"):
            size = field.storage.size(field.name) if thumbnail else asset.size
    except MediaError as exc:
        logger.warning("media asset %s: %s", asset.pk, exc)
        return HttpResponse("The media storage is unavailable.\n", status=503, content_type="text/plain")
    first, last = 0, size - 1
    status = 200
    requested = _byte_range(request.headers.get("Range", ""), size)
    if requested == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if requested is not None:
        first, last = requested
        status = 206
    headers = {
        "Content-Type": content_type,
        "Content-Length": str(last - first + 1 if size else 0),
        "Accept-Ranges": "bytes",
        "ETag": f'"{asset.checksum}{"-thumb" if thumbnail else ""}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
    }
    if status == 206:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    if request.method == "HEAD" or size == 0:
        response = HttpResponse(status=status)
    else:
        try:
            reader = open_stream(field.storage, field.name, content_type=content_type, start=first, end=last)
        except MediaError as exc:
            logger.warning("media asset %s: %s", asset.pk, exc)
            return HttpResponse("The media storage is unavailable.\n", status=503, content_type="text/plain")
        response = StreamingHttpResponse(_Body(reader), status=status)
    for name, value in headers.items():
        response[name] = value
    return response


class _Body:
    """The streamed response body: blocks of the reader, which is closed when the response is."""

    def __init__(self, reader: MediaReader) -> None:
        self._reader = reader

    def __iter__(self) -> Iterator[bytes]:
        return self._reader.chunks(STREAM_BLOCK)

    def close(self) -> None:
        self._reader.close()


def _byte_range(header: str, size: int) -> tuple[int, int] | str | None:
    """The one byte range asked for, "unsatisfiable", or None to send it all (no, several or bad ranges)."""
    match = RANGE.fullmatch(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    first = int(match[1])
    if first >= size:
        return "unsatisfiable"
    last = int(match[2]) if match[2] else size - 1
    if last < first:
        return None
    return first, min(last, size - 1)


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler to temporary files, skipping any file larger than MEDIA_MAX_UPLOAD_BYTES."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.too_large: list[str] = []
        self._received = 0

    def new_file(self, *args, **kwargs) -> None:
        self._received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._received > settings.MEDIA_MAX_UPLOAD_BYTES:
            self.too_large.append(self.file_name)
            self.file.close()
            raise SkipFile()
        return super().receive_data_chunk(raw_data, start)


@csrf_exempt  # checked below, once the upload handlers are set: CSRF's check reads the body
@require_POST
def library_upload(request: HttpRequest) -> JsonResponse:
    """POST multipart ``files`` (one or several): each becomes an asset, or an error naming the file."""
    handler = LimitedTemporaryFileUploadHandler(request)
    request.upload_handlers = [handler]
    return csrf_protect(_library_upload)(request, handler)


def _library_upload(request: HttpRequest, handler: LimitedTemporaryFileUploadHandler) -> JsonResponse:
    uploads = request.FILES.getlist("files")
    results: list[dict] = []
    errors = [
        {
            "name": name,
            "error": f"{name}: larger than the {settings.MEDIA_MAX_UPLOAD_BYTES:,}-byte upload limit",
        }
        for name in handler.too_large
    ]
    for upload in uploads:
        try:
            created = media_asset_create(owner=request.user, upload=upload)
        except MediaError as exc:
            errors.append({"name": upload.name, "error": str(exc)})
            continue
        finally:
            upload.close()
        results.append({**asset_summary(created.asset), "existing": created.existing, "name": upload.name})
    if not uploads and not errors:
        errors.append({"name": "", "error": "No file received: send them as multipart form field 'files'."})
    status = 200 if results or not errors else 400
    return JsonResponse({"assets": results, "errors": errors}, status=status)
