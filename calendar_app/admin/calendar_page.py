"""The calendar: posts by day in the viewer's zone, queued posts marked with their queue, the queues' free
slots, and moving a post to another day (dragged, or the keyboard's "Move…" form) through the services."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from planning.selectors import free_slots_between
from planning.selectors import queued_schedule_names
from planning.services.post_changes import post_move_by_days

from ..access import posts_visible_to
from ..calendar import WEEKDAY_NAMES
from ..calendar import CalendarPeriod
from ..calendar import calendar_weeks
from ..models import PostStatus
from ..models import ScheduledPost
from ..rules import post_reschedule_refusal
from ..selectors import post_calendar_list
from ..timezones import format_in_zone
from .composer import problem_response
from .display import platform_badges
from .views import change_url

if TYPE_CHECKING:
    from .posts import ScheduledPostAdmin


def move_url(post_id: int) -> str:
    return reverse("admin:calendar_app_scheduledpost_move", args=[post_id])


@dataclass(frozen=True)
class CalendarEntry:
    post: ScheduledPost
    time: str
    url: str
    platforms: str
    queue: str = ""  # the schedule whose queue holds the post
    move_url: str = ""  # empty: the post keeps its day


@dataclass(frozen=True)
class FreeSlotEntry:
    time: str
    schedule: str


def _entry(
    model_admin: ScheduledPostAdmin, request: HttpRequest, post: ScheduledPost, queues
) -> CalendarEntry:
    local = timezone.localtime(post.scheduled_at)
    statuses = {post_account.status for post_account in post.post_accounts.all()}
    movable = (
        model_admin.may_change_post(request, post)
        and post_reschedule_refusal(post=post, account_statuses=statuses) is None
    )
    return CalendarEntry(
        post=post,
        time=f"{local:%H:%M}",
        url=change_url(post.pk),
        platforms=platform_badges(post),
        queue=queues.get(post.pk, ""),
        move_url=move_url(post.pk) if movable else "",
    )


def post_calendar_view(model_admin: ScheduledPostAdmin, request: HttpRequest) -> HttpResponse:
    """Posts by day in the viewer's zone: a month (``?month=YYYY-MM``) or a week (``?week=YYYY-Www``)."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    try:
        period = CalendarPeriod.parse(
            month=request.GET.get("month"), week=request.GET.get("week"), today=today
        )
    except ValueError as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        period = CalendarPeriod.parse(month=None, week=None, today=today)
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end, time.min, tzinfo=zone)
    posts = post_calendar_list(start=start, end=end, queryset=posts_visible_to(user=request.user))
    queues = queued_schedule_names([post.pk for post in posts])
    entries: dict[date, list[CalendarEntry]] = defaultdict(list)
    for post in posts:
        entries[timezone.localtime(post.scheduled_at).date()].append(
            _entry(model_admin, request, post, queues)
        )
    free: dict[date, list[FreeSlotEntry]] = defaultdict(list)
    for slot in free_slots_between(start=start, end=end, now=timezone.now()):
        local = timezone.localtime(slot.at)
        free[local.date()].append(FreeSlotEntry(time=f"{local:%H:%M}", schedule=slot.schedule.name))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Calendar: {period.title}",
        "period": period,
        "weeks": calendar_weeks(period=period, today=today, entries=entries, free_slots=free),
        "week_param": period.week_param_from(today),
        "weekday_names": WEEKDAY_NAMES,
        "zone_name": timezone.get_current_timezone_name(),
        "statuses": [(status.lower(), label) for status, label in PostStatus.choices],
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/calendar_app/scheduledpost/calendar.html", context)


def post_move_view(model_admin: ScheduledPostAdmin, request: HttpRequest, object_id: int) -> HttpResponse:
    """Move a post to the day ``date`` (as the calendar shows days, in the viewer's zone) at the same time on
    its author's clock. Answers JSON to the calendar's script, else goes back to the calendar."""
    if request.method != "POST":
        response = problem_response(405, "Method not allowed", "Move a post with POST.")
        response["Allow"] = "POST"
        return response
    post = model_admin.get_object(request, str(object_id))
    if post is None:
        raise Http404(f"Post {object_id} does not exist.")
    if not model_admin.may_change_post(request, post):
        raise PermissionDenied
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        return _refused(
            model_admin, request, wants_json, 400, "Choose the day to move the post to (YYYY-MM-DD)."
        )
    shown_on = timezone.localtime(post.scheduled_at).date()
    try:
        moved, left_queue = post_move_by_days(post_id=post.pk, days=(day - shown_on).days)
    except ValidationError as exc:
        return _refused(
            model_admin, request, wants_json, 409, f"{post} was not moved: {' '.join(exc.messages)}"
        )
    message = f"{moved}: moved to {format_in_zone(moved.scheduled_at, moved.timezone)}"
    message += ", and out of its queue." if left_queue else "."
    if wants_json:
        local = timezone.localtime(moved.scheduled_at)
        return JsonResponse({"message": message, "date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}"})
    model_admin.message_user(request, message, messages.SUCCESS)
    return _back_to_calendar(request)


def _refused(model_admin, request: HttpRequest, wants_json: bool, status: int, message: str) -> HttpResponse:
    if wants_json:
        return problem_response(status, "Not moved", message)
    model_admin.message_user(request, message, messages.ERROR)
    return _back_to_calendar(request)


def _back_to_calendar(request: HttpRequest) -> HttpResponseRedirect:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("admin:calendar_app_scheduledpost_calendar")
    return HttpResponseRedirect(back)
