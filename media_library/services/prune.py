"""Housekeeping: remove what no post has used for a while."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from django.utils import timezone

from ..errors import MediaError
from ..models import MediaAsset
from ..selectors import media_assets_unused_before
from .assets import media_asset_delete


@dataclass
class PruneReport:
    assets: list[MediaAsset] = field(default_factory=list)  # deleted (or, in a dry run, to delete)
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # one line per asset that could not be deleted


def media_prune(*, days: int, dry_run: bool = False) -> PruneReport:
    """Delete assets (with their renditions and files) created more than ``days`` ago that no post uses."""
    if days < 0:
        raise MediaError("days must be 0 or more.")
    cutoff = timezone.now() - timedelta(days=days)
    report = PruneReport()
    candidates = list(media_assets_unused_before(cutoff=cutoff).filter(source__isnull=True)) + list(
        media_assets_unused_before(cutoff=cutoff).filter(source__isnull=False)
    )
    gone: set[int] = set()
    for asset in candidates:
        if asset.pk in gone or asset.source_id in gone:
            continue  # went with its source
        family = [asset, *asset.renditions.all()]
        if not dry_run:
            try:
                media_asset_delete(asset=asset)
            except MediaAsset.DoesNotExist:
                continue  # deleted meanwhile
            except MediaError as exc:
                report.skipped.append(str(exc))
                continue
        gone.update(member.pk for member in family)
        report.assets.append(asset)
        report.bytes += sum(member.size for member in family)
    return report
