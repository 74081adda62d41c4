"""Posting schedules: their weekly slots inline, the next slots, and the queue with move up/down."""

from __future__ import annotations

from itertools import islice

from django.contrib import admin
from django.contrib import messages
from django.contrib.admin.widgets import AdminTimeWidget
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.db.models import Q
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseNotAllowed
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.timezones import format_in_zone

from ..forms import PostingScheduleForm
from ..models import PostingSchedule
from ..models import PostingSlot
from ..selectors import SLOT_HOLDING_STATUSES
from ..selectors import queue_entries
from ..selectors import schedule_account_ids
from ..selectors import schedule_weekly_slots
from ..selectors import schedule_zone
from ..selectors import taken_by_any
from ..selectors import taken_minutes
from ..services.queue import queue_move
from ..services.queue import queue_shuffle
from ..services.queue import schedule_pause
from ..services.queue import schedule_resume
from ..slots import minute_of
from ..slots import slot_instants
from .extra_views import extra_view_path

UPCOMING_SLOTS = 10


class PostingSlotInline(admin.TabularInline):
    model = PostingSlot
    extra = 1
    fields = ("weekday", "time")
    formfield_overrides = {models.TimeField: {"widget": AdminTimeWidget(format="%H:%M")}}


@admin.register(PostingSchedule)
class PostingScheduleAdmin(admin.ModelAdmin):
    form = PostingScheduleForm
    change_form_template = "admin/planning/postingschedule/change_form.html"
    inlines = [PostingSlotInline]
    list_display = ("name", "plans_for", "timezone", "slot_count", "queued_count", "is_paused")
    list_filter = ("is_paused",)
    search_fields = ("name", "account__name", "group__name")
    readonly_fields = ("is_paused",)
    actions = ["pause_schedules", "resume_schedules", "shuffle_queues"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("account", "group")
            .defer("account__access_token", "account__refresh_token")
            .annotate(
                slot_total=Count("slots", distinct=True),
                queued_total=Count(
                    "entries",
                    filter=Q(entries__post__status__in=SLOT_HOLDING_STATUSES),
                    distinct=True,
                ),
            )
        )

    @admin.display(description="Plans for")
    def plans_for(self, schedule: PostingSchedule) -> str:
        return str(schedule.account) if schedule.account_id else f"Group: {schedule.group}"

    @admin.display(description="Slots a week", ordering="slot_total")
    def slot_count(self, schedule: PostingSchedule) -> int:
        return schedule.slot_total

    @admin.display(description="Queued", ordering="queued_total")
    def queued_count(self, schedule: PostingSchedule) -> int:
        return schedule.queued_total

    def _run_on_each(self, request, queryset, service, done: str) -> None:
        for schedule in queryset:
            try:
                count = service(schedule_id=schedule.pk)
            except ValidationError as exc:
                self.message_user(request, f"{schedule}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, done.format(schedule=schedule, count=count), messages.SUCCESS)

    @admin.action(description="Pause: hold their queued posts as drafts", permissions=["change"])
    def pause_schedules(self, request, queryset) -> None:
        self._run_on_each(request, queryset, schedule_pause, "{schedule}: paused; {count} queued posts held.")

    @admin.action(description="Resume: schedule their held posts again", permissions=["change"])
    def resume_schedules(self, request, queryset) -> None:
        self._run_on_each(
            request, queryset, schedule_resume, "{schedule}: resumed; {count} posts scheduled again."
        )

    @admin.action(description="Shuffle their queues", permissions=["change"])
    def shuffle_queues(self, request, queryset) -> None:
        self._run_on_each(request, queryset, queue_shuffle, "{schedule}: {count} posts moved.")

    def get_urls(self):
        route = "<int:object_id>/queue/<int:post_id>/<str:direction>/"
        return [extra_view_path(self, route, self.move_view, "move"), *super().get_urls()]

    def move_view(self, request: HttpRequest, object_id: int, post_id: int, direction: str) -> HttpResponse:
        """POST: move a queued post up or down (swap with its neighbour's slot)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        schedule = get_object_or_404(PostingSchedule, pk=object_id)
        if not self.has_change_permission(request, schedule):
            raise PermissionDenied
        try:
            queue_move(post_id=post_id, direction=direction)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, f"Post {post_id} moved {direction}.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:planning_postingschedule_change", args=[schedule.pk]) + "#queue"
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        schedule = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **(self._queue_context(schedule) if schedule else {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _queue_context(self, schedule: PostingSchedule) -> dict:
        now = timezone.now()
        zone = schedule_zone(schedule)
        account_ids = schedule_account_ids(schedule)
        taken = taken_by_any(taken_minutes(account_ids, after=now), account_ids)
        upcoming = [
            {"when": format_in_zone(instant, schedule.timezone), "is_taken": minute_of(instant) in taken}
            for instant in islice(
                slot_instants(schedule_weekly_slots(schedule), zone=zone, after=now), UPCOMING_SLOTS
            )
        ]
        queue = [
            {
                "post": entry.post,
                "when": format_in_zone(entry.post.scheduled_at, schedule.timezone),
                "is_held": entry.is_held,
                "is_waiting": entry.post.status in (PostStatus.DRAFT, PostStatus.SCHEDULED)
                and entry.post.scheduled_at > now,
                "url": reverse("admin:calendar_app_scheduledpost_change", args=[entry.post_id]),
                "up_url": reverse(
                    "admin:planning_postingschedule_move", args=[schedule.pk, entry.post_id, "up"]
                ),
                "down_url": reverse(
                    "admin:planning_postingschedule_move", args=[schedule.pk, entry.post_id, "down"]
                ),
            }
            for entry in queue_entries(schedule.pk).filter(post__status__in=SLOT_HOLDING_STATUSES)
        ]
        return {"upcoming_slots": upcoming, "queue": queue, "schedule_zone": schedule.timezone}
