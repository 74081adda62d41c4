"""The post actions, on the list and as buttons on the post page (Django's change-form actions).

Each calls one service, post by post, and reports every success and every refusal with its reason. Each
carries the rule of calendar_app.rules its service applies (``action.rule``), so the post page offers a
button exactly when the service would accept it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib import messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http import HttpResponseRedirect
from django.urls import reverse

from ..models import ScheduledPost
from ..rules import post_cancel_refusal
from ..rules import post_duplicate_refusal
from ..rules import post_publish_now_refusal
from ..rules import post_reschedule_refusal
from ..rules import post_retry_refusal
from ..services.posts import post_cancel
from ..services.posts import post_duplicate
from ..services.posts import post_publish_now
from ..services.posts import post_retry_failed_accounts
from .queue import post_add_to_queue

Service = Callable[[HttpRequest, ScheduledPost], Any]


def run_on_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset,
    service: Service,
    done: str,
    *,
    needs_change: bool,
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
            result = service(request, post)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{post}: {' '.join(exc.messages)}", messages.ERROR)
        else:
            results.append(result)
            modeladmin.message_user(request, done.format(post=post, result=result), messages.SUCCESS)
    return results


def post_action(
    name: str,
    *,
    description: str,
    description_plural: str,
    rule: Callable[..., str | None],
    service: Service,
    done: str,
    changes_post: bool = True,
    then: Callable[[list[Any]], HttpResponseRedirect | None] = lambda results: None,
):
    """An admin action running ``service`` on each selected post. One that does not change the post
    (duplicating makes a new post of one's own) needs only the "add" permission."""

    def action(modeladmin, request, queryset):
        return then(run_on_each(modeladmin, request, queryset, service, done, needs_change=changes_post))

    action.__name__ = name
    action.rule = rule
    action.changes_post = changes_post
    return admin.action(
        description=description,
        description_plural=description_plural,
        permissions=["change" if changes_post else "add"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )(action)


def _open_the_only_copy(copies: list[ScheduledPost]) -> HttpResponseRedirect | None:
    if len(copies) == 1:
        return HttpResponseRedirect(reverse("admin:calendar_app_scheduledpost_change", args=[copies[0].pk]))
    return None


POST_ACTIONS = [
    post_action(
        "publish_now",
        description="Publish now",
        description_plural="Publish the selected posts now",
        rule=post_publish_now_refusal,
        service=lambda request, post: post_publish_now(post_id=post.pk),
        done="{post}: goes out with the next publisher run (within a minute).",
    ),
    post_action(
        "add_to_queue",
        description="Add to queue",
        description_plural="Add the selected posts to their queues",
        rule=post_reschedule_refusal,
        service=lambda request, post: post_add_to_queue(post),
        done="{post}: added to {result}.",
    ),
    post_action(
        "retry_failed_accounts",
        description="Retry failed accounts",
        description_plural="Retry the failed accounts of the selected posts",
        rule=post_retry_refusal,
        service=lambda request, post: post_retry_failed_accounts(post_id=post.pk),
        done="{post}: {result} failed account(s) will be retried by the next publisher run.",
    ),
    post_action(
        "cancel_posts",
        description="Cancel",
        description_plural="Cancel the selected posts",
        rule=post_cancel_refusal,
        service=lambda request, post: post_cancel(post_id=post.pk),
        done="{post}: cancelled.",
    ),
    post_action(
        "duplicate_as_draft",
        description="Duplicate as a new draft",
        description_plural="Duplicate the selected posts as new drafts",
        rule=post_duplicate_refusal,
        service=lambda request, post: post_duplicate(post_id=post.pk, created_by=request.user),
        done="{post}: duplicated as {result}, a new draft.",
        changes_post=False,
        then=_open_the_only_copy,
    ),
]
