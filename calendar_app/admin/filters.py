"""The post list's filters; each reads through a selector's Q."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters

from social.models import Platform
from social.selectors import social_accounts_usable_by

from ..selectors import post_needs_attention_q
from ..selectors import post_on_platform_q
from ..selectors import post_to_account_q


class _ChoiceFilter(admin.SimpleListFilter):
    """A filter that refuses values it does not offer (the admin then says the filter is invalid)."""

    def checked_value(self) -> str | None:
        value = self.value()
        if value is not None and value not in {str(key) for key, _label in self.lookup_choices}:
            raise IncorrectLookupParameters(f"{self.title}: {value!r} is not one of the choices.")
        return value


class NeedsAttentionFilter(_ChoiceFilter):
    title = "attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("needed", "Needs attention")]

    def queryset(self, request, queryset):
        if self.checked_value():
            return queryset.filter(post_needs_attention_q())
        return queryset


class PlatformFilter(_ChoiceFilter):
    title = "platform"
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        return Platform.choices

    def queryset(self, request, queryset):
        if platform := self.checked_value():
            return queryset.filter(post_on_platform_q(platform=platform))
        return queryset


class AccountFilter(_ChoiceFilter):
    title = "account"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [(str(account.pk), str(account)) for account in social_accounts_usable_by(user=request.user)]

    def queryset(self, request, queryset):
        if account_id := self.checked_value():
            return queryset.filter(post_to_account_q(account_id=int(account_id)))
        return queryset
