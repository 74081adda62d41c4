"""The admin: schedule posts, review their publishing history, see them on a calendar.

Thin by design: forms check input through ``services.posts.post_input_check`` and every write is a service
call. The same admin actions serve the post list and the post page (Django's change-form actions).
"""

from __future__ import annotations

import calendar
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from social.models import Platform, SocialAccount

from .forms import (
    MEDIA_ROWS,
    PLATFORM_OPTION_FIELDS,
    MarkPublishedForm,
    ScheduledPostForm,
    SendAgainForm,
    media_row_fields,
)
from .models import AccountStatus, PostStatus, PublishAttempt, ScheduledPost, ScheduledPostAccount
from .selectors import (
    post_account_history,
    post_calendar_list,
    post_list_queryset,
    post_needs_attention_q,
    post_on_platform_q,
    post_to_account_q,
    token_fields,
)
from .services.posts import (
    EDITABLE_STATUSES,
    format_in_zone,
    post_account_mark_published,
    post_account_send_again,
    post_cancel,
    post_create,
    post_delete,
    post_duplicate,
    post_is_editable,
    post_publish_now,
    post_retry_failed_accounts,
    post_update,
    zone_or_utc,
)

# The login and index pages learn the browser's time zone too (calendar_app.middleware reads it), so
# the first page after logging in already shows times in it.
admin.site.login_template = "calendar_app/admin/login.html"
admin.site.index_template = "calendar_app/admin/index.html"

PLATFORM_SHORT_NAMES = {
    Platform.TWITTER: "X",
    Platform.FACEBOOK: "FB",
    Platform.INSTAGRAM: "IG",
    Platform.LINKEDIN: "in",
    Platform.YOUTUBE: "YT",
}
BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


def status_badge(status: str, label: str) -> str:
    return format_html('<span class="status-badge status-{}">{}</span>', status.lower(), label)


def platform_badges(post: ScheduledPost) -> str:
    """One small badge per account (``post.post_accounts`` prefetched), titled with its name and status."""
    return format_html_join(
        " ",
        '<span class="platform-badge platform-{} account-{}" title="{}: {} ({})">{}</span>',
        (
            (
                post_account.account.platform.lower(),
                post_account.status.lower(),
                post_account.account.get_platform_display(),
                post_account.account.name,
                post_account.get_status_display().lower(),
                PLATFORM_SHORT_NAMES.get(post_account.account.platform, post_account.account.platform),
            )
            for post_account in post.post_accounts.all()
        ),
    )


def retry_state(post: ScheduledPost) -> str:
    """``retry 1 of 3 at 14:05`` (the author's zone) while a retry waits; what the retries came to after."""
    if post.status == PostStatus.SCHEDULED and post.next_attempt_at is not None:
        local_next = post.next_attempt_at.astimezone(zone_or_utc(post.timezone))
        same_day = local_next.date() == timezone.now().astimezone(zone_or_utc(post.timezone)).date()
        at = format_in_zone(post.next_attempt_at, post.timezone, with_date=not same_day)
        if post.retry_count:
            return f"retry {post.retry_count} of {post.max_retries} at {at}"
        return f"due again at {at}"
    if post.status in (PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED) and post.retry_count:
        return f"ended after {post.retry_count} of {post.max_retries} retries"
    return ""


# --- List filters -----------------------------------------------------------------------------------


class _ChoiceFilter(admin.SimpleListFilter):
    """A filter that refuses values it does not offer (the admin then says the filter is invalid)."""

    def checked_value(self) -> str | None:
        value = self.value()
        if value is not None and value not in {str(key) for key, _label in self.lookup_choices}:
            raise IncorrectLookupParameters(f"{self.title}: {value!r} is not one of the choices.")
        return value


class NeedsAttentionFilter(_ChoiceFilter):
    title = "attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("needed", "Needs attention")]

    def queryset(self, request, queryset):
        if self.checked_value():
            return queryset.filter(post_needs_attention_q())
        return queryset


class PlatformFilter(_ChoiceFilter):
    title = "platform"
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        return Platform.choices

    def queryset(self, request, queryset):
        if platform := self.checked_value():
            return queryset.filter(post_on_platform_q(platform=platform))
        return queryset


class AccountFilter(_ChoiceFilter):
    title = "account"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [(str(account.pk), str(account)) for account in SocialAccount.objects.defer(*token_fields())]

    def queryset(self, request, queryset):
        if account_id := self.checked_value():
            return queryset.filter(post_to_account_q(account_id=int(account_id)))
        return queryset


# --- Posts ------------------------------------------------------------------------------------------

EDIT_FIELDSETS = [
    (None, {"fields": ["content", "social_accounts"]}),
    ("When", {"fields": ["scheduled_local", "timezone", "status", "publish_now"]}),
    (
        "Media",
        {
            "fields": [media_row_fields(index) for index in range(1, MEDIA_ROWS + 1)],
            "description": "Images or videos by address; more than four go in the advanced JSON.",
        },
    ),
    (
        "Per platform",
        {
            "classes": ["collapse"],
            "fields": [name for name, _platform, _key, _field in PLATFORM_OPTION_FIELDS],
            "description": "Leave a field empty to use the post's own text.",
        },
    ),
    ("Advanced", {"classes": ["collapse"], "fields": ["advanced_metadata"]}),
]
READ_ONLY_FIELDSETS = [
    (None, {"fields": ["content", "accounts_list"]}),
    (
        "When",
        {"fields": ["scheduled_for", "scheduled_for_viewer", "status_badge", "retry_state", "created_by"]},
    ),
    ("Metadata", {"fields": ["metadata_json"]}),
]


@admin.register(ScheduledPost)
class ScheduledPostAdmin(admin.ModelAdmin):
    form = ScheduledPostForm
    list_display = ["__str__", "status_badge", "scheduled_for", "platforms", "retry_state", "created_by"]
    list_filter = [NeedsAttentionFilter, "status", PlatformFilter, AccountFilter]
    search_fields = ["content"]
    date_hierarchy = "scheduled_at"
    ordering = ["-scheduled_at", "-id"]
    actions = ["publish_now", "retry_failed_accounts", "cancel_posts", "duplicate_as_draft"]
    readonly_fields = [
        "accounts_list",
        "scheduled_for",
        "scheduled_for_viewer",
        "status_badge",
        "retry_state",
        "metadata_json",
    ]

    class Media:
        css = {"all": ["calendar_app/admin.css"]}
        js = ["calendar_app/viewer-timezone.js"]

    # -- Who may do what --------------------------------------------------------------------------------

    def _may_change_post(self, request: HttpRequest, post: ScheduledPost | None) -> bool:
        """Django's change permission, and for another person's post, ``change_others_scheduledpost``."""
        return super().has_change_permission(request, post) and (
            post is None
            or post.created_by_id == request.user.pk
            or request.user.has_perm("calendar_app.change_others_scheduledpost")
        )

    def _editable(self, post: ScheduledPost) -> bool:
        if not hasattr(post, "_admin_editable"):
            post._admin_editable = post_is_editable(post=post)
        return post._admin_editable

    def has_change_permission(self, request, obj=None):
        return self._may_change_post(request, obj) and (obj is None or self._editable(obj))

    def has_delete_permission(self, request, obj=None):
        return (
            super().has_delete_permission(request, obj)
            and self._may_change_post(request, obj)
            and (obj is None or self._editable(obj))
        )

    # -- List ----------------------------------------------------------------------------------------

    def get_queryset(self, request):
        return post_list_queryset(queryset=super().get_queryset(request))

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Deleting goes one post at a time through post_delete, which keeps posts with history.
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="Status", ordering="status")
    def status_badge(self, post: ScheduledPost) -> str:
        return status_badge(post.status, post.get_status_display())

    @admin.display(description="Scheduled (author's time)", ordering="scheduled_at")
    def scheduled_for(self, post: ScheduledPost) -> str:
        return format_in_zone(post.scheduled_at, post.timezone)

    @admin.display(description="Scheduled (your time)")
    def scheduled_for_viewer(self, post: ScheduledPost) -> str:
        return format_in_zone(post.scheduled_at, timezone.get_current_timezone_name())

    @admin.display(description="Accounts")
    def platforms(self, post: ScheduledPost) -> str:
        return platform_badges(post)

    @admin.display(description="Retries")
    def retry_state(self, post: ScheduledPost) -> str:
        return retry_state(post)

    @admin.display(description="Accounts")
    def accounts_list(self, post: ScheduledPost) -> str:
        return format_html_join(
            ", ",
            "{} ({})",
            ((pa.account.get_platform_display(), pa.account.name) for pa in post.post_accounts.all()),
        )

    @admin.display(description="Metadata")
    def metadata_json(self, post: ScheduledPost) -> str:
        if not post.metadata:
            return "(none)"
        return format_html(
            "<pre class='metadata-json'>{}</pre>", json.dumps(post.metadata, indent=2, ensure_ascii=False)
        )

    # -- The form --------------------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return READ_ONLY_FIELDSETS
        return EDIT_FIELDSETS

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and not self.has_change_permission(request, obj):
            kwargs["form"] = django_forms.ModelForm  # view only: nothing to enter
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                post = post_update(post_id=obj.pk, data=form.post_input)
            else:
                post = post_create(created_by=request.user, data=form.post_input)
        except ValidationError as exc:
            # The form was checked a moment ago; only a change in between (a publisher run claimed the
            # post) lands here. Nothing was saved; say so instead of pretending.
            request._post_save_refused = True
            self.message_user(request, f"Nothing was saved: {' '.join(exc.messages)}", messages.ERROR)
            return
        obj.pk = post.pk
        obj.refresh_from_db()
        obj._state.adding = False
        if post.status == PostStatus.DRAFT and form.post_check.platform_problems:
            self.message_user(
                request,
                "Saved as a draft. Before it can be scheduled: "
                + " ".join(form.post_check.platform_problems),
                messages.WARNING,
            )
        if form.post_input.publish_now:
            self.message_user(request, f"{post} goes out with the next publisher run (within a minute).")

    def save_related(self, request, form, formsets, change):
        """The service already set the post's accounts; the form itself has no relations to save."""

    def log_addition(self, request, obj, message):
        if not getattr(request, "_post_save_refused", False):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not getattr(request, "_post_save_refused", False):
            return super().log_change(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_post_save_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_post_save_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def delete_model(self, request, obj):
        try:
            post_delete(post_id=obj.pk)
        except ValidationError as exc:
            request._post_delete_refused = True
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "_post_delete_refused", False):
            return HttpResponseRedirect(reverse("admin:calendar_app_scheduledpost_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)

    # -- The post page -----------------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        post = self.get_object(request, unquote(object_id))
        if post is not None and self.has_view_or_change_permission(request, post):
            extra_context = {**(extra_context or {}), "post_page": self._post_page(request, post)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _post_page(self, request: HttpRequest, post: ScheduledPost) -> dict[str, Any]:
        post_accounts = post_account_history(post_id=post.pk)
        statuses = {post_account.status for post_account in post_accounts}
        may_change = self._may_change_post(request, post)
        offered = self.get_actions(request, action_location=ActionLocation.CHANGE_FORM)
        applicable = {
            "publish_now": post.status in EDITABLE_STATUSES and AccountStatus.PENDING in statuses,
            "retry_failed_accounts": post.status in (PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED)
            and AccountStatus.FAILED in statuses,
            "cancel_posts": post.status in (PostStatus.DRAFT, PostStatus.SCHEDULED),
            "duplicate_as_draft": True,
        }
        buttons = [
            (name, offered[name].description)
            for name, applies in applicable.items()
            if applies and name in offered and (may_change or name == "duplicate_as_draft")
        ]
        attempts = sorted(
            (attempt for post_account in post_accounts for attempt in post_account.attempts.all()),
            key=lambda attempt: (attempt.started_at, attempt.pk),
        )
        return {
            "post": post,
            # A post with history is read for its history first; one being written, for its form.
            "history_first": not self._editable(post),
            "zone": post.timezone,
            "status_badge": status_badge(post.status, post.get_status_display()),
            "scheduled_for": format_in_zone(post.scheduled_at, post.timezone),
            "retry_state": retry_state(post),
            "accounts": [
                {
                    "post_account": post_account,
                    "badge": status_badge(post_account.status, post_account.get_status_display()),
                    "review_url": reverse(
                        "admin:calendar_app_scheduledpost_review", args=[post.pk, post_account.pk]
                    )
                    if may_change and post_account.status == AccountStatus.NEEDS_REVIEW
                    else "",
                }
                for post_account in post_accounts
            ],
            "attempts": attempts,
            "buttons": buttons,
            "action_field": f"{ActionLocation.CHANGE_FORM.value}-action",
        }

    @admin.action(
        description="Publish now",
        description_plural="Publish the selected posts now",
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def publish_now(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda post: post_publish_now(post_id=post.pk),
            "{post}: goes out with the next publisher run (within a minute).",
        )

    @admin.action(
        description="Retry failed accounts",
        description_plural="Retry the failed accounts of the selected posts",
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def retry_failed_accounts(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda post: post_retry_failed_accounts(post_id=post.pk),
            "{post}: {result} failed account(s) will be retried by the next publisher run.",
        )

    @admin.action(
        description="Cancel",
        description_plural="Cancel the selected posts",
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def cancel_posts(self, request, queryset):
        self._apply(request, queryset, lambda post: post_cancel(post_id=post.pk), "{post}: cancelled.")

    @admin.action(
        description="Duplicate as a new draft",
        description_plural="Duplicate the selected posts as new drafts",
        permissions=["add"],
        location=BOTH_LOCATIONS,
    )
    def duplicate_as_draft(self, request, queryset):
        copies = self._apply(
            request,
            queryset,
            lambda post: post_duplicate(post_id=post.pk, created_by=request.user),
            "{post}: duplicated as {result}, a new draft.",
            needs_change=False,
        )
        if len(copies) == 1:
            return HttpResponseRedirect(
                reverse("admin:calendar_app_scheduledpost_change", args=[copies[0].pk])
            )
        return None

    def _apply(self, request, queryset, service, done: str, *, needs_change: bool = True) -> list[Any]:
        """Run ``service`` on each selected post, reporting each success and each refusal with its reason."""
        results = []
        for post in queryset.select_related("created_by").order_by("pk"):
            if needs_change and not self._may_change_post(request, post):
                self.message_user(
                    request,
                    f"{post}: it is {post.created_by}'s post, and you may not change other people's posts.",
                    messages.ERROR,
                )
                continue
            try:
                result = service(post)
            except ValidationError as exc:
                self.message_user(request, f"{post}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                results.append(result)
                self.message_user(request, done.format(post=post, result=result), messages.SUCCESS)
        return results

    # -- Extra pages: the calendar, the review of an account -----------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("calendar/", self.admin_site.admin_view(self.calendar_view), name=f"{prefix}_calendar"),
            path(
                "<int:object_id>/review/<int:post_account_id>/",
                self.admin_site.admin_view(self.review_view),
                name=f"{prefix}_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, object_id: int, post_account_id: int) -> HttpResponse:
        """An account whose outcome is unknown: a person checks the platform, then marks it published (with
        its id) or sends it again."""
        post = self.get_object(request, str(object_id))
        if post is None:
            raise Http404(f"Post {object_id} does not exist.")
        if not self._may_change_post(request, post):
            raise PermissionDenied
        post_account = get_object_or_404(
            ScheduledPostAccount.objects.select_related("account").defer(*token_fields(via="account__")),
            pk=post_account_id,
            post=post,
        )
        change_url = reverse("admin:calendar_app_scheduledpost_change", args=[post.pk])
        mark_form = MarkPublishedForm(prefix="mark")
        send_form = SendAgainForm(prefix="send")
        if request.method == "POST":
            if "mark_published" in request.POST:
                mark_form = MarkPublishedForm(request.POST, prefix="mark")
                form, run = (
                    mark_form,
                    lambda data: post_account_mark_published(post_account_id=post_account.pk, **data),
                )
                done = f"{post_account.account}: marked as published on {post}."
            elif "send_again" in request.POST:
                send_form = SendAgainForm(request.POST, prefix="send")
                form, run = send_form, lambda data: post_account_send_again(post_account_id=post_account.pk)
                done = f"{post_account.account}: will be sent again by the next publisher run."
            else:
                raise BadRequest("Choose to mark the post as published or to send it again.")
            if form.is_valid():
                try:
                    run(form.cleaned_data)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    self.message_user(request, done, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        elif post_account.status != AccountStatus.NEEDS_REVIEW:
            self.message_user(
                request,
                f"{post_account.account} is {post_account.get_status_display().lower()} on {post}; "
                "there is nothing to review.",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review {post_account.account}",
            "subtitle": str(post),
            "original": post,
            "post_account": post_account,
            "attempts": post_account.attempts.order_by("started_at", "id"),
            "zone": post.timezone,
            "mark_form": mark_form,
            "send_form": send_form,
            "change_url": change_url,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/calendar_app/scheduledpost/review.html", context)

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        """Posts by day in the viewer's zone: a month (``?month=YYYY-MM``) or a week (``?week=YYYY-Www``)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        zone = timezone.get_current_timezone()
        today = timezone.localdate()
        try:
            period = CalendarPeriod.parse(
                month=request.GET.get("month"), week=request.GET.get("week"), today=today
            )
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            period = CalendarPeriod.parse(month=None, week=None, today=today)
        posts = post_calendar_list(
            start=datetime.combine(period.start, time.min, tzinfo=zone),
            end=datetime.combine(period.end, time.min, tzinfo=zone),
        )
        entries: dict[date, list[CalendarEntry]] = defaultdict(list)
        for post in posts:
            local = timezone.localtime(post.scheduled_at, zone)
            entries[local.date()].append(
                CalendarEntry(
                    post=post,
                    time=f"{local:%H:%M}",
                    url=reverse("admin:calendar_app_scheduledpost_change", args=[post.pk]),
                    platforms=platform_badges(post),
                )
            )
        days = [
            CalendarDay(
                day=day,
                in_period=period.contains(day),
                is_today=day == today,
                entries=entries.get(day, []),
            )
            for day in period.days()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Calendar: {period.title}",
            "period": period,
            "weeks": [days[index : index + 7] for index in range(0, len(days), 7)],
            # From a month to its week of today when it has one, else to its first week.
            "week_param": CalendarPeriod.parse(month=None, week=f"{today:%G-W%V}", today=today).param
            if period.kind == "month" and period.contains(today)
            else period.week_param,
            "weekday_names": list(calendar.day_abbr),
            "zone_name": timezone.get_current_timezone_name(),
            "statuses": [(status.lower(), label) for status, label in PostStatus.choices],
            "media": self.media,
        }
        return TemplateResponse(request, "admin/calendar_app/scheduledpost/calendar.html", context)


@dataclass(frozen=True)
class CalendarEntry:
    post: ScheduledPost
    time: str
    url: str
    platforms: str


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_period: bool
    is_today: bool
    entries: list[CalendarEntry] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarPeriod:
    """A month (shown as whole Monday-to-Sunday weeks) or an ISO week."""

    kind: str  # "month" | "week"
    first: date  # the month's first day, or the week's Monday
    last: date  # the month's last day, or the week's Sunday

    MONTH = re.compile(r"(\d{4})-(\d{2})")
    WEEK = re.compile(r"(\d{4})-W(\d{2})")

    @classmethod
    def parse(cls, *, month: str | None, week: str | None, today: date) -> CalendarPeriod:
        if week:
            match = cls.WEEK.fullmatch(week)
            try:
                if not match or not 1900 <= int(match[1]) <= 2999:
                    raise ValueError
                monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            except ValueError:
                raise ValueError(f"{week!r} is not a week: use YYYY-Www, e.g. 2026-W10.") from None
            return cls(kind="week", first=monday, last=monday + timedelta(days=6))
        if month:
            match = cls.MONTH.fullmatch(month)
            try:
                if not match or not 1900 <= int(match[1]) <= 2999:
                    raise ValueError
                first = date(int(match[1]), int(match[2]), 1)
            except ValueError:
                raise ValueError(f"{month!r} is not a month: use YYYY-MM, e.g. 2026-03.") from None
        else:
            first = today.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return cls(kind="month", first=first, last=last)

    @property
    def start(self) -> date:
        """The first day shown: the Monday on or before ``first``."""
        return self.first - timedelta(days=self.first.weekday())

    @property
    def end(self) -> date:
        """The day after the last day shown: the Monday after ``last``."""
        return self.last + timedelta(days=7 - self.last.weekday())

    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days)]

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def title(self) -> str:
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return (
                f"week {week} of {year} ({self.first:%b} {self.first.day} to {self.last:%b} {self.last.day})"
            )
        return f"{self.first:%B %Y}"

    @property
    def param(self) -> str:
        """This period as the calendar's query string."""
        return self.week_param if self.kind == "week" else self.month_param

    @property
    def month_param(self) -> str:
        """The month of this period (of a week: the month its Thursday is in, as ISO weeks count)."""
        anchor = self.first if self.kind == "month" else self.first + timedelta(days=3)
        return f"month={anchor:%Y-%m}"

    @property
    def week_param(self) -> str:
        """This week, or the first week shown of this month."""
        year, week, _ = (self.first if self.kind == "week" else self.start).isocalendar()
        return f"week={year}-W{week:02d}"

    @property
    def previous(self) -> CalendarPeriod:
        if self.kind == "week":
            return CalendarPeriod(
                kind="week", first=self.first - timedelta(days=7), last=self.last - timedelta(days=7)
            )
        return CalendarPeriod.parse(
            month=f"{self.first - timedelta(days=1):%Y-%m}", week=None, today=self.first
        )

    @property
    def next(self) -> CalendarPeriod:
        if self.kind == "week":
            return CalendarPeriod(
                kind="week", first=self.first + timedelta(days=7), last=self.last + timedelta(days=7)
            )
        return CalendarPeriod.parse(
            month=f"{self.last + timedelta(days=1):%Y-%m}", week=None, today=self.first
        )


@admin.register(PublishAttempt)
class PublishAttemptAdmin(admin.ModelAdmin):
    """Every platform call, read-only: the publishing history is a record, never edited."""

    list_display = [
        "post_account",
        "action",
        "outcome",
        "error_kind",
        "http_status",
        "started_at",
        "finished_at",
    ]
    list_filter = ["outcome", "error_kind", "action"]
    list_select_related = ["post_account__account"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*token_fields(via="post_account__account__"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Publisher runs (one self-contained block: the publisher's history) ------------------------------

from .models import PublisherRun  # noqa: E402  (kept with its admin so the block moves as one)


@admin.register(PublisherRun)
class PublisherRunAdmin(admin.ModelAdmin):
    """Every publisher run (cron, trigger, watch), read-only: when it ran, where, and what it did."""

    list_display = [
        "started_at",
        "finished_at",
        "trigger",
        "host",
        "pid",
        *PublisherRun.FIGURES[:6],
        "stopped_early",
    ]
    list_filter = ["trigger", "host"]
    date_hierarchy = "started_at"
    search_fields = ["host", "error"]

    @admin.display(boolean=True, description="stopped early")
    def stopped_early(self, run: PublisherRun) -> bool:
        return bool(run.error)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
