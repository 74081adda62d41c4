"""Renditions are made from real files when asked, once per source and recipe, and fix what they promise."""

from __future__ import annotations

import pytest
from django.core.files import File
from PIL import Image

from media_library.errors import MediaError
from media_library.models import MediaAsset
from media_library.platform_rules import media_rules_for
from media_library.recipes import AspectRatio
from media_library.recipes import RenditionRecipe
from media_library.rules import media_rules_check
from media_library.rules import media_rules_fix
from media_library.services.assets import media_asset_create
from media_library.services.assets import media_asset_local_path
from media_library.services.renditions import media_rendition_get_or_create

from ..files import make_jpeg
from ..files import make_mp4
from ..files import make_noisy_jpeg
from ..files import make_png

pytestmark = pytest.mark.django_db


def add(owner, path):
    with path.open("rb") as handle:
        return media_asset_create(owner=owner, upload=File(handle, name=path.name)).asset


def instagram_problems(asset):
    return media_rules_check(asset=asset, rules=media_rules_for("INSTAGRAM"), platform="Instagram")


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_media_rendition__instagram_fix_for_a_tall_png_is_a_jpeg_it_accepts(
    staff_user, tmp_path, request, backend
):
    if backend == "s3":
        request.getfixturevalue("s3_storage")
    source = add(staff_user, make_png(tmp_path / "tall.png", 540, 960, alpha=True))
    fix = media_rules_fix(instagram_problems(source))

    made = media_rendition_get_or_create(asset=source, recipe=fix, owner=staff_user)

    rendition = made.asset
    assert made.created
    assert (rendition.source, rendition.recipe) == (source, "crop=4:5..1.91:1;format=jpeg")
    assert (rendition.mime_type, rendition.width, rendition.height) == ("image/jpeg", 540, 675)
    assert instagram_problems(rendition) == []
    with media_asset_local_path(asset=rendition) as path, Image.open(path) as image:
        assert (image.format, image.size) == ("JPEG", (540, 675))


def test_media_rendition__asked_again_is_reused_not_made_again(staff_user, tmp_path):
    source = add(staff_user, make_png(tmp_path / "a.png", 400, 400))
    recipe = RenditionRecipe(format="jpeg")

    first = media_rendition_get_or_create(asset=source, recipe=recipe, owner=staff_user)
    second = media_rendition_get_or_create(asset=source, recipe=recipe, owner=staff_user)

    assert first.created and not second.created
    assert first.asset.pk == second.asset.pk
    assert MediaAsset.objects.filter(source=source).count() == 1


def test_media_rendition__strip_location_removes_gps_and_applies_rotation(staff_user, tmp_path):
    source = add(staff_user, make_jpeg(tmp_path / "trip.jpg", 800, 600, gps=True, orientation=6))

    rendition = media_rendition_get_or_create(
        asset=source, recipe=RenditionRecipe(strip_location=True), owner=staff_user
    ).asset

    assert source.has_location and not rendition.has_location
    with media_asset_local_path(asset=rendition) as path, Image.open(path) as image:
        exif = image.getexif()
        assert not exif.get_ifd(0x8825) and exif.get(0x0112) is None
        assert image.size == (600, 800)  # the rotation is in the pixels now


def test_media_rendition__byte_limit_is_met(staff_user, tmp_path):
    source = add(staff_user, make_noisy_jpeg(tmp_path / "noise.jpg", 1200, 900))
    assert source.size > 1_000_000

    rendition = media_rendition_get_or_create(
        asset=source, recipe=RenditionRecipe(max_bytes=1_000_000), owner=staff_user
    ).asset

    assert rendition.size <= 1_000_000
    assert media_rules_check(asset=rendition, rules=media_rules_for("BLUESKY"), platform="Bluesky") == []


def test_media_rendition__fixing_a_rendition_starts_again_from_the_original(staff_user, tmp_path):
    source = add(staff_user, make_png(tmp_path / "wide.png", 2000, 500))
    jpeg = media_rendition_get_or_create(
        asset=source, recipe=RenditionRecipe(format="jpeg"), owner=staff_user
    ).asset

    cropped = media_rendition_get_or_create(
        asset=jpeg, recipe=RenditionRecipe(max_aspect=AspectRatio(1.91, 1)), owner=staff_user
    ).asset

    assert cropped.source == source
    assert cropped.recipe == "crop=..1.91:1;format=jpeg"
    assert (cropped.width, cropped.height) == (955, 500)


def test_media_rendition__videos_have_none(staff_user, tmp_path):
    video = add(staff_user, make_mp4(tmp_path / "clip.mp4"))

    with pytest.raises(MediaError, match="is a video: videos have no automatic renditions yet"):
        media_rendition_get_or_create(asset=video, recipe=RenditionRecipe(max_bytes=10), owner=staff_user)
