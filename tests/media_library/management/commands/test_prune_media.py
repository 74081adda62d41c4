"""manage.py prune_media: what no post uses after N days goes, files and renditions with it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError
from django.core.management import call_command
from django.utils import timezone

from calendar_app.models import PostStatus
from media_library.models import MediaAsset
from media_library.recipes import RenditionRecipe
from media_library.services.renditions import media_rendition_get_or_create
from media_library.services.usage import MediaUse
from media_library.services.usage import media_usage_replace

from ...files import make_png
from ...posts import add_file
from ...posts import make_post

pytestmark = pytest.mark.django_db


def age(asset, days):
    MediaAsset.objects.filter(pk=asset.pk).update(created_at=timezone.now() - timedelta(days=days))


def prune(*args):
    out = StringIO()
    call_command("prune_media", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def library(staff_user, tmp_path):
    """An old unused asset with a rendition, an old one a published post uses, an old one whose rendition a
    draft uses, and a new unused one."""
    old_unused = add_file(staff_user, make_png(tmp_path / "old-unused.png", 100, 100))
    rendition = media_rendition_get_or_create(
        asset=old_unused, recipe=RenditionRecipe(format="jpeg"), owner=staff_user
    ).asset
    old_used = add_file(staff_user, make_png(tmp_path / "old-used.png", 110, 100))
    media_usage_replace(post=make_post(staff_user, PostStatus.PUBLISHED), uses=[MediaUse(old_used.pk)])
    old_rendition_used = add_file(staff_user, make_png(tmp_path / "old-rendition-used.png", 120, 100))
    used_rendition = media_rendition_get_or_create(
        asset=old_rendition_used, recipe=RenditionRecipe(format="jpeg"), owner=staff_user
    ).asset
    media_usage_replace(post=make_post(staff_user, PostStatus.DRAFT), uses=[MediaUse(used_rendition.pk)])
    new_unused = add_file(staff_user, make_png(tmp_path / "new-unused.png", 130, 100))
    for asset in (old_unused, rendition, old_used, old_rendition_used, used_rendition):
        age(asset, 40)
    return {"old_unused": old_unused, "rendition": rendition, "new_unused": new_unused}


def test_prune_media__removes_old_unused_assets_with_their_renditions_and_files(
    library, media_root, django_capture_on_commit_callbacks
):
    files_before = {path for path in media_root.rglob("*") if path.is_file()}
    old = library["old_unused"]
    gone_files = {media_root / old.file.name, media_root / old.thumbnail.name}
    gone_files |= {
        media_root / library["rendition"].file.name,
        media_root / library["rendition"].thumbnail.name,
    }

    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion is committed
        output = prune("--days", "30")

    assert output.startswith("Deleted 1 media asset unused for 30 days (")
    remaining = set(MediaAsset.objects.values_list("original_name", flat=True))
    assert remaining == {
        "old-used.png",
        "old-rendition-used.png",
        "old-rendition-used (rendition).jpg",
        "new-unused.png",
    }
    assert {path for path in media_root.rglob("*") if path.is_file()} == files_before - gone_files


def test_prune_media__dry_run_lists_and_keeps_everything(library):
    count = MediaAsset.objects.count()

    output = prune("--days", "30", "--dry-run")

    assert f"{library['old_unused'].pk}: old-unused.png" in output
    assert "Would delete 1 media asset unused for 30 days" in output
    assert MediaAsset.objects.count() == count


def test_prune_media__zero_days_takes_every_unused_asset(library):
    prune("--days", "0")

    assert set(MediaAsset.objects.values_list("original_name", flat=True)) == {
        "old-used.png",
        "old-rendition-used.png",
        "old-rendition-used (rendition).jpg",
    }


def test_prune_media__bad_days_is_one_line():
    with pytest.raises(CommandError, match=r"^--days must be 0 or more\.$"):
        call_command("prune_media", "--days", "-1")
