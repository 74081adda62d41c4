"""A post's text as each chosen platform will count and show it: the composer's live counters and previews,
and the REST API's check, from the same client code that validates the post when it is saved.

Nothing here calls a platform or writes: it reads the accounts once (what each client's counting needs is
on the account: X's long posts, a Mastodon server's limits as last read) and runs each client's
``text_count``, ``validate`` and ``preview_notes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError

from social.models import SocialAccount
from social.platforms import MediaItem
from social.platforms import PublishPayload
from social.platforms import TextCount
from social.platforms import UnknownPlatformError
from social.platforms import client_for
from social.platforms import platform_specs

from .post_input import post_metadata_problems
from .post_media import media_assets_by_id
from .post_media import metadata_asset_ids
from .post_media import metadata_with_asset_kinds

# What the live counter accepts in one request: far above any platform's limit, far below a burden.
MAX_COUNTED_TEXT = 100_000


@dataclass(frozen=True)
class PreviewSegment:
    """A piece of the previewed text: plain, or a link and what it counts as (None: as written)."""

    text: str
    is_link: bool = False
    weight: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "link": self.is_link, "weight": self.weight}


@dataclass(frozen=True)
class PlatformTextCount:
    """The count, limit, problems and preview of the post on one platform.

    Accounts of one platform that count the same (an X account with long posts does not count like one
    without; two Mastodon servers may have different limits) share one entry.
    """

    platform: str
    name: str
    accounts: tuple[str, ...]
    count: int
    limit: int | None
    unit: str
    problems: tuple[str, ...]
    segments: tuple[PreviewSegment, ...]
    media: tuple[MediaItem, ...]
    notes: tuple[str, ...]

    @property
    def over(self) -> bool:
        return self.limit is not None and self.count > self.limit

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "name": self.name,
            "accounts": list(self.accounts),
            "count": self.count,
            "limit": self.limit,
            "over": self.over,
            "unit": self.unit,
            "problems": list(self.problems),
            "preview": {
                "segments": [segment.as_json() for segment in self.segments],
                "media": [
                    {"url": item.url, "type": item.type, "alt_text": item.alt_text} for item in self.media
                ],
                "notes": list(self.notes),
            },
        }


def preview_segments(count: TextCount) -> tuple[PreviewSegment, ...]:
    """The counted text cut into plain pieces and links."""
    segments: list[PreviewSegment] = []
    position = 0
    for link in sorted(count.links, key=lambda link: link.start):
        if link.start < position:
            continue
        if link.start > position:
            segments.append(PreviewSegment(count.text[position : link.start]))
        segments.append(PreviewSegment(count.text[link.start : link.end], is_link=True, weight=link.weight))
        position = link.end
    if position < len(count.text):
        segments.append(PreviewSegment(count.text[position:]))
    return tuple(segments)


def post_text_counts(
    *,
    content: str,
    metadata: Mapping[str, Any] | None,
    account_ids: Sequence[int],
    accounts: Sequence[SocialAccount] | None = None,
) -> list[PlatformTextCount]:
    """Per platform of ``account_ids``: the text as it goes there (its per-platform text, if any) counted
    as that platform counts it, the limit, every problem its client's validation finds, and a preview.

    ``accounts``: those accounts when the caller loaded them already. Raises ValidationError for metadata
    of the wrong shape, or a text too long to count.
    """
    if problems := post_metadata_problems(metadata or {}):
        raise ValidationError(problems)
    if len(content) > MAX_COUNTED_TEXT:
        raise ValidationError(
            f"The text has {len(content):,} characters; at most {MAX_COUNTED_TEXT:,} are counted."
        )
    # Library media count as what their assets are (one query; none without assets).
    metadata = metadata_with_asset_kinds(metadata or {}, media_assets_by_id(metadata_asset_ids(metadata)))
    if accounts is None:
        accounts = SocialAccount.objects.without_tokens().filter(pk__in=list(account_ids))
    order = {spec.platform: index for index, spec in enumerate(platform_specs())}
    entries: dict[tuple[Any, ...], PlatformTextCount] = {}
    for account in sorted(
        accounts, key=lambda account: (order.get(account.platform, len(order)), account.name)
    ):
        entry = _account_count(account, content=content, metadata=metadata)
        if entry is None:
            continue  # no client for this platform in this deployment: nothing to count against
        key = (entry.platform, entry.count, entry.limit, entry.problems, entry.notes)
        if key in entries:
            shared = entries[key]
            entries[key] = replace(shared, accounts=shared.accounts + entry.accounts)
        else:
            entries[key] = entry
    return list(entries.values())


def _account_count(
    account: SocialAccount, *, content: str, metadata: Mapping[str, Any]
) -> PlatformTextCount | None:
    try:
        client = client_for(account)
    except UnknownPlatformError:
        return None
    payload = PublishPayload.for_platform(content=content, metadata=metadata, platform=account.platform)
    count = client.text_count(payload)
    return PlatformTextCount(
        platform=account.platform,
        name=client.display_name,
        accounts=(account.name,),
        count=count.count,
        limit=count.limit,
        unit=count.unit,
        problems=tuple(dict.fromkeys(client.validate(payload))),
        segments=preview_segments(count),
        media=payload.media,
        notes=tuple(client.preview_notes(payload)),
    )
