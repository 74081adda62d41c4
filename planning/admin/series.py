"""Recurring series: the form saves through the series services; occurrences are listed with a skip button."""

from __future__ import annotations

from itertools import islice

from django.contrib import admin
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseNotAllowed
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.html import format_html_join

from calendar_app.timezones import format_in_zone

from ..forms import RecurringSeriesForm
from ..models import RecurringSeries
from ..models import SeriesOccurrence
from ..recurrence import repeats_the_same_text
from ..services.recurrence import occurrence_is_edited
from ..services.recurrence import occurrence_skip
from ..services.recurrence import series_create
from ..services.recurrence import series_materialize
from ..services.recurrence import series_occurrence_instants
from ..services.recurrence import series_update
from .extra_views import extra_view_path
from .groups import admin_accounts_prefetch

PREVIEW_COUNT = 5


class SeriesOccurrenceInline(admin.TabularInline):
    model = SeriesOccurrence
    extra = 0
    can_delete = False
    fields = ("number", "when", "post_link", "post_status", "state", "problem", "skip")
    readonly_fields = fields
    ordering = ("occurs_at",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("post", "series")
            .prefetch_related("post__post_accounts")
        )

    @admin.display(description="When")
    def when(self, occurrence: SeriesOccurrence) -> str:
        return format_in_zone(occurrence.occurs_at, occurrence.series.timezone)

    @admin.display(description="Post")
    def post_link(self, occurrence: SeriesOccurrence) -> str:
        if occurrence.post_id is None:
            return "-"
        url = reverse("admin:calendar_app_scheduledpost_change", args=[occurrence.post_id])
        return format_html('<a href="{}">{}</a>', url, occurrence.post)

    @admin.display(description="Status")
    def post_status(self, occurrence: SeriesOccurrence) -> str:
        return occurrence.post.get_status_display() if occurrence.post_id else ""

    @admin.display(description="")
    def state(self, occurrence: SeriesOccurrence) -> str:
        if occurrence.is_skipped:
            return "Skipped"
        if occurrence.post_id is None:
            return "Deleted"
        account_ids = [post_account.account_id for post_account in occurrence.post.post_accounts.all()]
        return "Edited on its own" if occurrence_is_edited(occurrence, account_ids=account_ids) else ""

    @admin.display(description="")
    def skip(self, occurrence: SeriesOccurrence) -> str:
        if occurrence.is_skipped or occurrence.occurs_at <= timezone.now():
            return ""
        url = reverse("admin:planning_recurringseries_skip", args=[occurrence.series_id, occurrence.pk])
        # A button of the page's form posting elsewhere (forms cannot nest); the view reads only the URL.
        return format_html(
            '<button type="submit" formaction="{}" formnovalidate class="skip-occurrence">Skip</button>', url
        )


@admin.register(RecurringSeries)
class RecurringSeriesAdmin(admin.ModelAdmin):
    form = RecurringSeriesForm
    inlines = [SeriesOccurrenceInline]
    list_display = ("name", "rule", "timezone", "accounts_list", "ends", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "content")
    readonly_fields = ("next_occurrences",)
    actions = ["create_upcoming_posts"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(admin_accounts_prefetch())

    @admin.display(description="Accounts")
    def accounts_list(self, series: RecurringSeries) -> str:
        return ", ".join(str(account) for account in series.accounts.all())

    @admin.display(description="Ends")
    def ends(self, series: RecurringSeries) -> str:
        return f"after {series.count} posts" if series.count else f"on {series.ends_on}"

    @admin.display(description="Next occurrences")
    def next_occurrences(self, series: RecurringSeries) -> str:
        upcoming = islice(series_occurrence_instants(series, after=timezone.now()), PREVIEW_COUNT)
        items = format_html_join(
            "", "<li>#{} {}</li>", ((n, format_in_zone(at, series.timezone)) for n, at in upcoming)
        )
        return format_html("<ul>{}</ul>", items) if items else "None: the series has ended."

    def save_model(self, request, obj, form, change) -> None:
        if change:
            summary = series_update(series_id=obj.pk, data=form.series_input)
            self.message_user(
                request,
                f"{summary.updated} upcoming posts changed, {summary.removed} removed, {summary.created} added; "
                f"{summary.kept} edited on their own or already out were left as they are.",
                messages.INFO,
            )
        else:
            obj.pk = series_create(created_by=request.user, data=form.series_input).pk
        obj.refresh_from_db()
        if repeats_the_same_text(content=obj.content, variants=obj.text_variants):
            self.message_user(
                request,
                "Every post of this series has the same text: X, LinkedIn and others refuse a duplicate of an "
                "earlier post. Add text variants, or {n} or {date} to the text.",
                messages.WARNING,
            )

    @admin.action(description="Create their upcoming posts now", permissions=["change"])
    def create_upcoming_posts(self, request, queryset) -> None:
        for series in queryset:
            summary = series_materialize(series_id=series.pk)
            self.message_user(request, f"{series}: {summary.created} posts created.", messages.SUCCESS)

    def get_urls(self):
        route = "<int:object_id>/skip/<int:occurrence_id>/"
        return [extra_view_path(self, route, self.skip_view, "skip"), *super().get_urls()]

    def skip_view(self, request: HttpRequest, object_id: int, occurrence_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        series = get_object_or_404(RecurringSeries, pk=object_id)
        if not self.has_change_permission(request, series):
            raise PermissionDenied
        occurrence = get_object_or_404(SeriesOccurrence, pk=occurrence_id, series=series)
        try:
            occurrence_skip(occurrence_id=occurrence.pk)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request, f"Occurrence #{occurrence.number} skipped: its post is cancelled.", messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:planning_recurringseries_change", args=[series.pk]))
