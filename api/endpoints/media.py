"""Media assets: upload (streamed to a temporary file, never held in memory), list, read with where they
are used and what each platform would refuse, a public URL for platforms that fetch, delete (refused while
a post that may still go out uses it)."""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.http import HttpResponse
from django.urls import reverse
from ninja import File
from ninja import Form
from ninja import Query
from ninja import Router
from ninja import Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from pydantic import Field

from calendar_app.access import posts_visible_to
from media_library.checking import media_asset_check_platforms
from media_library.errors import MediaError
from media_library.models import MediaAsset
from media_library.models import MediaKind
from media_library.selectors import media_asset_usages
from media_library.selectors import media_assets_visible_to
from media_library.services.assets import MediaInUse
from media_library.services.assets import file_checksum
from media_library.services.assets import media_asset_create
from media_library.services.assets import media_asset_delete
from media_library.services.public_urls import media_asset_public_url
from media_library.views import LimitedTemporaryFileUploadHandler

from ..auth import requires
from ..idempotency import idempotent
from ..models import Scope
from ..operations import one_visible
from ..operations import read_one
from ..pagination import keyset_page
from ..problems import Problem
from ..schemas import NUL_REFUSED
from ..schemas import Id
from ..schemas import PageOut
from ..schemas import PageQuery
from ..schemas import Timestamp
from ..schemas import from_row
from ..schemas import holds_nul
from ..schemas import problems

router = Router(tags=["media"])
# Optional in the signature so that a file skipped for its size is answered 413, not "missing".
OPTIONAL_FILE = File(None)


class PlatformVerdictOut(Schema):
    platform: str
    problems: list[str] = Field(description="What this platform would refuse about the file; empty: fine.")


class UsageOut(Schema):
    post: int
    platform: str = Field(description='"" for the post\'s own media, else the platform it is used for.')


class MediaOut(Schema):
    id: int
    name: str
    kind: MediaKind
    mime_type: str
    size: int = Field(description="Bytes.")
    width: int | None
    height: int | None
    duration: float | None = Field(description="Seconds (video, animated GIF).")
    alt_text: str
    has_location: bool = Field(description="The file carries GPS coordinates.")
    checksum: str = Field(description="SHA-256, hex.")
    created_at: Timestamp
    existing: bool = Field(False, description="On upload: the same file was already in the library.")
    platforms: list[PlatformVerdictOut]
    used_by: list[UsageOut] | None = Field(
        None, description="Posts using it that you may see (GET /media/{id})."
    )


class PublicUrlOut(Schema):
    url: str
    expires_at: Timestamp


class MediaFilters(PageQuery):
    kind: MediaKind | None = None


def media_out(
    asset: MediaAsset, *, existing: bool = False, used_by: list[UsageOut] | None = None
) -> MediaOut:
    return from_row(
        MediaOut,
        asset,
        name=asset.original_name,
        existing=existing,
        platforms=[
            PlatformVerdictOut(
                platform=verdict.platform, problems=[str(problem) for problem in verdict.problems]
            )
            for verdict in media_asset_check_platforms(asset=asset)
        ],
        used_by=used_by,
    )


def _asset(request: HttpRequest, asset_id: Id) -> MediaAsset:
    return one_visible(media_assets_visible_to(user=request.user), asset_id, "media asset")


def streamed_uploads(run):
    """Uploads go to a temporary file in blocks (never whole into memory), and one larger than
    MEDIA_MAX_UPLOAD_BYTES is skipped while it arrives: set before anything reads the body."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        request._api_upload_handler = LimitedTemporaryFileUploadHandler(request)
        request.upload_handlers = [request._api_upload_handler]
        return run(request, *args, **kwargs)

    return wrapper


@router.get("/media", response={200: PageOut[MediaOut], **problems(403, 422)}, summary="List media")
@requires(Scope.READ)
def media_list(request: HttpRequest, filters: Query[MediaFilters]):
    assets = media_assets_visible_to(user=request.user).filter(source__isnull=True)
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    page = keyset_page(
        assets, time_field="created_at", cursor=filters.cursor, limit=filters.limit, descending=True
    )
    return {"items": [media_out(asset) for asset in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/media",
    response={201: MediaOut, 200: MediaOut, **problems(403, 413, 422)},
    summary="Upload a file",
)
@decorate_view(streamed_uploads)
@requires(Scope.WRITE)
def media_upload(request: HttpRequest, file: UploadedFile | None = OPTIONAL_FILE, alt_text: Form[str] = ""):
    """multipart/form-data with `file` (and `alt_text`). 201 with the new asset; 200 with the asset already
    in the library when the same bytes were uploaded before. Checked (probed) before it is stored."""
    handler = request._api_upload_handler
    if handler.too_large:
        raise Problem(
            413,
            f"{handler.too_large[0]} is larger than the {settings.MEDIA_MAX_UPLOAD_BYTES:,}-byte upload limit.",
        )
    if file is None:
        raise Problem(
            422,
            "Send the file as multipart/form-data field `file`.",
            slug="validation",
            errors=[{"field": "file", "message": "is required", "in": "form"}],
        )
    if holds_nul(alt_text):  # a form field: django-ninja's Form[] drops the default of schemas.Text
        raise Problem(
            422,
            f"alt_text {NUL_REFUSED}.",
            slug="validation",
            errors=[{"field": "alt_text", "message": NUL_REFUSED, "in": "form"}],
        )
    fingerprint = {"name": file.name, "size": file.size, "alt_text": alt_text}
    if request.headers.get("Idempotency-Key"):
        fingerprint["sha256"] = _checksum(file)

    def store() -> HttpResponse:
        try:
            created = media_asset_create(owner=request.user, upload=file, alt_text=alt_text)
        except MediaError as exc:
            raise Problem(
                422,
                str(exc),
                slug="validation",
                errors=[{"field": "file", "message": str(exc), "in": "form"}],
            ) from None
        finally:
            file.close()
        status = 200 if created.existing else 201
        response = HttpResponse(
            media_out(created.asset, existing=created.existing).model_dump_json(),
            status=status,
            content_type="application/json",
        )
        response["Location"] = reverse("api-v1:media_read", args=[created.asset.pk])
        return response

    return idempotent(request, body=fingerprint, answer=store)


def _checksum(file: UploadedFile) -> str:
    """The upload's SHA-256 for its idempotency fingerprint, read from disk in blocks."""
    path = getattr(file, "temporary_file_path", None)
    if path is not None:
        return file_checksum(Path(path()))[0]
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@read_one(router, "/media/{asset_id}", MediaOut, summary="Read a media asset", url_name="media_read")
def media_read(request: HttpRequest, asset_id: Id):
    asset = _asset(request, asset_id)
    visible = set(
        posts_visible_to(user=request.user)
        .values_list("pk", flat=True)
        .filter(media_usages__asset__in=[asset])
    )
    used_by = [
        UsageOut(post=usage.post_id, platform=usage.platform)
        for usage in media_asset_usages(asset=asset)
        if usage.post_id in visible
    ]
    return media_out(asset, used_by=used_by)


@router.get(
    "/media/{asset_id}/public-url",
    response={200: PublicUrlOut, **problems(403, 404, 503)},
    summary="A public URL",
)
@requires(Scope.READ)
def media_public_url(
    request: HttpRequest, asset_id: Id, seconds: int | None = Query(None, ge=60, le=7 * 86400)
):
    """An expiring URL anyone can fetch the file from (what platforms that fetch media are given)."""
    asset = _asset(request, asset_id)
    try:
        public = media_asset_public_url(asset=asset, seconds=seconds)
    except MediaError as exc:
        raise Problem(503, str(exc)) from None
    return PublicUrlOut(url=public.url, expires_at=public.expires_at)


@router.delete(
    "/media/{asset_id}", response={204: None, **problems(403, 404, 409)}, summary="Delete a media asset"
)
@requires(Scope.WRITE)
def media_delete(request: HttpRequest, asset_id: Id):
    """Refused (409, type in-use) while a draft, scheduled or publishing post uses it or its renditions."""
    asset = _asset(request, asset_id)
    if not request.user.has_perm("media_library.delete_mediaasset"):
        raise Problem(403, "You may not delete media.")
    try:
        media_asset_delete(asset=asset)
    except MediaInUse as exc:
        raise Problem(409, str(exc), slug="in-use") from None
    return HttpResponse(status=204)
