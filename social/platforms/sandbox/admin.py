"""The Sandbox in the admin: its accounts, where faults and latency are chosen, and what was posted.

Grants and authorization codes are not shown: they exist only as digests and mean nothing to people.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from .models import SandboxAccount
from .models import SandboxPost


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin):
    list_display = [
        "handle",
        "display_name",
        "fault",
        "fault_remaining",
        "latency_ms",
        "post_count",
        "timeline",
    ]
    list_editable = ["fault", "fault_remaining", "latency_ms"]
    list_filter = ["fault"]
    search_fields = ["handle", "display_name"]
    fields = ["handle", "display_name", "fault", "fault_remaining", "latency_ms", "timeline", "created_at"]
    readonly_fields = ["timeline", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_count=Count("posts"))

    def get_readonly_fields(self, request, obj=None):
        # The handle is the account's id at the scheduler: it never changes once made.
        return [*self.readonly_fields, "handle"] if obj is not None else self.readonly_fields

    @admin.display(description="Posts", ordering="post_count")
    def post_count(self, account: SandboxAccount) -> int:
        return account.post_count

    @admin.display(description="Timeline")
    def timeline(self, account: SandboxAccount) -> str:
        if account.pk is None:
            return ""
        return format_html(
            '<a href="{}">/sandbox/{}/</a>',
            reverse("sandbox:timeline", args=[account.handle]),
            account.handle,
        )


@admin.register(SandboxPost)
class SandboxPostAdmin(admin.ModelAdmin):
    """What the network holds. Read-only: posts are made through the API, as on a real network; deleting one
    is how to see the scheduler's reconciliation find nothing."""

    list_display = ["id", "account", "excerpt", "media_count", "created_at"]
    list_filter = ["account"]
    search_fields = ["id", "text"]
    list_select_related = ["account"]
    readonly_fields = ["id", "account", "text", "idempotency_key", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(media_count=Count("media"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Text")
    def excerpt(self, post: SandboxPost) -> str:
        return post.text if len(post.text) <= 80 else post.text[:79] + "…"

    @admin.display(description="Media", ordering="media_count")
    def media_count(self, post: SandboxPost) -> int:
        return post.media_count
