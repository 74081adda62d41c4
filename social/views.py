"""Connecting accounts: redirect to the platform, take the callback, let the person pick Pages.

Staff only. Every failure shows a page that says what happened and changes nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseNotAllowed
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_http_methods

from .forms import AccountPickForm
from .platforms import OAuthConnectError
from .platforms import OAuthProvider
from .platforms import UnknownOAuthProviderError
from .platforms import get_provider
from .platforms.base import oauth_flow as flow
from .selectors import social_account_connected_external_ids
from .services import social_account_connect
from .services import social_accounts_connect

logger = logging.getLogger(__name__)

ACCOUNT_LIST = "admin:social_socialaccount_changelist"
# How much of a platform's error a page shows (it comes from the query string: keep it short).
MAX_ERROR_CODE_CHARS = 64
MAX_PLATFORM_ERROR_CHARS = 200


@staff_member_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest, platform: str) -> HttpResponse:
    provider = _provider(platform)
    if view := provider.spec.connect_view:
        # The platform starts differently (a form first, posted back here): its view takes the request.
        return import_string(view)(request, provider)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    redirect_uri = redirect_uri_for(request, provider)
    if not provider.is_configured:
        return connect_page(
            request,
            "social/not_configured.html",
            {
                "title": f"{provider.display_name} accounts cannot be connected yet",
                "provider": provider,
                "missing": provider.missing_settings(),
                "redirect_uri": redirect_uri,
            },
        )
    url = flow.authorization_begin(request.session, provider=provider, redirect_uri=redirect_uri)
    return HttpResponseRedirect(url)


@staff_member_required
@require_GET
def callback(request: HttpRequest, platform: str) -> HttpResponse:
    provider = _provider(platform)
    state = request.GET.get("state", "")
    in_progress = flow.authorization_in_progress(request.session, platform=provider.platform)
    # Only the authorization this state names is taken out (a state is good for one callback); a wrong or
    # forged state leaves the person's connect in progress alone.
    pending = flow.authorization_pop(request.session, platform=provider.platform, state=state)
    state_matches = pending is not None
    if error := request.GET.get("error"):
        said = error[:MAX_ERROR_CODE_CHARS]
        # Free text only from the platform's own redirect: a forged link must not put words in the admin.
        description = request.GET.get("error_description") or request.GET.get("error_reason") or ""
        if state_matches and description:
            said = f"{said}: {description[:MAX_PLATFORM_ERROR_CHARS]}"
        return _failed(
            request, provider, f"{provider.display_name} did not grant access ({said}).", status=400
        )
    if pending is None and (not state or not in_progress):
        return _failed(
            request,
            provider,
            "This sign-in was not started from this browser session, took too long, or was already used.",
            status=400,
        )
    if pending is None:
        return _failed(
            request, provider, "The sign-in's state does not match the one this site sent.", status=400
        )
    code = request.GET.get("code", "")
    if not code:
        return _failed(request, provider, f"{provider.display_name} sent no authorization code.", status=400)
    try:
        provider = provider.resume(pending.context)
        accounts = provider.connect(
            code=code, redirect_uri=pending.redirect_uri, code_verifier=pending.code_verifier
        )
    except OAuthConnectError as exc:
        logger.warning("Connecting a %s account failed: %s", provider.platform, exc)
        return _failed(request, provider, str(exc), status=502)
    if provider.picks_accounts:
        if not accounts:
            return _failed(request, provider, provider.no_accounts_message, status=200)
        flow.choices_stash(request.session, platform=provider.platform, accounts=accounts)
        return redirect("social:pick", platform=provider.platform)
    account = social_account_connect(platform=provider.platform, connection=accounts[0], owner=request.user)
    messages.success(request, f"Connected {account}.")
    return redirect(ACCOUNT_LIST)


@staff_member_required
@require_http_methods(["GET", "POST"])
def pick(request: HttpRequest, platform: str) -> HttpResponse:
    provider = _provider(platform)
    if not provider.picks_accounts:
        raise Http404(f"{provider.display_name} connects one account; there is nothing to pick.")
    candidates = flow.choices_load(request.session, platform=provider.platform)
    if candidates is None:
        return _failed(
            request,
            provider,
            "There is no list of accounts to pick from: it expired or was used.",
            status=400,
        )
    form = AccountPickForm(
        request.POST if request.method == "POST" else None,
        candidates=candidates,
        connected_ids=social_account_connected_external_ids(
            platform=provider.platform, external_ids=[candidate.external_id for candidate in candidates]
        ),
    )
    if form.is_valid():
        accounts = social_accounts_connect(
            platform=provider.platform, connections=form.chosen(), owner=request.user
        )
        flow.choices_clear(request.session, platform=provider.platform)
        messages.success(request, f"Connected {', '.join(str(account) for account in accounts)}.")
        return redirect(ACCOUNT_LIST)
    return connect_page(
        request,
        "social/pick_accounts.html",
        {
            "title": f"Choose the {provider.display_name} {provider.account_noun}s to connect",
            "provider": provider,
            "form": form,
        },
    )


def _provider(platform: str) -> OAuthProvider:
    try:
        return get_provider(platform)
    except UnknownOAuthProviderError:
        raise Http404(f"Accounts of {platform.lower()} cannot be connected.") from None


def redirect_uri_for(request: HttpRequest, provider: OAuthProvider) -> str:
    """The OAuth redirect URI of ``provider``: /social/callback/<platform>/ on this site."""
    path = reverse("social:callback", kwargs={"platform": provider.platform})
    if base := settings.OAUTH_REDIRECT_BASE_URL:
        return base.rstrip("/") + path
    return request.build_absolute_uri(path)


def _failed(request: HttpRequest, provider: OAuthProvider, message: str, *, status: int) -> HttpResponse:
    return connect_page(
        request,
        "social/connect_failed.html",
        {"title": f"{provider.display_name} account not connected", "provider": provider, "message": message},
        status=status,
    )


def connect_page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """A page of the connect flow (also a platform's own ``connect_view``), inside the admin's frame."""
    # The admin's context, so these pages look and navigate like the rest of the admin.
    return render(request, template, admin.site.each_context(request) | context, status=status)
