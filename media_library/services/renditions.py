"""Renditions: a fix a person accepted, made once per source and recipe and reused after that."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError
from django.db import transaction

from ..errors import MediaError
from ..models import MediaAsset
from ..models import MediaKind
from ..recipes import RenditionRecipe
from ..renditions import RenditionError
from ..renditions import new_workdir
from ..renditions import render_image
from ..selectors import media_rendition_find
from .assets import delete_stored_files
from .assets import media_asset_local_path
from .assets import media_asset_store_derived

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class RenditionMade:
    asset: MediaAsset
    created: bool  # False: the same rendition existed and is reused


def media_rendition_get_or_create(
    *, asset: MediaAsset, recipe: RenditionRecipe, owner: AbstractBaseUser
) -> RenditionMade:
    """The rendition of ``asset`` by ``recipe``, made now if it does not exist yet.

    A rendition is always made from the original: asking to fix a rendition again combines its recipe with
    the new one. Only still images (and a GIF's first frame, as JPEG) have renditions. Raises MediaError.
    """
    if not recipe:
        raise MediaError("Nothing to change: the rendition recipe is empty.")
    source = asset
    if asset.source_id is not None:
        source = asset.source
        recipe = RenditionRecipe.from_key(asset.recipe).combine(recipe)
    if source.kind == MediaKind.VIDEO:
        raise RenditionError(f"“{source}” is a video: videos have no automatic renditions yet.")
    key = recipe.key
    existing = media_rendition_find(source=source, recipe_key=key)
    if existing is not None:
        return RenditionMade(existing, created=False)
    stem = Path(source.original_name).stem or "media"
    with new_workdir() as workdir, media_asset_local_path(asset=source) as path:
        rendered = render_image(path, recipe, workdir=Path(workdir))
        rendition = media_asset_store_derived(
            owner=owner,
            source=source,
            recipe_key=key,
            path=rendered.path,
            name=f"{stem} (rendition).{rendered.extension}",
        )
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # Made by someone else a moment ago: use theirs, drop ours.
        delete_stored_files([rendition.file.name, rendition.thumbnail.name])
        existing = media_rendition_find(source=source, recipe_key=key)
        if existing is None:
            raise
        return RenditionMade(existing, created=False)
    return RenditionMade(rendition, created=True)
