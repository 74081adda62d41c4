"""Reads of the media library."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost

from .models import MediaAsset
from .models import MediaUsage

# A post in one of these may still go out, so the media it uses must stay.
NOT_FINAL_POST_STATUSES = (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHING)


def media_asset_family_ids(*, asset: MediaAsset) -> list[int]:
    """The asset and its renditions: what deleting it removes."""
    return [asset.pk, *MediaAsset.objects.filter(source=asset).values_list("pk", flat=True)]


def media_asset_blocking_posts(*, asset: MediaAsset) -> list[ScheduledPost]:
    """Posts that are not final (draft, scheduled, publishing) and use the asset or one of its renditions."""
    return list(
        ScheduledPost.objects.filter(
            status__in=NOT_FINAL_POST_STATUSES,
            media_usages__asset_id__in=media_asset_family_ids(asset=asset),
        )
        .distinct()
        .order_by("scheduled_at", "pk")
    )


def media_asset_usages(*, asset: MediaAsset) -> QuerySet[MediaUsage]:
    return (
        MediaUsage.objects.filter(Q(asset=asset) | Q(asset__source=asset))
        .select_related("post", "asset")
        .order_by("-post__scheduled_at", "post_id", "platform", "position")
    )


def media_assets_unused_before(*, cutoff: datetime) -> QuerySet[MediaAsset]:
    """Assets made before ``cutoff`` that no post uses, whose renditions no post uses either."""
    used = MediaUsage.objects.filter(asset=OuterRef("pk"))
    rendition_used = MediaUsage.objects.filter(asset__source=OuterRef("pk"))
    return (
        MediaAsset.objects.filter(created_at__lt=cutoff)
        .exclude(Exists(used))
        .exclude(Exists(rendition_used))
        .order_by("created_at", "pk")
    )


def media_rendition_find(*, source: MediaAsset, recipe_key: str) -> MediaAsset | None:
    return MediaAsset.objects.filter(source=source, recipe=recipe_key).first()


def media_assets_visible_to(*, user) -> QuerySet[MediaAsset]:
    """The assets ``user`` may see and use in posts. The library is shared (a file uploaded twice is
    stored once, whoever uploaded it), so it is all or nothing: everything for whoever may view the
    library or add to it, nothing for anyone else."""
    if not user.is_active or not user.is_authenticated:
        return MediaAsset.objects.none()
    if user.has_perm("media_library.view_mediaasset") or user.has_perm("media_library.add_mediaasset"):
        return MediaAsset.objects.all()
    return MediaAsset.objects.none()
