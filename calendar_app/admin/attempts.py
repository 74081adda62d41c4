"""Every platform call, read-only: the publishing history is a record, never edited."""

from __future__ import annotations

from django.contrib import admin

from social.models import without_tokens_via

from ..models import PublishAttempt


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record people read and never edit: no add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublishAttempt)
class PublishAttemptAdmin(ReadOnlyAdmin):
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
        return without_tokens_via(super().get_queryset(request), "post_account__account")
