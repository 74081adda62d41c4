"""The post form's media picker in the admin: library assets picked for the post and per platform, each with
its own alt text, checked against every chosen account when saved; the form shows the assets it uses."""

from __future__ import annotations

import json
import re

import pytest

from calendar_app.forms import split_metadata
from calendar_app.models import ScheduledPost
from media_library.models import MediaUsage
from media_library.recipes import AspectRatio
from media_library.recipes import RenditionRecipe
from media_library.services.renditions import media_rendition_get_or_create
from social.models import Platform
from social.platforms import platform_specs
from tests.media_library.conftest import media_root  # noqa: F401  (each test's own MEDIA_ROOT)
from tests.media_library.files import make_jpeg
from tests.media_library.files import make_mp4
from tests.media_library.posts import add_file

from ..factories import make_account
from .pages import ADD
from .pages import add_form_errors
from .pages import change_url
from .pages import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(staff_user, tmp_path):
    return add_file(staff_user, make_jpeg(tmp_path / "story.jpg", 1080, 1920), alt_text="Backstage")


def picked(*uses) -> str:
    return json.dumps([{"asset": asset.pk, "alt_text": alt_text} for asset, alt_text in uses])


def initial_cards(page: str, field: str) -> list:
    found = re.search(rf'<script id="id_{field}-initial" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_add_page__offers_the_picker_for_the_post_and_each_platform(staff_client):
    page = staff_client.get(ADD).content.decode()

    with_media = [spec.slug for spec in platform_specs() if spec.limits.media is not None]
    assert {"twitter", "facebook", "instagram", "linkedin", "youtube", "mastodon", "bluesky"} <= set(
        with_media
    )
    assert page.count("data-media-picker") == 1 + len(with_media)  # the post's, and one per platform
    for platform in with_media:
        assert f'name="{platform}_library_media"' in page
    assert 'data-picker-url="/admin/media_library/mediaasset/picker/"' in page
    assert 'data-upload-url="/admin/media_library/mediaasset/upload/"' in page
    assert "media_library/picker.js" in page and "media_library/upload.js" in page


def test_add__a_tall_photo_for_instagram_is_refused_on_the_picker_naming_the_rule(
    staff_client, staff_user, story
):
    instagram = make_account(staff_user, platform=Platform.INSTAGRAM)

    response = staff_client.post(
        ADD, form_data(social_accounts=[instagram.pk], library_media=picked((story, "")))
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["library_media"] == [
        "Instagram: story.jpg: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1 — use its 4:5 rendition"
    ]
    assert not ScheduledPost.objects.exists()
    # The picker comes back with what was picked.
    assert [use["asset"] for use in initial_cards(response.content.decode(), "library_media")] == [story.pk]


def test_add__the_rendition_and_per_platform_media_are_saved_with_their_alt_text(
    staff_client, staff_user, story, tmp_path
):
    instagram, youtube = (
        make_account(staff_user, platform=Platform.INSTAGRAM),
        make_account(staff_user, platform=Platform.YOUTUBE),
    )
    crop = RenditionRecipe(min_aspect=AspectRatio(4, 5), max_aspect=AspectRatio(1.91, 1))
    rendition = media_rendition_get_or_create(asset=story, recipe=crop, owner=staff_user).asset
    clip = add_file(staff_user, make_mp4(tmp_path / "clip.mp4"))

    response = staff_client.post(
        ADD,
        form_data(
            social_accounts=[instagram.pk, youtube.pk],
            library_media=picked((rendition, "The band, backstage")),
            youtube_library_media=picked((clip, "")),
            youtube_title="Backstage",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    post = ScheduledPost.objects.get()
    assert post.metadata == {
        "media": [{"asset": rendition.pk, "type": "image", "alt_text": "The band, backstage"}],
        "platforms": {"YOUTUBE": {"title": "Backstage", "media": [{"asset": clip.pk, "type": "video"}]}},
    }
    assert sorted(MediaUsage.objects.values_list("platform", "asset_id", "alt_text")) == [
        ("", rendition.pk, "The band, backstage"),
        ("YOUTUBE", clip.pk, ""),
    ]

    page = staff_client.get(change_url(post)).content.decode()
    [use] = initial_cards(page, "library_media")
    assert (use["asset"], use["alt_text"], use["card"]["original_name"]) == (
        rendition.pk,
        "The band, backstage",
        "story (rendition).jpg",
    )
    assert use["card"]["rendition_of"] == "story.jpg" and use["card"]["thumbnail_url"].endswith("/thumbnail/")
    assert [item["asset"] for item in initial_cards(page, "youtube_library_media")] == [clip.pk]


def test_add__a_picker_value_that_is_not_a_list_of_assets_is_refused(staff_client, staff_user):
    errors = add_form_errors(staff_client, staff_user, library_media='[{"asset": "7"}]')

    assert errors["library_media"] == [
        "The media picked could not be read; reload the page (at most 20 media)."
    ]


def test_change_page__a_deleted_asset_shows_as_missing(staff_client, staff_user):
    x = make_account(staff_user)
    post = ScheduledPost.objects.create(
        content="Old",
        metadata={"media": [{"asset": 999, "type": "image"}]},
        scheduled_at="2030-07-01T07:30:00Z",
        status="CANCELLED",
        created_by=staff_user,
    )
    post.post_accounts.create(account=x)

    page = staff_client.get(change_url(post)).content.decode()

    assert initial_cards(page, "library_media") == [{"asset": 999, "alt_text": "", "card": None}]


def test_split_metadata__library_media_go_to_the_pickers_and_urls_to_the_rows():
    fields, advanced = split_metadata(
        {
            "media": [
                {"asset": 3, "type": "image", "alt_text": "A"},
                {"url": "https://cdn.example.com/b.jpg", "type": "image"},
            ],
            "platforms": {
                "INSTAGRAM": {"media": [{"asset": 4, "type": "image"}]},
                "TWITTER": {"media": [{"asset": 5}, {"url": "https://cdn.example.com/c.jpg"}]},
            },
        }
    )

    assert fields["library_media"] == [{"asset": 3, "alt_text": "A"}]
    assert fields["media_1_url"] == "https://cdn.example.com/b.jpg"
    assert fields["instagram_library_media"] == [{"asset": 4, "alt_text": ""}]
    # A platform's own list mixing assets and addresses stays in the advanced JSON, as it is.
    assert advanced == {
        "platforms": {"TWITTER": {"media": [{"asset": 5}, {"url": "https://cdn.example.com/c.jpg"}]}}
    }
    # An address before an asset cannot be shown in that order by the form: all of it stays advanced.
    _, mixed = split_metadata({"media": [{"url": "https://cdn.example.com/b.jpg"}, {"asset": 3}]})
    assert mixed == {"media": [{"url": "https://cdn.example.com/b.jpg"}, {"asset": 3}]}
