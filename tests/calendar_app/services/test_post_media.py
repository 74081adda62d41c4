"""Posts using library assets (services/post_media.py through services/posts.py): checked against each chosen
account's media rules at save time, their MediaUsage rows kept in step, and a post whose asset was deleted
is never sent again. Real files, made in the test, through the real storage."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import post_input_check
from calendar_app.services.post_input import post_metadata_problems
from calendar_app.services.posts import post_account_send_again
from calendar_app.services.posts import post_create
from calendar_app.services.posts import post_duplicate
from calendar_app.services.posts import post_publish_now
from calendar_app.services.posts import post_retry_failed_accounts
from calendar_app.services.posts import post_update
from media_library.models import MediaUsage
from media_library.recipes import AspectRatio
from media_library.recipes import RenditionRecipe
from media_library.services.assets import MediaInUse
from media_library.services.assets import media_asset_delete
from media_library.services.renditions import media_rendition_get_or_create
from social.models import Platform
from social.platforms import MediaItem
from tests.media_library.conftest import media_root  # noqa: F401  (each test's own MEDIA_ROOT)
from tests.media_library.files import make_jpeg
from tests.media_library.files import make_mp4
from tests.media_library.files import make_png
from tests.media_library.posts import add_file

from ..factories import make_account
from ..factories import make_post
from ..factories import post_input

pytestmark = pytest.mark.django_db

CROP_TO_INSTAGRAM = RenditionRecipe(min_aspect=AspectRatio(4, 5), max_aspect=AspectRatio(1.91, 1))


@pytest.fixture
def story(user, tmp_path):
    """A tall phone photo: Instagram refuses its 9:16."""
    return add_file(user, make_jpeg(tmp_path / "story.jpg", 1080, 1920))


@pytest.fixture
def instagram(user):
    return make_account(user, platform=Platform.INSTAGRAM, extra={"page_id": "17"})


def uses(post: ScheduledPost) -> list[tuple[str, int, int, str]]:
    return list(post.media_usages.values_list("platform", "position", "asset_id", "alt_text"))


def test_post_create__a_tall_photo_for_instagram_is_refused_naming_the_rule_and_the_rendition(
    user, story, instagram
):
    with pytest.raises(ValidationError) as error:
        post_create(
            created_by=user,
            data=post_input(account_ids=(instagram.pk,), media=(MediaItem(asset_id=story.pk, type=""),)),
        )

    assert error.value.message_dict == {
        "media": [
            "Instagram: story.jpg: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1 — use its 4:5 rendition"
        ]
    }
    assert not ScheduledPost.objects.exists() and not MediaUsage.objects.exists()


def test_post_create__its_rendition_is_accepted_and_the_post_records_its_use(user, story, instagram):
    rendition = media_rendition_get_or_create(asset=story, recipe=CROP_TO_INSTAGRAM, owner=user).asset

    post = post_create(
        created_by=user,
        data=post_input(
            account_ids=(instagram.pk,),
            media=(MediaItem(asset_id=rendition.pk, type="", alt_text="The launch, on stage"),),
        ),
    )

    post.refresh_from_db()
    assert post.metadata == {
        "media": [{"asset": rendition.pk, "type": "image", "alt_text": "The launch, on stage"}]
    }
    assert uses(post) == [("", 0, rendition.pk, "The launch, on stage")]


def test_post_create__a_draft_keeps_the_problems_as_warnings(user, story, instagram):
    data = post_input(
        account_ids=(instagram.pk,), status=PostStatus.DRAFT, media=(MediaItem(asset_id=story.pk, type=""),)
    )

    check = post_input_check(data=data)
    post = post_create(created_by=user, data=data)

    assert check.errors == {}
    assert check.platform_problems == [
        "Instagram: story.jpg: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1 — use its 4:5 rendition"
    ]
    assert uses(post) == [("", 0, story.pk, "")]


def test_post_input_check__each_platform_gets_its_own_rules_and_the_asset_its_kind(user, tmp_path):
    png = add_file(user, make_png(tmp_path / "chart.png", 1200, 1200))
    video = add_file(user, make_mp4(tmp_path / "clip.mp4", seconds=2))
    x, youtube = make_account(user), make_account(user, platform=Platform.YOUTUBE)
    instagram = make_account(user, platform=Platform.INSTAGRAM)

    check = post_input_check(
        data=post_input(
            account_ids=(x.pk, instagram.pk, youtube.pk),
            media=(MediaItem(asset_id=png.pk, type=""),),
            platform_options={
                "YOUTUBE": {"title": "Clip", "media": [{"asset": video.pk}]},
                "TWITTER": {"media": [{"asset": png.pk}, {"asset": video.pk}]},
            },
        )
    )

    assert check.errors == {
        "media": ["Instagram: chart.png: PNG is not accepted (accepted: JPEG) — use its JPEG rendition"],
        # How many media, of which kinds together: the client's own check, for URL and library media alike.
        NON_FIELD_ERRORS: ["X: a GIF or a video must be the post's only media item"],
    }
    assert check.metadata["media"] == [{"asset": png.pk, "type": "image"}]
    assert check.metadata["platforms"]["YOUTUBE"]["media"] == [{"asset": video.pk, "type": "video"}]


def test_post_input_check__a_mastodon_account_follows_its_servers_limits(user, tmp_path):
    photo = add_file(user, make_jpeg(tmp_path / "big.jpg", 800, 600))
    small = make_account(
        user,
        platform=Platform.MASTODON,
        name="@ana@small.example",
        extra={
            "server_url": "https://small.example",
            "instance": {"image_size_limit": 1000, "fetched_at": timezone.now().isoformat()},
        },
    )

    check = post_input_check(
        data=post_input(account_ids=(small.pk,), media=(MediaItem(asset_id=photo.pk, type=""),))
    )

    assert check.errors["media"] == [
        f"Mastodon: big.jpg: the image is {filesizeformat(photo.size)} ({photo.size:,} bytes), the limit is "
        "1000\xa0bytes (1,000 bytes) — use its compressed rendition"
    ]


def test_post_update__keeps_the_uses_in_step_shared_and_per_platform(user, story, instagram, tmp_path):
    x = make_account(user)
    square = add_file(user, make_jpeg(tmp_path / "square.jpg", 1080, 1080))
    post = post_create(
        created_by=user,
        data=post_input(account_ids=(x.pk,), media=(MediaItem(asset_id=story.pk, type=""),)),
    )

    post_update(
        post_id=post.pk,
        data=post_input(
            account_ids=(x.pk, instagram.pk),
            media=(MediaItem(asset_id=story.pk, type="", alt_text="On stage"),),
            platform_options={"INSTAGRAM": {"media": [{"asset": square.pk, "alt_text": "Square"}]}},
        ),
    )
    assert sorted(uses(post)) == [("", 0, story.pk, "On stage"), ("INSTAGRAM", 0, square.pk, "Square")]

    post_update(post_id=post.pk, data=post_input(account_ids=(x.pk,), content="Text only now"))
    assert uses(post) == []


def test_post_duplicate__the_copy_uses_the_same_assets(user, story, tmp_path):
    x = make_account(user)
    post = post_create(
        created_by=user,
        data=post_input(account_ids=(x.pk,), media=(MediaItem(asset_id=story.pk, type="", alt_text="A"),)),
    )

    copy = post_duplicate(post_id=post.pk, created_by=user)

    assert uses(copy) == [("", 0, story.pk, "A")]


def test_media_asset_delete__refused_while_a_scheduled_post_uses_it(user, story):
    x = make_account(user)
    post = post_create(
        created_by=user,
        data=post_input(account_ids=(x.pk,), media=(MediaItem(asset_id=story.pk, type=""),)),
    )

    with pytest.raises(MediaInUse) as refused:
        media_asset_delete(asset=story)

    assert refused.value.posts == [post]
    assert str(refused.value).startswith("“story.jpg” is used by 1 post that may still be published: ")


def post_whose_asset_is_gone(user, asset, *, status: str, account_status: str) -> ScheduledPost:
    """A post that ended (or was cancelled) used ``asset``; such posts do not hold their media, so the
    asset was deleted."""
    post = make_post(
        user,
        accounts={make_account(user): account_status},
        status=status,
        metadata={"media": [{"asset": asset.pk, "type": "image"}]},
    )
    MediaUsage.objects.create(post=post, asset=asset)
    media_asset_delete(asset=asset)
    return post


@pytest.fixture
def failed_post_whose_asset_is_gone(user, story):
    return post_whose_asset_is_gone(
        user, story, status=PostStatus.FAILED, account_status=AccountStatus.FAILED
    )


def test_post_retry_failed_accounts__refused_once_its_asset_was_deleted(failed_post_whose_asset_is_gone):
    post = failed_post_whose_asset_is_gone

    with pytest.raises(ValidationError) as refused:
        post_retry_failed_accounts(post_id=post.pk)

    assert refused.value.messages == [
        f"{post} uses media asset {post.metadata['media'][0]['asset']}, no longer in the media library (it was "
        "deleted), so it cannot be sent. Choose other media: edit the post, or duplicate it as a new draft if "
        "it can no longer be changed."
    ]
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


def test_post_publish_now__a_cancelled_post_whose_asset_was_deleted_is_refused(user, story):
    post = post_whose_asset_is_gone(
        user, story, status=PostStatus.CANCELLED, account_status=AccountStatus.PENDING
    )
    x = post.post_accounts.get().account

    with pytest.raises(ValidationError, match="no longer in the media library"):
        post_publish_now(post_id=post.pk)
    with pytest.raises(ValidationError) as rescheduled:
        post_update(
            post_id=post.pk,
            data=post_input(account_ids=(x.pk,), extra_metadata={"media": [{"asset": story.pk}]}),
        )
    assert rescheduled.value.message_dict["media"] == [
        f"Media asset {story.pk} is no longer in the media library (it was deleted); remove it from the post "
        "or choose other media."
    ]


def test_post_account_send_again__refused_once_its_asset_was_deleted(user, story):
    post = post_whose_asset_is_gone(
        user, story, status=PostStatus.FAILED, account_status=AccountStatus.NEEDS_REVIEW
    )

    with pytest.raises(ValidationError, match="no longer in the media library"):
        post_account_send_again(post_account_id=post.post_accounts.get().pk)


def test_post_duplicate__of_a_post_whose_asset_was_deleted_keeps_naming_it_for_its_author(
    failed_post_whose_asset_is_gone, user
):
    copy = post_duplicate(post_id=failed_post_whose_asset_is_gone.pk, created_by=user)

    assert copy.status == PostStatus.DRAFT
    assert copy.metadata == failed_post_whose_asset_is_gone.metadata
    assert uses(copy) == []
    with pytest.raises(ValidationError, match="no longer in the media library"):
        post_publish_now(post_id=copy.pk)


def test_post_metadata_problems__asset_items_are_checked_too():
    assert post_metadata_problems(
        {
            "media": [{"asset": "12"}, {"asset": 3, "url": "https://cdn.example.com/a.jpg"}, {"asset": 4}],
            "platforms": {"INSTAGRAM": {"media": [{"asset": True, "alt_text": 5}]}},
        }
    ) == [
        'media item 1: "asset" must be a media library asset id (a number).',
        'media item 2 has both an "asset" and a "url"; keep one.',
        '"platforms".INSTAGRAM.media item 1: "asset" must be a media library asset id (a number).',
        '"platforms".INSTAGRAM.media item 1: alt_text must be text.',
    ]


def test_post_input_check__url_media_need_no_query_for_assets(user, django_assert_num_queries):
    x = make_account(user)
    data = post_input(account_ids=(x.pk,), media=(MediaItem(url="https://cdn.example.com/a.jpg"),))
    post_input_check(data=data)  # warm caches

    with django_assert_num_queries(1):  # the accounts
        check = post_input_check(data=data)

    assert check.errors == {} and check.metadata == {
        "media": [{"url": "https://cdn.example.com/a.jpg", "type": "image"}]
    }
