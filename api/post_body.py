"""A post as the API receives it, turned into the ``PostInput`` the admin's form also builds, so the same
service checks it (calendar_app.services.post_input)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from calendar_app.access import post_account_choices
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import PostInput
from calendar_app.timezones import timezone_names
from calendar_app.timezones import zone_or_utc
from media_library.selectors import media_assets_visible_to
from planning.wall_clock import local_wall_time

from .schemas import NUL_REFUSED
from .schemas import holds_nul

# The service's PostInput fields as the API names them.
API_FIELDS = {
    "content": "text",
    "account_ids": "accounts",
    "timezone_name": "timezone",
    "local_time": "scheduled_at",
    "status": "status",
}
QUEUE = "queue"
NOW = "now"


def api_fields(error: ValidationError) -> dict[str, list[str]]:
    """A service's field errors under the API's field names; metadata problems under media or platforms."""
    if not hasattr(error, "error_dict"):
        return {"__all__": error.messages}
    renamed: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        for message in messages:
            if key == "extra_metadata":
                name = "platforms" if '"platforms"' in message or "platform" in message.lower() else "media"
            else:
                name = API_FIELDS.get(key, key)
            renamed.setdefault(name, []).append(message)
    return renamed


def media_items(items: Sequence[Mapping[str, Any]], *, user, field: str) -> list[dict[str, Any]]:
    """The metadata's media list: ``{"url", "type", "alt_text"}`` by address, or ``{"asset", "type",
    "alt_text"}`` from the library (an asset the user cannot see is refused as if it did not exist)."""
    wanted = [item["asset"] for item in items if item.get("asset") is not None]
    assets = {asset.pk: asset for asset in media_assets_visible_to(user=user).filter(pk__in=wanted)}
    errors, media = [], []
    for index, item in enumerate(items):
        alt_text = {"alt_text": item["alt_text"]} if item.get("alt_text") else {}
        if item.get("asset") is not None:
            asset = assets.get(item["asset"])
            if asset is None:
                errors.append(f"{field}[{index}].asset: media asset {item['asset']} does not exist.")
                continue
            media.append({"asset": asset.pk, "type": item.get("type") or asset.kind, **alt_text})
        else:
            media.append({"url": item["url"], "type": item.get("type") or "image", **alt_text})
    if errors:
        raise ValidationError({field: errors})
    return media


def metadata_from(
    *, media: Sequence[Mapping] | None, platforms: Mapping[str, Mapping] | None, user, base: Mapping | None
) -> dict[str, Any]:
    """The post's metadata: ``base`` (the post's current metadata) with ``media`` and ``platforms``
    replaced where given (None: kept)."""
    metadata = dict(base or {})
    if media is not None:
        metadata.pop("media", None)
        if media:
            metadata["media"] = media_items(media, user=user, field="media")
    if platforms is not None:
        metadata.pop("platforms", None)
        converted = {}
        for platform, options in platforms.items():
            options = dict(options)
            if isinstance(options.get("media"), list):
                options["media"] = media_items(
                    [item if isinstance(item, Mapping) else {"url": item} for item in options["media"]],
                    user=user,
                    field=f"platforms.{platform}.media",
                )
            converted[platform] = options
        if converted:
            metadata["platforms"] = converted
    for field in ("media", "platforms"):
        if field in metadata and holds_nul(metadata[field]):
            raise ValidationError({field: [f"A text in it {NUL_REFUSED}."]})
    return metadata


def wall_time(instant: datetime, *, timezone_name: str) -> datetime:
    """The naive wall time of ``instant`` in the post's zone, which PostInput reads back to the instant."""
    if timezone_name not in timezone_names():
        raise ValidationError({"timezone": [f"{timezone_name!r} is not a known time zone."]})
    wall = local_wall_time(instant, zone_or_utc(timezone_name))
    if wall is None:
        raise ValidationError(
            {
                "scheduled_at": [
                    f"{instant.isoformat()} is the second time the clocks show "
                    f"{instant.astimezone(zone_or_utc(timezone_name)):%H:%M} in {timezone_name} that night "
                    "(they fall back); a post's wall time there means the first. Give the first one, or "
                    'write the post in "UTC".'
                ]
            }
        )
    return wall


def accounts_check(account_ids: Sequence[int], *, user, post: ScheduledPost | None) -> None:
    """Every account must be one the user may post to (or already on the post); others do not exist."""
    allowed = set(
        post_account_choices(user=user, post=post)
        .filter(pk__in=list(account_ids))
        .values_list("pk", flat=True)
    )
    unknown = [account_id for account_id in dict.fromkeys(account_ids) if account_id not in allowed]
    if unknown:
        raise ValidationError(
            {"accounts": [f"Account {account_id} does not exist." for account_id in unknown]}
        )


def post_input(
    *,
    user,
    text: str,
    account_ids: Sequence[int],
    when: datetime | str | None,
    timezone_name: str,
    status: str,
    metadata: Mapping[str, Any],
    post: ScheduledPost | None = None,
) -> PostInput:
    """``when``: an aware instant, ``"now"``, ``"queue"`` (saved as a draft for now; the caller queues it)
    or None (a draft without a time gets the current minute as a placeholder; a scheduled post needs one)."""
    accounts_check(account_ids, user=user, post=post)
    publish_now = when == NOW
    if isinstance(when, datetime):
        local_time = wall_time(when, timezone_name=timezone_name)
    elif when is None and status == PostStatus.SCHEDULED:
        local_time = None  # the service asks for a time
    else:
        local_time = wall_time(timezone.now().replace(second=0, microsecond=0), timezone_name=timezone_name)
    return PostInput(
        content=text,
        account_ids=tuple(account_ids),
        timezone_name=timezone_name,
        local_time=local_time,
        status=PostStatus.DRAFT if when == QUEUE else status,
        publish_now=publish_now,
        extra_metadata=metadata,
    )
