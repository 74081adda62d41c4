from django.contrib import admin

from .models import PublishAttempt, ScheduledPost, ScheduledPostAccount


class ScheduledPostAccountInline(admin.TabularInline):
    model = ScheduledPostAccount
    extra = 0
    fields = [
        "account",
        "status",
        "platform_post_id",
        "error_kind",
        "error_message",
        "attempt_count",
        "published_at",
    ]
    readonly_fields = [
        "status",
        "platform_post_id",
        "error_kind",
        "error_message",
        "attempt_count",
        "published_at",
    ]


@admin.register(ScheduledPost)
class ScheduledPostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "scheduled_at", "retry_count", "created_by"]
    list_filter = ["status"]
    search_fields = ["content"]
    inlines = [ScheduledPostAccountInline]


@admin.register(PublishAttempt)
class PublishAttemptAdmin(admin.ModelAdmin):
    list_display = [
        "post_account",
        "action",
        "outcome",
        "error_kind",
        "http_status",
        "started_at",
        "finished_at",
    ]
    list_filter = ["outcome", "error_kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
