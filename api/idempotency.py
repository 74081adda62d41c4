"""``Idempotency-Key`` on POST: a retry gets the first answer again instead of doing the work twice.

The key is kept 24 hours per token. Its record is inserted in the same transaction as the work it
guards, before the work starts, so:

- a replay (same key, same request) returns the stored status and body, with ``Idempotent-Replayed: true``;
- the same key with a different request (method, path or body) is refused with 422;
- two requests with the same key at the same time: the second waits on the first one's uncommitted record
  (PostgreSQL's unique index holds it) and then replays its answer; if the first one dies, its transaction
  rolls back and the second one does the work. Where the database cannot wait (SQLite's busy timeout
  running out) the second gets 409 with Retry-After;
- answers with status 5xx are not kept (the work rolled back with them): a retry does the work again.

Only what a replay needs is stored: a fingerprint (SHA-256) of the request, never the request itself, and
the answer without its secrets (``redact``): a webhook endpoint's signing secret is shown in the first
answer only; a replay has ``null`` there (rotate the secret if that first answer was lost).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.db import OperationalError
from django.db import transaction
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.utils import timezone
from ninja.errors import HttpError

from .models import IdempotencyRecord
from .problems import CONTENT_TYPE
from .problems import Problem
from .problems import problem_from_exception

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255
RETRY_AFTER_SECONDS = 2


def request_fingerprint(request: HttpRequest, body: Any) -> str:
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(
    request: HttpRequest,
    *,
    body: Any,
    answer: Callable[[], HttpResponse],
    redact: Sequence[str] = (),
) -> HttpResponse:
    """``answer()`` once per key: the work, turned into its response. ``body`` is what identifies the
    request (its parsed body). A refusal raised by the work is answered as its problem and kept like
    any other answer. An unexpected exception propagates, and nothing is kept."""
    key = request.headers.get(HEADER)
    if key is None:
        with transaction.atomic():  # the work is all or nothing, with or without a key
            return answer()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Problem(
            422,
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters, e.g. a UUID.",
            slug="validation",
            errors=[{"field": HEADER, "message": "must be 1 to 255 printable characters", "in": "header"}],
        )
    token = request.auth
    fingerprint = request_fingerprint(request, body)
    with transaction.atomic():
        try:
            IdempotencyRecord.objects.filter(token=token, created_at__lt=timezone.now() - KEPT_FOR).delete()
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(token=token, key=key, fingerprint=fingerprint)
        except IntegrityError:
            return _replay(IdempotencyRecord.objects.get(token=token, key=key), fingerprint)
        except OperationalError:
            # SQLite: the other request's transaction still held the write lock after the busy timeout.
            raise Problem(
                409,
                f"A request with this {HEADER} is still being answered; retry in a moment.",
                slug="idempotency-in-progress",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None
        try:
            with transaction.atomic():  # a refusal undoes the work, and is kept as the answer
                response = answer()
        except (Problem, ValidationError, Http404, PermissionDenied, HttpError) as exc:
            response = problem_from_exception(request, exc)
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return response
        record.response_status = response.status_code
        record.response_body = _stored_body(response, redact)
        record.response_location = response.get("Location", "")
        record.save(update_fields=["response_status", "response_body", "response_location"])
        return response


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        raise Problem(
            422,
            f"This {HEADER} was already used with a different request (method, path or body) in the last "
            "24 hours. Use a new key for a new request.",
            slug="idempotency-key-reused",
        )
    if record.response_status is None:  # not reachable: the record is committed with its answer
        raise Problem(409, "Still being answered.", slug="idempotency-in-progress")
    status = record.response_status
    response = HttpResponse(
        b"" if record.response_body is None else json.dumps(record.response_body, cls=DjangoJSONEncoder),
        status=status,
        content_type=CONTENT_TYPE if status >= 400 else "application/json",
    )
    response["Idempotent-Replayed"] = "true"
    if record.response_location:
        response["Location"] = record.response_location
    return response


def _stored_body(response: HttpResponse, redact: Sequence[str]) -> Any:
    if not response.content:
        return None
    body = json.loads(response.content)
    if isinstance(body, dict):
        for name in redact:
            if name in body:
                body[name] = None
    return body
