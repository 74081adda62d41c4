"""Connecting a Mastodon account starts with a question: which server? Then this site's app on that server
(registered now if it is the first account there) and the OAuth redirect to it."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect

from social.platforms.base import oauth_flow as flow
from social.views import connect_page
from social.views import redirect_uri_for

from .oauth import MastodonProvider
from .registration import RegistrationError
from .registration import mastodon_app_for_server
from .server import ServerAddressError
from .server import server_url_check_public
from .server import server_url_normalize


class ServerForm(forms.Form):
    server = forms.CharField(
        label="Your Mastodon server",
        max_length=300,
        help_text="Its address, e.g. mastodon.social or fosstodon.org (your handle @you@server works too).",
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "mastodon.social"}),
    )

    def clean_server(self) -> str:
        try:
            server_url = server_url_normalize(self.cleaned_data["server"])
            server_url_check_public(server_url)
        except ServerAddressError as exc:
            raise forms.ValidationError(f"Mastodon: {exc}", code="server") from None
        return server_url


def connect_server(request: HttpRequest, provider: MastodonProvider) -> HttpResponse:
    """GET: the server form. POST: register (or reuse) the app there, then redirect to its sign-in."""
    form = ServerForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        server_url = form.cleaned_data["server"]
        redirect_uri = redirect_uri_for(request, provider)
        try:
            app = mastodon_app_for_server(server_url=server_url, redirect_uri=redirect_uri)
        except RegistrationError as exc:
            form.add_error("server", f"Mastodon: {exc}")
        else:
            url = flow.authorization_begin(
                request.session,
                provider=provider.for_app(app),
                redirect_uri=redirect_uri,
                context={"server_url": server_url, "app_id": str(app.pk)},
            )
            return HttpResponseRedirect(url)
    return connect_page(
        request,
        "social/mastodon_server.html",
        {"title": "Connect a Mastodon account", "provider": provider, "form": form},
        status=400 if form.errors else 200,
    )
