from django.contrib import admin

from .models import SocialAccount


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "platform", "status", "token_expires_at", "owner"]
    list_filter = ["platform", "status"]
    search_fields = ["name", "external_id"]
    # Tokens are never shown, not even masked, and never loaded for these pages.
    fields = [
        "platform",
        "external_id",
        "name",
        "status",
        "token_expires_at",
        "owner",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["platform", "external_id", "token_expires_at", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("access_token", "refresh_token")

    def has_add_permission(self, request):
        # Accounts are connected through OAuth, which is the only way a token gets in.
        return False
