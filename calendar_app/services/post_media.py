"""A post's media-library assets: which ones its metadata names, how they fare against each chosen account's
media rules when the post is saved, the post's ``MediaUsage`` rows, and the refusal to send a post again
once one of its assets was deleted.

An asset item of the metadata is ``{"asset": <id>, "type": "image", "alt_text": "..."}``, in ``media`` or
in ``platforms.<P>.media``; URL items (``{"url": ...}``) are untouched by all of this.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from media_library.checking import media_asset_check_accounts
from media_library.checking import media_rules_of_accounts
from media_library.errors import MediaError
from media_library.models import MediaAsset
from media_library.services.usage import MediaUse
from media_library.services.usage import media_usage_replace
from social.models import SocialAccount

from ..models import ScheduledPost

SHARED = ""  # MediaUsage.platform of the media every platform without its own uses


def metadata_media_lists(metadata: Any) -> dict[str, list[Any]]:
    """The metadata's media lists by platform ("" = the shared one), each as it is (items unchecked)."""
    if not isinstance(metadata, Mapping):
        return {}
    lists: dict[str, list[Any]] = {}
    if isinstance(metadata.get("media"), list):
        lists[SHARED] = metadata["media"]
    platforms = metadata.get("platforms")
    if isinstance(platforms, Mapping):
        for platform, options in platforms.items():
            if isinstance(options, Mapping) and isinstance(options.get("media"), list):
                lists[platform] = options["media"]
    return lists


def asset_id_of(item: Any) -> int | None:
    """The asset an item names, or None for a URL item (or anything that is not an asset item)."""
    if not isinstance(item, Mapping):
        return None
    asset = item.get("asset")
    return asset if isinstance(asset, int) and not isinstance(asset, bool) else None


def metadata_asset_ids(metadata: Any) -> list[int]:
    """Every asset the metadata names, shared or per platform, in order, once each."""
    ids = (asset_id_of(item) for items in metadata_media_lists(metadata).values() for item in items)
    return list(dict.fromkeys(asset for asset in ids if asset is not None))


def media_assets_by_id(asset_ids: Iterable[int]) -> dict[int, MediaAsset]:
    """The assets that still exist among ``asset_ids``: one query, none for no ids."""
    asset_ids = list(asset_ids)
    if not asset_ids:
        return {}
    return MediaAsset.objects.in_bulk(asset_ids)


def metadata_with_asset_kinds(metadata: Mapping[str, Any], assets: Mapping[int, MediaAsset]) -> dict:
    """The metadata with each asset item's ``type`` set to what its asset is (the asset knows)."""
    if not assets:
        return dict(metadata)
    metadata = copy.deepcopy(dict(metadata))
    for items in metadata_media_lists(metadata).values():
        for item in items:
            asset = assets.get(asset_id_of(item))
            if asset is not None:
                item["type"] = asset.kind
    return metadata


def effective_media(metadata: Mapping[str, Any], platform: str) -> list[Any]:
    """The media a platform gets: its own list when it has one, else the shared one."""
    lists = metadata_media_lists(metadata)
    return lists.get(platform, lists.get(SHARED, []))


def missing_asset_message(asset_id: int) -> str:
    return (
        f"Media asset {asset_id} is no longer in the media library (it was deleted); remove it from the "
        "post or choose other media."
    )


@dataclass(frozen=True)
class PostMediaCheck:
    missing: list[str]  # assets named but deleted: never savable
    problems: list[str]  # what each chosen account's platform would refuse, naming the platform and rule


def post_media_check(
    *, metadata: Mapping[str, Any], accounts: Sequence[SocialAccount], assets: Mapping[int, MediaAsset]
) -> PostMediaCheck:
    """The library media of a post against each chosen account's media rules, file by file (no query:
    ``assets`` are the ones the metadata names, loaded by the caller). How many media and of which kinds
    together is each client's own check (``validate``), for URL and library media alike."""
    ids = metadata_asset_ids(metadata)
    missing = [missing_asset_message(asset_id) for asset_id in ids if asset_id not in assets]
    problems: list[str] = []
    if not assets:
        return PostMediaCheck(missing, problems)
    for account_rules in media_rules_of_accounts(accounts):
        items = effective_media(metadata, account_rules.platform)
        chosen = [assets[asset_id] for asset_id in map(asset_id_of, items) if asset_id in assets]
        for asset in dict.fromkeys(chosen):
            check = media_asset_check_accounts(asset=asset, rules=[account_rules])
            problems += check.messages(name=asset.original_name)
    return PostMediaCheck(missing, list(dict.fromkeys(problems)))


def post_media_usage_sync(
    *, post: ScheduledPost, previous_metadata: Any = None, skip_missing: bool = False
) -> None:
    """Make the post's MediaUsage rows what its metadata names, per platform ("" = shared), in order.

    No query for a post that names no asset, before or after. The assets are locked by
    ``media_usage_replace``, so a concurrent delete either sees these uses or has finished (then this
    refuses with a ValidationError naming the asset). ``skip_missing``: record only the assets that still
    exist (a copy of a post whose asset was deleted keeps naming it, for its author to replace).
    """
    wanted = {
        platform: [
            MediaUse(asset_id, item.get("alt_text", "") if isinstance(item.get("alt_text"), str) else "")
            for item in items
            if (asset_id := asset_id_of(item)) is not None
        ]
        for platform, items in metadata_media_lists(post.metadata).items()
    }
    if skip_missing:
        existing = media_assets_by_id(metadata_asset_ids(post.metadata))
        wanted = {
            platform: [use for use in uses if use.asset_id in existing] for platform, uses in wanted.items()
        }
    wanted = {platform: uses for platform, uses in wanted.items() if uses}
    if not wanted and not metadata_asset_ids(previous_metadata):
        return
    stale = set(post.media_usages.values_list("platform", flat=True)) - set(wanted)
    try:
        for platform in sorted(stale):
            media_usage_replace(post=post, platform=platform, uses=[])
        for platform, uses in wanted.items():
            media_usage_replace(post=post, platform=platform, uses=uses)
    except MediaError as exc:
        raise ValidationError({"media": [str(exc)]}) from exc


def post_media_missing_refusal(*, post: ScheduledPost) -> str | None:
    """Why ``post`` cannot be sent (again): one of its assets was deleted from the library."""
    ids = metadata_asset_ids(post.metadata)
    if not ids:
        return None
    existing = set(MediaAsset.objects.filter(pk__in=ids).values_list("pk", flat=True))
    gone = [asset_id for asset_id in ids if asset_id not in existing]
    if not gone:
        return None
    which = ", ".join(map(str, gone))
    return (
        f"{post} uses media asset{'s' if len(gone) > 1 else ''} {which}, no longer in the media library (it "
        "was deleted), so it cannot be sent. Choose other media: edit the post, or duplicate it as a new "
        "draft if it can no longer be changed."
    )
