"""CSV import and export pages: upload -> dry-run report (bad rows named) -> import; export with filters.

An upload is kept as a ``PostImport`` (its text), so the import runs on exactly the file that was checked.
The report is the dry run again each time it is shown, so it is never stale.
"""

from __future__ import annotations

import csv
from datetime import datetime
from datetime import time
from datetime import timedelta

from django.contrib import admin
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseNotAllowed
from django.http import HttpResponseRedirect
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from calendar_app.timezones import format_in_zone
from calendar_app.timezones import zone_or_utc

from ..csv_format import COLUMNS
from ..csv_format import csv_text_decode
from ..forms import ExportForm
from ..forms import ImportRunForm
from ..forms import ImportUploadForm
from ..models import PostImport
from ..services.exports import posts_export_rows
from ..services.imports import ImportRefused
from ..services.imports import import_check
from ..services.imports import import_run
from .extra_views import extra_view_path

# The report lists every problem, and this many of the rows that would be imported.
PREVIEW_ROWS = 50


class _Echo:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


@admin.register(PostImport)
class PostImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "status", "row_count", "created_count", "created_by", "created_at")
    list_filter = ("status",)
    change_list_template = "admin/planning/postimport/change_list.html"

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and request.user.has_perm("calendar_app.add_scheduledpost")

    def get_urls(self):
        return [
            extra_view_path(self, "export/", self.export_view, "export"),
            extra_view_path(self, "<int:object_id>/import/", self.import_view, "import"),
            *super().get_urls(),
        ]

    def _context(self, request, **values) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "media": self.media, **values}

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        """Upload a file: it is checked (dry run) and kept; the report page follows."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm()
        if request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    text = csv_text_decode(upload.read())
                except ValidationError as exc:
                    form.add_error("file", exc)
                else:
                    report = import_check(
                        text=text, default_timezone=form.cleaned_data["timezone"], author=request.user
                    )
                    post_import = PostImport.objects.create(
                        file_name=upload.name[:255],
                        content=text,
                        timezone=form.cleaned_data["timezone"],
                        row_count=len(report.rows),
                        created_by=request.user,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:planning_postimport_change", args=[post_import.pk])
                    )
        context = self._context(request, title="Import posts from CSV", form=form, columns=COLUMNS)
        return TemplateResponse(request, "admin/planning/postimport/upload.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        """The dry-run report of a kept file, with the import button."""
        post_import = self.get_object(request, object_id)
        if post_import is None or not self.has_view_or_change_permission(request, post_import):
            raise PermissionDenied
        report = import_check(
            text=post_import.content, default_timezone=post_import.timezone, author=request.user
        )
        return self._report_response(request, post_import, report, ImportRunForm())

    def _report_response(self, request, post_import: PostImport, report, run_form) -> HttpResponse:
        new_rows = report.new_rows
        preview = [
            {
                "number": planned.number,
                "when": format_in_zone(planned.scheduled_at, planned.data.timezone_name)
                if planned.scheduled_at
                else "",
                "is_queue": planned.row.is_queue,
                "accounts": ", ".join(str(account) for account in planned.row.accounts),
                "text": planned.row.cells.get("text", ""),
            }
            for planned in new_rows[:PREVIEW_ROWS]
        ]
        context = self._context(
            request,
            title=f"Import {post_import.file_name}",
            post_import=post_import,
            report=report,
            problems=report.problems,
            preview=preview,
            more_rows=max(len(new_rows) - PREVIEW_ROWS, 0),
            run_form=run_form,
            can_import=post_import.status == PostImport.Status.CHECKED
            and self.has_add_permission(request)
            and not report.file_problems
            and bool(new_rows),
        )
        return TemplateResponse(request, "admin/planning/postimport/report.html", context)

    def import_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        post_import = get_object_or_404(PostImport, pk=object_id, status=PostImport.Status.CHECKED)
        run_form = ImportRunForm(request.POST)
        run_form.is_valid()
        try:
            result = import_run(
                text=post_import.content,
                default_timezone=post_import.timezone,
                created_by=request.user,
                skip_bad_rows=run_form.cleaned_data.get("skip_bad_rows", False),
                post_import=post_import,
            )
        except ImportRefused as refused:
            self.message_user(request, refused.messages[0], messages.ERROR)
            return self._report_response(request, post_import, refused.report, run_form)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:planning_postimport_change", args=[post_import.pk]))
        self.message_user(request, result.summary, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:calendar_app_scheduledpost_changelist"))

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """A form (dates in the viewer's zone, statuses); submitted, a CSV download of posts and results."""
        if not request.user.has_perm("calendar_app.view_scheduledpost"):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if form.is_bound and form.is_valid():
            zone = zone_or_utc(timezone.get_current_timezone_name())
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            rows = posts_export_rows(
                start=datetime.combine(start, time.min, tzinfo=zone) if start else None,
                end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None,
                statuses=form.cleaned_data["status"],
            )
            writer = csv.writer(_Echo())
            response = StreamingHttpResponse(
                (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="posts-{timezone.localdate():%Y-%m-%d}.csv"'
            )
            return response
        return TemplateResponse(
            request,
            "admin/planning/postimport/export.html",
            self._context(request, title="Export posts", form=form),
        )
