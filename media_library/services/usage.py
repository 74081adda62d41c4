"""Which posts use which assets. The post services call this whenever a post's media change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from ..errors import MediaError
from ..models import MediaAsset
from ..models import MediaUsage

if TYPE_CHECKING:
    from calendar_app.models import ScheduledPost


@dataclass(frozen=True)
class MediaUse:
    """One asset in a post's media list; ``alt_text`` empty = the asset's own."""

    asset_id: int
    alt_text: str = ""


def media_usage_replace(
    *, post: ScheduledPost, platform: str = "", uses: Sequence[MediaUse]
) -> list[MediaUsage]:
    """Make ``uses`` (in order) the post's media for ``platform`` ("" = every platform without its own).

    The assets' rows are locked first, so a concurrent delete either sees these uses or has finished
    (and then this raises MediaError naming the missing asset).
    """
    with transaction.atomic():
        wanted = sorted({use.asset_id for use in uses})
        found = set(MediaAsset.objects.select_for_update().filter(pk__in=wanted).values_list("pk", flat=True))
        missing = [pk for pk in wanted if pk not in found]
        if missing:
            raise MediaError(f"Media asset {missing[0]} is no longer in the library.")
        MediaUsage.objects.filter(post=post, platform=platform).delete()
        return MediaUsage.objects.bulk_create(
            MediaUsage(
                post=post, platform=platform, position=index, asset_id=use.asset_id, alt_text=use.alt_text
            )
            for index, use in enumerate(uses)
        )
