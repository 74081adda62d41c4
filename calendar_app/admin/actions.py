"""The post actions, on the list and as buttons on the post page (Django's change-form actions).

Each calls one service, post by post, and reports every success and every refusal with its reason. Each
has the rule of calendar_app.rules its service applies, so the post page offers a button exactly when the
service would accept it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from ..models import ScheduledPost
from ..rules import post_cancel_refusal, post_duplicate_refusal, post_publish_now_refusal, post_retry_refusal
from ..services.posts import post_cancel, post_duplicate, post_publish_now, post_retry_failed_accounts

BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]

# Each action with the rule its service applies.
ACTION_RULES = {
    "publish_now": post_publish_now_refusal,
    "retry_failed_accounts": post_retry_refusal,
    "cancel_posts": post_cancel_refusal,
    "duplicate_as_draft": post_duplicate_refusal,
}
# Actions that change the post itself; duplicating makes a new post of one's own ("add" is enough).
CHANGING_ACTIONS = frozenset({"publish_now", "retry_failed_accounts", "cancel_posts"})


def run_on_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset,
    service: Callable[[ScheduledPost], Any],
    done: str,
    *,
    needs_change: bool = True,
) -> list[Any]:
    """Run ``service`` on each selected post, reporting each success and each refusal with its reason."""
    results = []
    for post in queryset.select_related("created_by").order_by("pk"):
        if needs_change and not modeladmin.may_change_post(request, post):
            modeladmin.message_user(
                request,
                f"{post}: it is {post.created_by}'s post, and you may not change other people's posts.",
                messages.ERROR,
            )
            continue
        try:
            result = service(post)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{post}: {' '.join(exc.messages)}", messages.ERROR)
        else:
            results.append(result)
            modeladmin.message_user(request, done.format(post=post, result=result), messages.SUCCESS)
    return results


@admin.action(
    description="Publish now",
    description_plural="Publish the selected posts now",
    permissions=["change"],
    location=BOTH_LOCATIONS,
)
def publish_now(modeladmin, request, queryset):
    run_on_each(
        modeladmin,
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
def retry_failed_accounts(modeladmin, request, queryset):
    run_on_each(
        modeladmin,
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
def cancel_posts(modeladmin, request, queryset):
    run_on_each(
        modeladmin, request, queryset, lambda post: post_cancel(post_id=post.pk), "{post}: cancelled."
    )


@admin.action(
    description="Duplicate as a new draft",
    description_plural="Duplicate the selected posts as new drafts",
    permissions=["add"],
    location=BOTH_LOCATIONS,
)
def duplicate_as_draft(modeladmin, request, queryset):
    copies = run_on_each(
        modeladmin,
        request,
        queryset,
        lambda post: post_duplicate(post_id=post.pk, created_by=request.user),
        "{post}: duplicated as {result}, a new draft.",
        needs_change=False,
    )
    if len(copies) == 1:
        return HttpResponseRedirect(reverse("admin:calendar_app_scheduledpost_change", args=[copies[0].pk]))
    return None


POST_ACTIONS = [publish_now, retry_failed_accounts, cancel_posts, duplicate_as_draft]
