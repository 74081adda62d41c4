"""API tokens in the admin: made here (shown once, on the page that follows), listed, revoked. The token
itself is never shown again and never stored: only its hash, which is not shown either."""

from django import forms
from django.contrib import admin
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.urls import reverse

from .models import ApiToken
from .models import Scope
from .tokens import api_token_create
from .tokens import api_token_revoke


class ApiTokenForm(forms.ModelForm):
    scope_choices = forms.MultipleChoiceField(
        label="Scopes", choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.READ]
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]


# What the list and a token's page show about it (never the token itself).
TOKEN_FACTS = ["key_prefix", "scope_list", "state", "expires_at", "last_used_at", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "user", *TOKEN_FACTS]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "key_id", "user__username"]
    actions = ["revoke"]
    readonly_fields = ["key_prefix", "scope_list", "state", "last_used_at", "created_at"]

    # A token acts as its user: only a superuser may make (or see) tokens for someone else, or anyone with
    # the permission to add tokens could act as a superuser.
    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "scope_choices", "expires_at"]
        return ["user", "name", *TOKEN_FACTS]

    def get_readonly_fields(self, request, obj=None):
        # A token's owner and scopes are fixed once it exists: make a new one instead.
        return [*self.readonly_fields, "user"] if obj is not None else []

    @admin.display(description="Token")
    def key_prefix(self, token: ApiToken) -> str:
        return f"sched_{token.key_id}_…"

    @admin.display(description="Scopes")
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes)

    @admin.display(description="State")
    def state(self, token: ApiToken) -> str:
        if token.revoked_at:
            return "revoked"
        return "active" if token.is_usable else "expired"

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scope_choices"],
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = created.token.pk
        request._api_token_plaintext = created.plaintext
        return None

    def save_related(self, request, form, formsets, change):
        """A token has no relations to save."""

    def response_add(self, request, obj, post_url_continue=None):
        # The only page that ever shows the token; never cached, never in a message (messages are stored).
        token = ApiToken.objects.get(pk=obj.pk)
        response = TemplateResponse(
            request,
            "admin/api/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "token": token,
                "plaintext": request._api_token_plaintext,
                "title": "Copy the API token now",
                "list_url": reverse("admin:api_apitoken_changelist"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(api_token_revoke(token_id=token.pk) for token in queryset)
        self.message_user(
            request, f"Revoked {revoked} token(s); they stop working at once.", messages.SUCCESS
        )
