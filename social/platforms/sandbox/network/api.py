"""The network's API, as the Sandbox client calls it over HTTP (bearer tokens from ``/sandbox/oauth/token/``):

- ``GET  /sandbox/api/v1/me``: who the token belongs to;
- ``POST /sandbox/api/v1/media`` (JSON ``type``, ``content_type``, ``size``, ``alt_text``): announce an upload;
- ``PUT  /sandbox/api/v1/media/<id>/content`` with ``Content-Range``: one piece of it (308 until complete);
- ``POST /sandbox/api/v1/posts`` (JSON ``text``, ``media_ids``; optional ``Idempotency-Key``): make a post;
- ``GET  /sandbox/api/v1/accounts/<handle>/posts?since=&before=&limit=``: an account's posts, newest first.

Errors are JSON ``{"error": code, "message": words}``. Every call takes the account's latency; the calls
that make a post meet the account's fault, if it has one (``faults.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from ..limits import UPLOAD_PIECE_BYTES
from ..models import Fault
from ..models import SandboxAccount
from ..models import SandboxMedia
from .faults import RATE_LIMIT_RETRY_AFTER
from .faults import UNAVAILABLE_RETRY_AFTER
from .faults import fault_take
from .faults import latency_seconds
from .faults import lost_answer_hold_seconds
from .faults import pause
from .posting import PostRefused
from .posting import post_create
from .selectors import LIST_MAX
from .selectors import account_posts_page
from .selectors import media_json
from .selectors import post_json
from .selectors import posts_with_media
from .tokens import account_for_access_token
from .uploads import UploadRefused
from .uploads import media_begin
from .uploads import media_receive

View = Callable[..., HttpResponse]
# How the faults that refuse a post answer (nothing is made): status, error, words, headers.
FAULT_REFUSALS: dict[str, tuple[int, str, str, dict[str, str]]] = {
    Fault.RATE_LIMIT: (
        429,
        "rate_limited",
        "Too many posts: wait before making another (a fault set on this Sandbox account).",
        {"Retry_After": str(RATE_LIMIT_RETRY_AFTER), "X_RateLimit_Remaining": "0"},
    ),
    Fault.UNAVAILABLE: (
        503,
        "unavailable",
        "The Sandbox is unavailable; nothing was made (a fault set on this Sandbox account).",
        {"Retry_After": str(UNAVAILABLE_RETRY_AFTER)},
    ),
}


def api_error(status: int, error: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def authenticated(view: View) -> View:
    """The account of the request's bearer token as the view's second argument, after the latency; an
    upload the network refuses is answered with the refusal's status and words."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        account = account_for_access_token(token.strip()) if scheme.lower() == "bearer" else None
        pause(latency_seconds(account))
        if account is None:
            return api_error(
                401,
                "invalid_token",
                "The access token is missing, unknown, expired or revoked.",
                WWW_Authenticate='Bearer error="invalid_token"',
            )
        try:
            return view(request, account, *args, **kwargs)
        except UploadRefused as exc:
            return api_error(exc.status, exc.error, exc.message)

    return wrapper


def json_object(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def takes_json_object(view: View) -> View:
    """The request's JSON object as the view's third argument; a body that is not one is refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, account: SandboxAccount, *args: Any, **kwargs: Any) -> HttpResponse:
        body = json_object(request)
        if body is None:
            return api_error(400, "invalid_request", "The body must be a JSON object.")
        return view(request, account, body, *args, **kwargs)

    return wrapper


@require_GET
@authenticated
def me(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    return JsonResponse(
        {"id": account.handle, "handle": account.handle, "display_name": account.display_name}
    )


@require_POST
@authenticated
@takes_json_object
def media_create(request: HttpRequest, account: SandboxAccount, body: dict[str, Any]) -> HttpResponse:
    size = body.get("size")
    if size is not None and not (isinstance(size, int) and size > 0):
        return api_error(400, "invalid_request", "size must be a positive number of bytes, or absent.")
    media = media_begin(
        account=account,
        kind=str(body.get("type") or ""),
        content_type=str(body.get("content_type") or ""),
        total_bytes=size,
        alt_text=str(body.get("alt_text") or ""),
    )
    answer = media_json(request, media) | {"piece_bytes": UPLOAD_PIECE_BYTES}
    return JsonResponse(answer, status=201)


@require_http_methods(["PUT"])
@authenticated
def media_content(request: HttpRequest, account: SandboxAccount, media_id: str) -> HttpResponse:
    media = get_object_or_404(SandboxMedia.objects.select_related("account"), pk=media_id, account=account)
    length = request.headers.get("Content-Length", "")
    if not length.isdigit():
        return api_error(411, "length_required", "Each piece needs a Content-Length.")
    media = media_receive(
        media=media, content_range=request.headers.get("Content-Range", ""), body=request, length=int(length)
    )
    if not media.is_ready:
        response = HttpResponse(status=308)  # "Resume Incomplete", as resumable uploads answer
        response["Range"] = f"bytes=0-{media.received_bytes - 1}"
        return response
    return JsonResponse(media_json(request, media), status=201)


@require_POST
@authenticated
@takes_json_object
def posts(request: HttpRequest, account: SandboxAccount, body: dict[str, Any]) -> HttpResponse:
    text, media_ids = body.get("text", ""), body.get("media_ids", [])
    if not isinstance(text, str) or not (
        isinstance(media_ids, list) and all(isinstance(item, str) for item in media_ids)
    ):
        return api_error(400, "invalid_request", "text must be a string and media_ids a list of media ids.")
    fault = fault_take(account=account)
    if fault in FAULT_REFUSALS:
        status, error, message, headers = FAULT_REFUSALS[fault]
        return api_error(status, error, message, **headers)
    key = request.headers.get("Idempotency-Key", "").strip()[:128]
    try:
        post, created = post_create(account=account, text=text, media_ids=media_ids, idempotency_key=key)
    except PostRefused as exc:
        return api_error(422, "invalid_post", exc.message)
    if fault == Fault.LOSE_ANSWER:
        # The post exists; the caller gives up waiting before this answer comes (it never learns the id).
        pause(lost_answer_hold_seconds())
        return api_error(504, "answer_lost", "The post was made but this answer was held back.")
    post = posts_with_media().get(pk=post.pk)
    return JsonResponse(post_json(request, post), status=201 if created else 200)


@require_GET
@authenticated
def account_posts(request: HttpRequest, account: SandboxAccount, handle: str) -> HttpResponse:
    owner = get_object_or_404(SandboxAccount, handle=handle)
    since = None
    if raw_since := request.GET.get("since", ""):
        try:
            since = datetime.fromisoformat(raw_since.replace("Z", "+00:00"))
        except ValueError:
            return api_error(400, "invalid_request", "since must be an ISO 8601 time with its offset.")
        if since.tzinfo is None:
            return api_error(400, "invalid_request", "since must be an ISO 8601 time with its offset.")
    raw_limit = request.GET.get("limit", "20")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= LIST_MAX:
        return api_error(400, "invalid_request", f"limit must be 1 to {LIST_MAX}.")
    page, next_before = account_posts_page(
        account=owner, since=since, before=request.GET.get("before", ""), limit=int(raw_limit)
    )
    return JsonResponse(
        {"posts": [post_json(request, post) for post in page], "next_before": next_before or None}
    )
