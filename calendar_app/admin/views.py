"""The admin's own pages for posts: the publishing part of the post page and the review of an account whose
outcome is unknown (the calendar is ``calendar_page``). Each reads through selectors and writes through
services."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from django.contrib import messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from notifications.selectors import post_events
from notifications.transport import url_host_label

from ..forms import MarkPublishedForm
from ..forms import SendAgainForm
from ..models import ScheduledPost
from ..rules import post_account_review_refusal
from ..rules import post_account_send_again_refusal
from ..selectors import post_account_history
from ..selectors import post_account_with_history
from ..services.posts import post_account_mark_published
from ..services.posts import post_account_send_again
from ..timezones import format_in_zone
from .actions import POST_ACTIONS
from .display import retry_state
from .display import status_badge

if TYPE_CHECKING:
    from .posts import ScheduledPostAdmin


def change_url(post_id: int) -> str:
    return reverse("admin:calendar_app_scheduledpost_change", args=[post_id])


def review_url(post_id: int, post_account_id: int) -> str:
    return reverse("admin:calendar_app_scheduledpost_review", args=[post_id, post_account_id])


def post_page_context(
    model_admin: ScheduledPostAdmin, request: HttpRequest, post: ScheduledPost
) -> dict[str, Any]:
    """The post page's publishing part: status, the actions that fit, each account, every attempt."""
    post_accounts = post_account_history(post_id=post.pk)
    statuses = {post_account.status for post_account in post_accounts}
    may_change = model_admin.may_change_post(request, post)
    offered = model_admin.get_actions(request, action_location=ActionLocation.CHANGE_FORM)
    buttons = [
        (action.__name__, offered[action.__name__].description)
        for action in POST_ACTIONS
        if action.__name__ in offered
        and (may_change or not action.changes_post)
        and action.rule(post=post, account_statuses=statuses) is None
    ]
    attempts = sorted(
        (attempt for post_account in post_accounts for attempt in post_account.attempts.all()),
        key=lambda attempt: (attempt.started_at, attempt.pk),
    )
    return {
        "post": post,
        "events": post_event_rows(request, post),
        # A post with history is read for its history first; one being written, for its form.
        "history_first": not model_admin.is_editable(post),
        "zone": post.timezone,
        "status_badge": status_badge(post.status, post.get_status_display()),
        "scheduled_for": format_in_zone(post.scheduled_at, post.timezone),
        "retry_state": retry_state(post),
        "accounts": [
            {
                "post_account": post_account,
                "badge": status_badge(post_account.status, post_account.get_status_display()),
                "review_url": review_url(post.pk, post_account.pk)
                if may_change and post_account_review_refusal(post=post, post_account=post_account) is None
                else "",
            }
            for post_account in post_accounts
        ],
        "attempts": attempts,
        "buttons": buttons,
        "action_field": f"{ActionLocation.CHANGE_FORM.value}-action",
    }


def post_event_rows(request: HttpRequest, post: ScheduledPost) -> list[dict[str, Any]]:
    """What the post page lists of its events: each with its webhooks and emails (three queries)."""
    event_pages = request.user.has_perm("notifications.view_event")
    return [
        {
            "event": event,
            "webhooks": [
                {"delivery": delivery, "endpoint": url_host_label(delivery.endpoint.url)}
                for delivery in event.webhook_deliveries.all()
            ],
            "emails": event.email_notifications.all(),
            "url": reverse("admin:notifications_event_change", args=[event.pk]) if event_pages else "",
        }
        for event in post_events(post_id=post.pk)
    ]


def post_review_view(
    model_admin: ScheduledPostAdmin, request: HttpRequest, object_id: int, post_account_id: int
) -> HttpResponse:
    """An account whose outcome is unknown: a person checks the platform, then marks it published (with
    its id) or sends it again."""
    post = model_admin.get_object(request, str(object_id))
    if post is None:
        raise Http404(f"Post {object_id} does not exist.")
    if not model_admin.may_change_post(request, post):
        raise PermissionDenied
    post_account = post_account_with_history(post_id=post.pk, post_account_id=post_account_id)
    if post_account is None:
        raise Http404(f"Post {post.pk} has no account entry {post_account_id}.")
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
                model_admin.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(change_url(post.pk))
    elif refusal := post_account_review_refusal(post=post, post_account=post_account):
        model_admin.message_user(request, refusal, messages.WARNING)
        return HttpResponseRedirect(change_url(post.pk))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Review {post_account.account}",
        "subtitle": str(post),
        "original": post,
        "post_account": post_account,
        "attempts": post_account.attempts.all(),
        "zone": post.timezone,
        "mark_form": mark_form,
        "send_form": send_form,
        "send_again_refusal": post_account_send_again_refusal(post=post, post_account=post_account),
        "change_url": change_url(post.pk),
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/calendar_app/scheduledpost/review.html", context)
