"""Posts use assets; an asset used by a post that may still go out cannot be deleted, and the refusal lists
those posts. Everything else goes with the asset: renditions, uses by final posts, files."""

from __future__ import annotations

import pytest

from calendar_app.models import PostStatus
from media_library.errors import MediaError
from media_library.models import MediaAsset
from media_library.models import MediaUsage
from media_library.recipes import RenditionRecipe
from media_library.services.assets import MediaInUse
from media_library.services.assets import media_asset_delete
from media_library.services.renditions import media_rendition_get_or_create
from media_library.services.usage import MediaUse
from media_library.services.usage import media_usage_replace

from ..files import make_png
from ..posts import add_file
from ..posts import make_post

pytestmark = pytest.mark.django_db


def stored_files(root):
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def test_media_usage_replace__sets_the_posts_media_in_order_per_platform(staff_user, tmp_path):
    first = add_file(staff_user, make_png(tmp_path / "a.png", 100, 100))
    second = add_file(staff_user, make_png(tmp_path / "b.png", 120, 100))
    post = make_post(staff_user, PostStatus.DRAFT)

    media_usage_replace(post=post, uses=[MediaUse(second.pk), MediaUse(first.pk, alt_text="Close-up")])
    media_usage_replace(post=post, platform="INSTAGRAM", uses=[MediaUse(first.pk)])
    media_usage_replace(post=post, uses=[MediaUse(first.pk)])  # replaces the shared list only

    rows = [
        (usage.platform, usage.position, usage.asset_id) for usage in MediaUsage.objects.filter(post=post)
    ]
    assert rows == [("", 0, first.pk), ("INSTAGRAM", 0, first.pk)]


def test_media_usage_replace__an_asset_no_longer_there_is_refused(staff_user, tmp_path):
    asset = add_file(staff_user, make_png(tmp_path / "a.png"))
    post = make_post(staff_user, PostStatus.DRAFT)
    gone = asset.pk
    media_asset_delete(asset=asset)

    with pytest.raises(MediaError, match=f"Media asset {gone} is no longer in the library."):
        media_usage_replace(post=post, uses=[MediaUse(gone)])
    assert not MediaUsage.objects.exists()


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHING])
def test_media_asset_delete__refused_while_a_post_may_still_go_out(staff_user, tmp_path, status, media_root):
    asset = add_file(staff_user, make_png(tmp_path / "a.png"))
    post = make_post(staff_user, status, content="Spring sale")
    final = make_post(staff_user, PostStatus.PUBLISHED, content="Old news")
    for each in (post, final):
        media_usage_replace(post=each, uses=[MediaUse(asset.pk)])
    before = stored_files(media_root)

    with pytest.raises(MediaInUse) as refused:
        media_asset_delete(asset=asset)

    assert refused.value.posts == [post]
    assert str(refused.value) == (
        f"“a.png” is used by 1 post that may still be published: Post {post.pk}: Spring sale "
        f"({post.get_status_display().lower()}). Remove it from those posts first."
    )
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert stored_files(media_root) == before


def test_media_asset_delete__a_rendition_in_use_protects_its_source(staff_user, tmp_path):
    source = add_file(staff_user, make_png(tmp_path / "a.png"))
    rendition = media_rendition_get_or_create(
        asset=source, recipe=RenditionRecipe(format="jpeg"), owner=staff_user
    )
    first = make_post(staff_user, PostStatus.SCHEDULED, content="First")
    second = make_post(staff_user, PostStatus.DRAFT, content="Second")
    media_usage_replace(post=first, platform="INSTAGRAM", uses=[MediaUse(rendition.asset.pk)])
    media_usage_replace(post=second, uses=[MediaUse(source.pk)])

    with pytest.raises(MediaInUse) as refused:
        media_asset_delete(asset=source)

    assert refused.value.posts == [first, second]
    assert "is used by 2 posts that may still be published" in str(refused.value)


def test_media_asset_delete__removes_renditions_final_uses_and_every_file(
    staff_user, tmp_path, media_root, django_capture_on_commit_callbacks
):
    source = add_file(staff_user, make_png(tmp_path / "a.png"))
    rendition = media_rendition_get_or_create(
        asset=source, recipe=RenditionRecipe(format="jpeg"), owner=staff_user
    )
    for status in (
        PostStatus.PUBLISHED,
        PostStatus.FAILED,
        PostStatus.CANCELLED,
        PostStatus.PARTIALLY_PUBLISHED,
    ):
        media_usage_replace(post=make_post(staff_user, status), uses=[MediaUse(rendition.asset.pk)])
    assert len(stored_files(media_root)) == 4  # two files, two thumbnails

    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion is committed
        deleted = media_asset_delete(asset=source)

    assert deleted == 2
    assert not MediaAsset.objects.exists() and not MediaUsage.objects.exists()
    assert stored_files(media_root) == []
