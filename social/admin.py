from __future__ import annotations

from django.contrib import admin
from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .forms import SocialAccountAdminForm
from .models import Platform
from .models import SocialAccount
from .models import SocialAccountStatus
from .platforms import platform_specs
from .selectors import social_accounts_usable_by


def connect_url(platform: str) -> str:
    """Where connecting (or reconnecting) an account of ``platform`` starts: /social/connect/<platform>/."""
    try:
        return reverse("social:connect", args=[platform.lower()])
    except NoReverseMatch:  # the OAuth views are not installed: the contract's path
        return f"/social/connect/{platform.lower()}/"


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    form = SocialAccountAdminForm
    list_display = ["name", "platform", "status_badge", "token_expiry", "owner", "reconnect_link"]
    list_filter = ["platform", "status"]
    list_select_related = ["owner"]
    search_fields = ["name", "external_id"]
    # Tokens are never shown, not even masked, and never loaded for these pages.
    fields = [
        "platform",
        "external_id",
        "server",
        "name",
        "status",
        "token_expiry",
        "reconnect_link",
        "owner",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "platform",
        "external_id",
        "server",
        "token_expiry",
        "reconnect_link",
        "created_at",
        "updated_at",
    ]

    class Media:
        css = {"all": ["social/admin.css"]}

    def get_queryset(self, request):
        # The accounts this person may see (the same rule as the API's), never with their tokens.
        usable = social_accounts_usable_by(user=request.user).values("pk")
        return super().get_queryset(request).without_tokens().filter(pk__in=usable)

    def has_add_permission(self, request):
        # Accounts are connected through OAuth, which is the only way a token gets in.
        return False

    def changelist_view(self, request, extra_context=None):
        buttons = [
            (connect_url(spec.platform), spec.connect_label) for spec in platform_specs() if spec.provider
        ]
        return super().changelist_view(request, {**(extra_context or {}), "connect_buttons": buttons})

    @admin.display(description="Status", ordering="status")
    def status_badge(self, account: SocialAccount) -> str:
        return format_html(
            '<span class="account-status account-status-{}">{}</span>',
            account.status.lower(),
            account.get_status_display(),
        )

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        # The server line only for accounts that live on one of many servers (Mastodon).
        if obj is None or not self.server(obj):
            fields.remove("server")
        # X Premium's long posts are a choice the account's owner makes (SocialAccountAdminForm).
        if obj is not None and obj.platform == Platform.TWITTER:
            fields.insert(fields.index("status") + 1, "long_posts")
        return fields

    @admin.display(description="Server")
    def server(self, account: SocialAccount) -> str:
        """The server the account is on (``extra["server_url"]``): Mastodon accounts live on one of many."""
        server_url = (account.extra or {}).get("server_url")
        return server_url if isinstance(server_url, str) else ""

    @admin.display(description="Token expires", ordering="token_expires_at")
    def token_expiry(self, account: SocialAccount) -> str:
        """In the viewer's zone, which the project's middleware activates for each request."""
        if account.token_expires_at is None:
            return "never (or unknown)"
        local = timezone.localtime(account.token_expires_at)
        expired = " (expired)" if account.token_expires_at <= timezone.now() else ""
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}{expired}"

    @admin.display(description="Connection")
    def reconnect_link(self, account: SocialAccount) -> str:
        needs_it = account.status == SocialAccountStatus.NEEDS_RECONNECT
        return format_html(
            '<a class="{}" href="{}">Reconnect</a>',
            "button reconnect-needed" if needs_it else "reconnect",
            connect_url(account.platform),
        )
