"""Every error of the API as an RFC 9457 problem details object (``application/problem+json``).

``{"type", "title", "status", "detail", "instance"}``, and for invalid input ``errors``: one entry per
problem, ``{"field", "message"}`` plus ``"platform"`` when a platform refused it. ``type`` is
``about:blank`` for plain HTTP errors, or one of ``PROBLEM_TYPES`` (documented in the OpenAPI document).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from http import HTTPStatus
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from ninja.errors import AuthenticationError
from ninja.errors import HttpError
from ninja.errors import Throttled
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/v1/"
# The problem types an integrator can branch on; the docs page lists them.
PROBLEM_TYPES = {
    "validation": "The request is not valid: see `errors`, one entry per field (and platform).",
    "not-allowed-now": "The post's state does not allow this now (e.g. it is being published).",
    "in-use": "The media asset is used by posts that may still go out.",
    "scope": "The token lacks the scope this operation needs.",
    "idempotency-key-reused": "This Idempotency-Key was used with a different request.",
    "idempotency-in-progress": "A request with this Idempotency-Key is still being answered.",
    "rate-limited": "Too many requests with this token; wait Retry-After seconds.",
}


def problem_type(slug: str) -> str:
    return f"{API_PREFIX}docs#problem-{slug}"


@dataclass
class Problem(Exception):
    """Raised anywhere in the API to answer with a problem."""

    status: int
    detail: str = ""
    slug: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    title: str = ""


def problem_response(
    request: HttpRequest | None,
    status: int,
    *,
    detail: str = "",
    slug: str = "",
    title: str = "",
    errors: Iterable[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": problem_type(slug) if slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    errors = list(errors)
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_errors(exc: DjangoValidationError, *, fields: Mapping[str, str] | None = None) -> list[dict]:
    """A service's ValidationError as ``errors`` entries; ``fields`` renames its keys to the API's names.

    A message that starts with a platform's name (“X: 312 characters, the limit is 280”) names that
    platform in the entry too.
    """
    fields = fields or {}
    entries = []
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for key, messages in by_field.items():
        name = fields.get(key, key)
        for message in messages:
            entry: dict[str, Any] = {"field": None if name == NON_FIELD_ERRORS else name, "message": message}
            platform = platform_named_in(message)
            if platform:
                entry["platform"] = platform
                if entry["field"] is None:
                    entry["field"] = f"platforms.{platform}"
            entries.append(entry)
    return entries


def platform_named_in(message: str) -> str | None:
    """The platform a message names first (“X: …”, “Instagram: …”), or None."""
    from social.platforms import platform_specs

    for spec in platform_specs():
        names = {spec.name, getattr(spec.client_class, "display_name", spec.name)}
        if any(message.startswith(f"{name}: ") or message.startswith(f"{name} ") for name in names):
            return spec.platform
    return None


def _pydantic_errors(exc: NinjaValidationError) -> list[dict]:
    entries = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in {"body", "query", "path", "form", "file", "header"}:
            where = location[0]
            location = location[1:]
            if location and location[0] in {"payload", "data", "filters"}:
                location = location[1:]
        else:
            where = "body"
        entries.append(
            {"field": ".".join(location) or where, "message": error.get("msg", "is not valid"), "in": where}
        )
    return entries


def invalid(
    exc: DjangoValidationError, *, rename: Callable[[DjangoValidationError], dict] | None = None
) -> Problem:
    """A service's refusal as a 422 problem; ``rename`` maps its field names to the API's."""
    renamed = DjangoValidationError(rename(exc)) if rename else exc
    errors = validation_errors(renamed)
    return Problem(422, " ".join(exc.messages), slug="validation", errors=errors)


def problem_from_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The problem answering ``exc``; an unexpected exception is logged and answered 500 (no traceback)."""
    if isinstance(exc, DjangoValidationError):
        exc = invalid(exc)
    if isinstance(exc, Problem):
        return problem_response(
            request,
            exc.status,
            detail=exc.detail,
            slug=exc.slug,
            title=exc.title,
            errors=exc.errors,
            headers=exc.headers,
        )
    if isinstance(exc, NinjaValidationError):
        errors = _pydantic_errors(exc)
        return problem_response(
            request,
            422,
            slug="validation",
            title="Invalid request",
            detail="; ".join(f"{entry['field']}: {entry['message']}" for entry in errors),
            errors=errors,
        )
    if isinstance(exc, AuthenticationError):
        return problem_response(
            request,
            401,
            detail="Send a valid, unexpired API token: Authorization: Bearer sched_…",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if isinstance(exc, Throttled):
        return problem_response(
            request,
            429,
            slug="rate-limited",
            detail="This token made too many requests this minute; wait Retry-After seconds.",
        )
    if isinstance(exc, HttpError):
        return problem_response(request, exc.status_code, detail=str(exc))
    if isinstance(exc, Http404):
        return problem_response(request, 404, detail=str(exc) or "Not found.")
    if isinstance(exc, PermissionDenied):
        return problem_response(request, 403, detail=str(exc) or "You may not do this.")
    logger.exception("API error on %s %s", request.method, request.path)
    return problem_response(
        request, 500, detail="Something went wrong on our side; it was logged. Nothing was half-done."
    )


def install_handlers(api) -> None:
    """Every exception the API can meet, answered as a problem (never a traceback)."""
    # Ninja registers its own for some of these; each class gets ours.
    for exc_class in (
        Exception,
        Problem,
        DjangoValidationError,
        NinjaValidationError,
        HttpError,
        Http404,
        PermissionDenied,
    ):
        api.add_exception_handler(exc_class, problem_from_exception)


class ProblemDetailsMiddleware:
    """Under /api/v1/, an error answered outside the API's views (an unknown path, a method the path does
    not take, a request Django refused) becomes a problem too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith(CONTENT_TYPE)
            or request.path.startswith(f"{API_PREFIX}docs")
        ):
            return response
        detail = {
            404: f"There is no {request.path} in the API; see {API_PREFIX}docs.",
            405: f"{request.method} is not allowed here; allowed: {response.get('Allow', '')}.",
        }.get(response.status_code, "")
        headers = {"Allow": response["Allow"]} if response.has_header("Allow") else {}
        return problem_response(request, response.status_code, detail=detail, headers=headers)
