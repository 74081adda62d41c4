"""Connecting a Bluesky account: a form for the handle and an app password, instead of an OAuth redirect.

The app password goes to the account's PDS in one createSession call and nowhere else: the field is never
rendered back, Django's error reports hide it, and the account keeps only the session's tokens (encrypted).
Reconnecting the same account (the same DID) keeps its row and replaces its tokens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib import messages
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.debug import sensitive_variables

from social.services import social_account_connect

from .session import APP_PASSWORDS_PLACE
from .session import BlueskySignInError

if TYPE_CHECKING:
    from .session import BlueskyProvider

logger = logging.getLogger(__name__)

ACCOUNT_LIST = "admin:social_socialaccount_changelist"


class BlueskyConnectForm(forms.Form):
    handle = forms.CharField(
        label="Handle",
        max_length=253,
        help_text="The account's handle, for example alice.bsky.social (its email works too).",
    )
    app_password = forms.CharField(
        label="App password",
        max_length=128,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=f"Create one on Bluesky ({APP_PASSWORDS_PLACE}). It is used once to sign in and never "
        "stored; revoking it there disconnects this site.",
    )
    pds_url = forms.URLField(
        label="Hosting provider",
        required=False,
        assume_scheme="https",
        help_text="Leave it for accounts Bluesky hosts; a self-hosted account's PDS address otherwise.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pds_url"].initial = self.default_pds_url()

    @staticmethod
    def default_pds_url() -> str:
        return str(settings.BLUESKY_PDS_URL).rstrip("/")

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip()
        # "@alice.bsky.social" as people copy it from a profile; an email keeps its "@".
        return handle[1:] if handle.startswith("@") and handle.count("@") == 1 else handle

    def clean_pds_url(self) -> str:
        value = (self.cleaned_data.get("pds_url") or "").rstrip("/") or self.default_pds_url()
        if value == self.default_pds_url():
            return value  # the site's own setting may be a local one (http://127.0.0.1:2583)
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
            raise forms.ValidationError(
                "Enter the hosting provider's https:// address, e.g. https://pds.example.com."
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise forms.ValidationError("Enter only the hosting provider's address, without a path.")
        return f"https://{parts.netloc}"


@sensitive_variables()
@sensitive_post_parameters("app_password")
def connect_view(request: HttpRequest, provider: BlueskyProvider) -> HttpResponse:
    """GET: the form. POST: sign in, store the account (or reconnect it), back to the account list."""
    if request.method == "POST":
        form = BlueskyConnectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                connection = provider.sign_in(
                    identifier=data["handle"], app_password=data["app_password"], pds_url=data["pds_url"]
                )
            except BlueskySignInError as exc:
                logger.warning("Connecting a Bluesky account failed: %s", exc)
                form.add_error(None, str(exc))
            else:
                account = social_account_connect(
                    platform=provider.platform, connection=connection, owner=request.user
                )
                messages.success(request, f"Connected {account}.")
                return redirect(ACCOUNT_LIST)
    else:
        form = BlueskyConnectForm(initial={"handle": request.GET.get("handle", "")[:253]})
    context = {
        "title": f"Connect a {provider.display_name} account",
        "provider": provider,
        "form": form,
        "intro": "Sign in with the account's handle and an app password. Posts go out as this account.",
        "submit_label": "Connect",
    }
    return render(request, "social/connect_form.html", admin.site.each_context(request) | context)
