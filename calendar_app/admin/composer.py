"""The post form's composer: a JSON endpoint the form's script asks, as the author types, for each chosen
platform's count, limit, problems and preview (``services.text_counts``), and the queue's next free slot.

``POST /admin/calendar_app/scheduledpost/text-counts/`` (staff with the add or change permission, the
admin's CSRF token in ``X-CSRFToken``) with the form's parts as JSON::

    {"content": "...", "account_ids": [1, 2],
     "media": [{"asset": 12, "alt_text": ""}, {"url": "...", "type": "image", "alt_text": ""}],
     "platform_options": {"TWITTER": {"content": "..."}, "INSTAGRAM": {"media": [{"asset": 13}]}},
     "metadata": {...the advanced JSON...}}

(media items are library assets, as the pickers hold them, or addresses);

answers ``{"platforms": [...], "queue": {"slot": "...", "schedule": "..."} | {"problem": "..."}}``; a
request it cannot read gets a problem-details JSON (RFC 9457) with status 400.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http import JsonResponse
from django.urls import reverse

from planning.services.queue import queue_next_free_slot
from planning.services.queue import schedule_for_post_accounts
from social.platforms import MediaItem

from ..forms import PLATFORM_OPTION_FIELDS
from ..models import ScheduledPost
from ..services.post_input import MEDIA_TYPES
from ..services.post_input import post_metadata_build
from ..services.text_counts import post_text_counts
from ..timezones import format_in_zone
from ..timezones import timezone_names

if TYPE_CHECKING:
    from .posts import ScheduledPostAdmin

# A form has a few accounts; a request naming thousands is not a form's.
MAX_ACCOUNTS = 200
MAX_BODY_BYTES = 1_000_000


class BadComposerRequest(Exception):
    pass


def problem_response(status: int, title: str, detail: str, errors: list[str] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type="application/problem+json")


def composer_context(*, post: ScheduledPost | None) -> dict[str, Any]:
    """What the post form's template needs for the composer and the "Save and add to queue" button."""
    return {
        "composer": {
            "url": reverse("admin:calendar_app_scheduledpost_text_counts"),
            "post_id": post.pk if post is not None else None,
            "option_fields": [
                {"name": name, "platform": platform, "key": key}
                for name, platform, key, _field in PLATFORM_OPTION_FIELDS
            ],
        },
        "queue_button": True,
    }


def post_text_counts_view(model_admin: ScheduledPostAdmin, request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = problem_response(405, "Method not allowed", "Send the form's parts with POST.")
        response["Allow"] = "POST"
        return response
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    try:
        parts = _read_parts(request)
        metadata = post_metadata_build(
            media=parts["media"], platform_options=parts["platform_options"], extra_metadata=parts["metadata"]
        )
        counts = post_text_counts(
            content=parts["content"], metadata=metadata, account_ids=parts["account_ids"]
        )
    except BadComposerRequest as exc:
        return problem_response(400, "Bad request", str(exc))
    except ValidationError as exc:
        return problem_response(400, "The post cannot be counted", " ".join(exc.messages), exc.messages)
    body: dict[str, Any] = {"platforms": [count.as_json() for count in counts]}
    if parts["queue"]:
        body["queue"] = _next_slot(parts["account_ids"], post_id=parts["post_id"], zone=parts["timezone"])
    return JsonResponse(body)


def _next_slot(account_ids: list[int], *, post_id: int | None, zone: str) -> dict[str, str]:
    """Where "Save and add to queue" would put the post now: a preview; saving takes the slot."""
    try:
        schedule = schedule_for_post_accounts(account_ids=account_ids)
        slot = queue_next_free_slot(
            account_ids=account_ids, schedule_id=schedule.pk, exclude_post_ids=[post_id] if post_id else []
        )
    except ValidationError as exc:
        return {"problem": " ".join(exc.messages)}
    shown_in = zone if zone in timezone_names() else schedule.timezone
    return {"slot": format_in_zone(slot, shown_in), "schedule": str(schedule)}


def _read_parts(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise BadComposerRequest(f"The request has more than {MAX_BODY_BYTES:,} bytes.")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise BadComposerRequest("The request body is not JSON.") from None
    if not isinstance(body, Mapping):
        raise BadComposerRequest("Send a JSON object.")
    content = body.get("content", "")
    if not isinstance(content, str):
        raise BadComposerRequest('"content" must be text.')
    account_ids = body.get("account_ids", [])
    if not isinstance(account_ids, list) or not all(map(_is_id, account_ids)):
        raise BadComposerRequest('"account_ids" must be a list of account ids.')
    if len(account_ids) > MAX_ACCOUNTS:
        raise BadComposerRequest(f"At most {MAX_ACCOUNTS} accounts are counted at once.")
    post_id = body.get("post_id")
    if post_id is not None and not _is_id(post_id):
        raise BadComposerRequest('"post_id" must be a post id.')
    timezone_name = body.get("timezone", "")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise BadComposerRequest('"metadata" must be a JSON object.')
    return {
        "content": content,
        "account_ids": list(dict.fromkeys(account_ids)),
        "media": _read_media(body.get("media", [])),
        "platform_options": _read_platform_options(body.get("platform_options", {})),
        "metadata": metadata,
        "queue": bool(body.get("queue")),
        "post_id": post_id,
        "timezone": timezone_name if isinstance(timezone_name, str) else "",
    }


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_media(media: Any) -> list[MediaItem]:
    if not isinstance(media, list):
        raise BadComposerRequest('"media" must be a list.')
    return [_read_media_item(item) for item in media]


def _read_media_item(item: Any) -> MediaItem:
    if isinstance(item, Mapping) and "asset" in item:
        return _read_library_item(item)
    if not isinstance(item, Mapping) or not all(
        isinstance(item.get(key, ""), str) for key in ("url", "type", "alt_text")
    ):
        raise BadComposerRequest('Each "media" item is {"url", "type", "alt_text"}, each text.')
    kind = item.get("type") or "image"
    if kind not in MEDIA_TYPES:
        raise BadComposerRequest(f"A media type is one of {', '.join(MEDIA_TYPES)}.")
    return MediaItem(url=item.get("url", ""), type=kind, alt_text=item.get("alt_text", ""))


def _read_library_item(item: Any) -> MediaItem:
    """A media library asset as a picker holds it; its kind is the asset's, read when the post is counted."""
    if not (
        isinstance(item, Mapping) and _is_id(item.get("asset")) and isinstance(item.get("alt_text", ""), str)
    ):
        raise BadComposerRequest('A library "media" item is {"asset": id, "alt_text": "..."}.')
    return MediaItem(asset_id=item["asset"], type="", alt_text=item.get("alt_text", ""))


def _read_platform_options(options: Any) -> dict[str, dict[str, Any]]:
    """Each platform's text options, and under "media" its own library media (a list)."""
    if not isinstance(options, Mapping) or not all(
        isinstance(values, Mapping)
        and all(isinstance(value, str) for key, value in values.items() if key != "media")
        and isinstance(values.get("media", []), list)
        for values in options.values()
    ):
        raise BadComposerRequest('"platform_options" must be {"PLATFORM": {"option": "text"}}.')
    read = {str(platform): dict(values) for platform, values in options.items()}
    for values in read.values():
        if "media" in values:
            values["media"] = [
                {"asset": item.asset_id, "alt_text": item.alt_text}
                for item in map(_read_library_item, values["media"])
            ]
    return read
