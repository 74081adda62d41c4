from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.db.models import Prefetch

from social.models import SocialAccount

from ..models import AccountGroup


@admin.register(AccountGroup)
class AccountGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "account_list", "account_count")
    search_fields = ("name",)
    filter_horizontal = ("accounts",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(account_total=Count("accounts"))
            .prefetch_related(admin_accounts_prefetch())
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "accounts":
            kwargs["queryset"] = SocialAccount.objects.without_tokens().order_by("platform", "name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="Accounts")
    def account_list(self, group: AccountGroup) -> str:
        return ", ".join(str(account) for account in group.accounts.all())

    @admin.display(description="How many", ordering="account_total")
    def account_count(self, group: AccountGroup) -> int:
        return group.account_total


def admin_accounts_prefetch() -> Prefetch:
    return Prefetch("accounts", queryset=SocialAccount.objects.without_tokens())
