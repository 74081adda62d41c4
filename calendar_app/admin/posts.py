"""The posts' ModelAdmin: the list, the form people write posts in, who may do what, and the URLs of the
post page's own views.

Thin by design: the form checks input through ``services.posts.post_input_check`` and every write is a
service call; what a person may do to a post now is a rule of calendar_app.rules.
"""

from __future__ import annotations

import json

from django import forms as django_forms
from django.contrib import admin
from django.contrib import messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.html import format_html_join

from planning.services.queue import queue_add

from ..access import post_change_allowed
from ..access import posts_visible_to
from ..forms import MEDIA_ROWS
from ..forms import PLATFORM_MEDIA_FIELDS
from ..forms import PLATFORM_OPTION_FIELDS
from ..forms import ScheduledPostForm
from ..forms import media_row_fields
from ..models import PostStatus
from ..models import ScheduledPost
from ..rules import post_edit_refusal
from ..selectors import post_account_statuses
from ..selectors import post_list_queryset
from ..services.posts import post_create
from ..services.posts import post_delete
from ..services.posts import post_update
from ..timezones import format_in_zone
from .actions import POST_ACTIONS
from .calendar_page import post_calendar_view
from .calendar_page import post_move_view
from .composer import composer_context
from .composer import post_text_counts_view
from .display import platform_badges
from .display import retry_state
from .display import status_badge
from .filters import AccountFilter
from .filters import NeedsAttentionFilter
from .filters import PlatformFilter
from .queue import QUEUE_SUBMIT
from .queue import post_queued_where
from .queue import queue_form
from .views import change_url
from .views import post_page_context
from .views import post_review_view

EDIT_FIELDSETS = [
    (None, {"fields": ["content", "social_accounts"]}),
    ("When", {"fields": ["scheduled_local", "timezone", "status", "publish_now"]}),
    (
        "Media",
        {
            "fields": ["library_media", *(media_row_fields(index) for index in range(1, MEDIA_ROWS + 1))],
            "description": "Pick from the media library or drop files on it; or give addresses (more than "
            "four go in the advanced JSON). The library's come first.",
        },
    ),
    (
        "Platform media",
        {
            "classes": ["collapse"],
            "fields": [name for name, _platform in PLATFORM_MEDIA_FIELDS],
            "description": "Media for one platform instead of the post's.",
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
    actions = POST_ACTIONS
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

    # -- Who may do what --------------------------------------------------------------------------------

    def may_change_post(self, request: HttpRequest, post: ScheduledPost | None) -> bool:
        """Django's change permission, and for another person's post, ``change_others_scheduledpost``."""
        return post_change_allowed(user=request.user, post=post)

    def is_editable(self, post: ScheduledPost) -> bool:
        """Whether ``post`` may still be edited or deleted (the rule post_update and post_delete apply)."""
        if not hasattr(post, "_admin_editable"):
            statuses = post_account_statuses(post_id=post.pk)
            post._admin_editable = post_edit_refusal(post=post, account_statuses=statuses) is None
        return post._admin_editable

    def has_change_permission(self, request, obj=None):
        return self.may_change_post(request, obj) and (obj is None or self.is_editable(obj))

    def has_delete_permission(self, request, obj=None):
        return (
            super().has_delete_permission(request, obj)
            and self.may_change_post(request, obj)
            and (obj is None or self.is_editable(obj))
        )

    # -- List ----------------------------------------------------------------------------------------

    def get_queryset(self, request):
        visible = posts_visible_to(user=request.user, queryset=super().get_queryset(request))
        return post_list_queryset(queryset=visible)

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
        form = super().get_form(request, obj, change=change, **kwargs)
        # The accounts offered are the ones this person may post to (calendar_app.access).
        form = type(form.__name__, (form,), {"acting_user": request.user})
        if request.method == "POST" and QUEUE_SUBMIT in request.POST:
            form = queue_form(form, post_id=obj.pk if obj is not None else None)
        return form

    def save_model(self, request, obj, form, change):
        into_queue = QUEUE_SUBMIT in request.POST
        try:
            with transaction.atomic():
                if change:
                    post = post_update(post_id=obj.pk, data=form.post_input)
                else:
                    post = post_create(created_by=request.user, data=form.post_input)
                if into_queue:
                    post = queue_add(post_id=post.pk)
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
        if into_queue:
            self.message_user(request, f"{post}: added to {post_queued_where(post)}.", messages.SUCCESS)
        for warning in form.post_check.warnings:
            self.message_user(request, warning, messages.WARNING)

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
            return HttpResponseRedirect(change_url(obj_id))
        return super().response_delete(request, obj_display, obj_id)

    # -- The post page and the post's own pages ------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if self.has_add_permission(request):
            extra_context = {**(extra_context or {}), **composer_context(post=None)}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        post = self.get_object(request, unquote(object_id))
        if post is not None and self.has_view_or_change_permission(request, post):
            extra_context = {**(extra_context or {}), "post_page": post_page_context(self, request, post)}
            if self.has_change_permission(request, post):
                extra_context.update(composer_context(post=post))
        return super().change_view(request, object_id, form_url, extra_context)

    # The admin's own pages of posts, (route, name): each served by ``<name>_view``, its URL named
    # "calendar_app_scheduledpost_<name>".
    own_pages = [
        ("calendar/", "calendar"),
        ("text-counts/", "text_counts"),
        ("<int:object_id>/move/", "move"),
        ("<int:object_id>/review/<int:post_account_id>/", "review"),
    ]

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        own = [
            path(route, self.admin_site.admin_view(getattr(self, f"{name}_view")), name=f"{prefix}_{name}")
            for route, name in self.own_pages
        ]
        return [*own, *super().get_urls()]

    def review_view(self, request: HttpRequest, object_id: int, post_account_id: int) -> HttpResponse:
        return post_review_view(self, request, object_id, post_account_id)

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        return post_calendar_view(self, request)

    def move_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return post_move_view(self, request, object_id)

    def text_counts_view(self, request: HttpRequest) -> HttpResponse:
        return post_text_counts_view(self, request)
