"""The media library in the admin: the library page (upload by drag and drop), an asset's facts, what each
platform says about it, its renditions and the posts that use it.

Thin: uploads, renditions, alt text and deletion are service calls. Files are streamed to staff through
admin views; nothing here makes a file public.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from .checking import media_asset_check_platforms
from .errors import MediaError
from .models import MediaAsset
from .picker import picker_assets
from .picker import picker_check
from .presenters import asset_card
from .recipes import RenditionRecipe
from .rules import media_location_note
from .selectors import media_asset_blocking_posts
from .selectors import media_asset_usages
from .services.assets import media_asset_delete
from .services.assets import media_asset_update
from .services.renditions import media_rendition_get_or_create
from .views import library_upload
from .views import stream_asset


class RenditionFilter(admin.SimpleListFilter):
    title = "origin"
    parameter_name = "origin"

    def lookups(self, request, model_admin):
        return [("upload", "Uploads"), ("rendition", "Renditions")]

    def queryset(self, request, queryset):
        if self.value() == "upload":
            return queryset.filter(source__isnull=True)
        if self.value() == "rendition":
            return queryset.filter(source__isnull=False)
        return queryset


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    change_list_template = "admin/media_library/mediaasset/change_list.html"
    change_form_template = "admin/media_library/mediaasset/change_form.html"
    list_display = [
        "preview",
        "original_name",
        "kind",
        "dimensions",
        "file_size",
        "length",
        "origin",
        "created_at",
    ]
    list_display_links = ["preview", "original_name"]
    list_filter = ["kind", RenditionFilter, "created_at"]
    search_fields = ["original_name", "alt_text", "checksum"]
    list_select_related = ["source"]
    list_per_page = 50
    fields = [
        "large_preview",
        "original_name",
        "alt_text",
        "kind",
        "mime_type",
        "file_size",
        "dimensions",
        "length",
        "video_codec",
        "audio_codec",
        "container",
        "bitrate",
        "exif_orientation",
        "has_location",
        "checksum",
        "source",
        "recipe",
        "owner",
        "created_at",
    ]
    readonly_fields = [name for name in fields if name != "alt_text"]

    # --- Columns ---------------------------------------------------------------------------------

    @admin.display(description="")
    def preview(self, asset: MediaAsset) -> str:
        if not asset.thumbnail:
            return format_html('<span class="media-no-thumb">{}</span>', asset.get_kind_display())
        url = reverse("admin:media_library_mediaasset_thumbnail", args=[asset.pk])
        return format_html('<img class="media-thumb" src="{}" alt="" loading="lazy">', url)

    @admin.display(description="Preview")
    def large_preview(self, asset: MediaAsset) -> str:
        file_url = reverse("admin:media_library_mediaasset_file", args=[asset.pk])
        if asset.kind == "video":
            return format_html(
                '<video class="media-preview" src="{}" controls preload="metadata"></video>', file_url
            )
        return format_html('<img class="media-preview" src="{}" alt="{}">', file_url, asset.alt_text)

    @admin.display(description="Size", ordering="size")
    def file_size(self, asset: MediaAsset) -> str:
        return filesizeformat(asset.size)

    @admin.display(description="Dimensions")
    def dimensions(self, asset: MediaAsset) -> str:
        return f"{asset.width}x{asset.height}" if asset.width and asset.height else "—"

    @admin.display(description="Duration", ordering="duration")
    def length(self, asset: MediaAsset) -> str:
        return f"{asset.duration:.1f} s" if asset.duration is not None else "—"

    @admin.display(description="Origin")
    def origin(self, asset: MediaAsset) -> str:
        return f"rendition of {asset.source}" if asset.source_id else "upload"

    # --- Pages -----------------------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # files come in through the library page's upload

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name=f"{info}_upload"),
            path("picker/", wrap(self.picker_view), name=f"{info}_picker"),
            path("picker/check/", wrap(self.picker_check_view), name=f"{info}_picker_check"),
            path(
                "<path:object_id>/thumbnail/",
                wrap(self.thumbnail_view, cacheable=True),
                name=f"{info}_thumbnail",
            ),
            path("<path:object_id>/file/", wrap(self.file_view, cacheable=True), name=f"{info}_file"),
            path("<path:object_id>/rendition/", wrap(self.rendition_view), name=f"{info}_rendition"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_upload": self.has_change_permission(request),
            "upload_url": reverse("admin:media_library_mediaasset_upload"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        asset = self.get_object(request, unquote(object_id))
        if asset is not None:
            extra_context = {
                **(extra_context or {}),
                "verdicts": media_asset_check_platforms(asset=asset),
                "location_note": media_location_note(asset),
                "renditions": list(asset.renditions.all()),
                "usages": list(media_asset_usages(asset=asset)),
                "rendition_url": reverse("admin:media_library_mediaasset_rendition", args=[asset.pk]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        return library_upload(request)

    upload_view.csrf_exempt = True  # library_upload checks CSRF itself, after setting its upload handlers

    def picker_view(self, request: HttpRequest) -> HttpResponse:
        """The post form's picker: the library page by page (JSON)."""
        if not self.has_view_or_change_permission(request):
            return HttpResponse(status=403)
        return picker_assets(request)

    def picker_check_view(self, request: HttpRequest) -> HttpResponse:
        """The post form's picker: what the post's accounts would refuse of the picked assets (JSON)."""
        if not self.has_view_or_change_permission(request):
            return HttpResponse(status=403)
        return picker_check(request)

    def thumbnail_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return stream_asset(request, self._viewable(request, object_id), thumbnail=True)

    def file_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return stream_asset(request, self._viewable(request, object_id))

    def rendition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._rendition)(request, object_id)

    def _rendition(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Make (or reuse) a rendition. The asset's page posts a form and is redirected; the post form's
        picker asks for JSON (``Accept: application/json``) and swaps the asset for the rendition."""
        asset = self._viewable(request, object_id)
        wants_json = "application/json" in request.headers.get("Accept", "")
        back = reverse("admin:media_library_mediaasset_change", args=[asset.pk])
        if not self.has_change_permission(request, asset):
            return HttpResponse(status=403)
        try:
            recipe = RenditionRecipe.from_key(request.POST.get("recipe", ""))
            made = media_rendition_get_or_create(asset=asset, recipe=recipe, owner=request.user)
        except (ValueError, TypeError):
            refusal = "That rendition recipe is not valid."
        except MediaError as exc:
            refusal = str(exc)
        else:
            verb = "Made" if made.created else "Reusing the existing"
            message = f"{verb} rendition “{made.asset}”: {recipe.describe()}."
            if wants_json:
                return JsonResponse(
                    {"asset": asset_card(made.asset), "created": made.created, "message": message}
                )
            messages.success(request, message)
            return HttpResponseRedirect(
                reverse("admin:media_library_mediaasset_change", args=[made.asset.pk])
            )
        if wants_json:
            return JsonResponse({"error": refusal}, status=400)
        messages.error(request, refusal)
        return HttpResponseRedirect(back)

    def _viewable(self, request: HttpRequest, object_id: str) -> MediaAsset:
        if not self.has_view_or_change_permission(request):
            raise Http404
        return get_object_or_404(MediaAsset, pk=unquote(object_id))

    # --- Writes through the services -------------------------------------------------------------

    def save_model(self, request, obj: MediaAsset, form, change: bool) -> None:
        media_asset_update(asset=obj, alt_text=form.cleaned_data.get("alt_text", obj.alt_text))

    def get_deleted_objects(self, objs, request):
        """Refuse (as "protected") what posts that may still go out use; other uses go with the asset."""
        deleted, model_count, perms_needed, _ = super().get_deleted_objects(objs, request)
        protected = []
        for asset in objs:
            for post in media_asset_blocking_posts(asset=asset):
                url = reverse("admin:calendar_app_scheduledpost_change", args=[post.pk])
                protected.append(
                    format_html(
                        '“{}” is used by <a href="{}">{}</a> ({})',
                        asset,
                        url,
                        post,
                        post.get_status_display(),
                    )
                )
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: MediaAsset) -> None:
        try:
            media_asset_delete(asset=obj)
        except MediaError as exc:  # a post started using it since the confirmation page
            messages.error(request, str(exc))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MediaAsset]) -> None:
        # Renditions first, so a source deleted later does not take them along unannounced.
        for asset in sorted(queryset, key=lambda asset: asset.source_id is None):
            if not MediaAsset.objects.filter(pk=asset.pk).exists():
                continue  # went with its source
            self.delete_model(request, asset)
