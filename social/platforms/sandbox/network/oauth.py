"""The network's OAuth 2.0 authorization server, for its one app (this site): the consent page at
``/sandbox/oauth/authorize/`` (the authorization code flow with PKCE S256) and the token endpoint at
``/sandbox/oauth/token/`` (``authorization_code`` and ``refresh_token`` grants, RFC 6749).

Signing in to the network is signing in to this site as staff: the consent page asks for it like the real
networks ask for their own login. A redirect URI is trusted only if it is this site's callback for the
Sandbox; until it is, a bad request is an error page, never a redirect.
"""

from __future__ import annotations

from urllib.parse import urlencode
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseRedirect
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from ..endpoints import APP_NAME
from ..endpoints import CLIENT_ID
from ..endpoints import origin_of
from .accounts import handle_suggestion
from .accounts import sandbox_account_create
from .forms import NEW
from .forms import ConsentForm
from .tokens import GrantError
from .tokens import authorization_issue
from .tokens import authorization_redeem
from .tokens import client_is_this_site
from .tokens import grant_refresh

OAUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def trusted_redirect_uri(request: HttpRequest, redirect_uri: str) -> bool:
    """Whether ``redirect_uri`` is this site's Sandbox callback, at an address this site answers to."""
    parts = urlsplit(redirect_uri)
    if (
        parts.path != reverse("social:callback", kwargs={"platform": "SANDBOX"})
        or parts.query
        or parts.fragment
    ):
        return False
    own = {origin_of(request.build_absolute_uri("/")), origin_of(settings.SITE_URL)}
    own.add(origin_of(settings.OAUTH_REDIRECT_BASE_URL))
    return origin_of(redirect_uri) in own - {""}


def back_to_app(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{redirect_uri}?{urlencode(params)}")


@staff_member_required
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    params = {name: source.get(name, "") for name in OAUTH_PARAMS}
    if params["client_id"] != CLIENT_ID:
        return _refused(request, "This app is not registered with the Sandbox (unknown client_id).")
    if not trusted_redirect_uri(request, params["redirect_uri"]):
        return _refused(request, "The redirect_uri is not this site's Sandbox callback.")
    state = params["state"]
    if params["response_type"] != "code":
        return back_to_app(params["redirect_uri"], error="unsupported_response_type", state=state)
    if not params["code_challenge"] or params["code_challenge_method"] != "S256":
        return back_to_app(
            params["redirect_uri"],
            error="invalid_request",
            error_description="PKCE with code_challenge_method=S256 is required.",
            state=state,
        )
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        suggested_handle=handle_suggestion(request.user.get_username()),
        suggested_name=request.user.get_full_name() or request.user.get_username().title(),
    )
    if request.method == "POST" and request.POST.get("decision") == "deny":
        return back_to_app(
            params["redirect_uri"],
            error="access_denied",
            error_description="The person said no.",
            state=state,
        )
    if form.is_valid():
        account = form.existing_account
        if form.cleaned_data["account"] == NEW:
            try:
                account = sandbox_account_create(
                    handle=form.cleaned_data["new_handle"], display_name=form.cleaned_data["new_display_name"]
                )
            except ValueError as exc:  # taken in the meantime
                form.add_error("new_handle", str(exc))
        if account is not None and form.is_valid():
            code = authorization_issue(
                account=account, redirect_uri=params["redirect_uri"], code_challenge=params["code_challenge"]
            )
            return back_to_app(params["redirect_uri"], code=code, state=state)
    return render(
        request,
        "sandbox/consent.html",
        {
            "title": f"Allow {APP_NAME} to post as …",
            "app_name": APP_NAME,
            "form": form,
            "params": params,
            "NEW": NEW,
        },
    )


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "sandbox/refused.html", {"title": "Sandbox: not authorized", "message": message}, status=400
    )


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    client_id, secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    if not client_is_this_site(client_id, secret):
        return _token_error(401, "invalid_client", "Unknown client, or a wrong client secret.")
    grant_type = request.POST.get("grant_type", "")
    try:
        if grant_type == "authorization_code":
            tokens = authorization_redeem(
                code=request.POST.get("code", ""),
                redirect_uri=request.POST.get("redirect_uri", ""),
                code_verifier=request.POST.get("code_verifier", ""),
            )
        elif grant_type == "refresh_token":
            tokens = grant_refresh(refresh_token=request.POST.get("refresh_token", ""))
        else:
            return _token_error(
                400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token."
            )
    except GrantError as exc:
        return _token_error(400, exc.error, exc.description)
    response = JsonResponse(tokens.as_response())
    response["Cache-Control"] = "no-store"
    return response


def _token_error(status: int, error: str, description: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response
