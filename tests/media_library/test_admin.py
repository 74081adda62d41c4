"""The library in the admin: the library page, the upload endpoint (several files, CSRF, staff only), an
asset's page with each platform's verdict and its fix, files for staff only, and the refused delete."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from calendar_app.models import PostStatus
from media_library.models import MediaAsset
from media_library.services.usage import MediaUse
from media_library.services.usage import media_usage_replace

from .files import make_gif
from .files import make_jpeg
from .files import make_mp4
from .files import make_png
from .posts import add_file
from .posts import make_post

pytestmark = pytest.mark.django_db

LIBRARY = "/admin/media_library/mediaasset/"
UPLOAD = "/admin/media_library/mediaasset/upload/"


def test_library_page__offers_the_drop_zone_to_staff(staff_client):
    response = staff_client.get(LIBRARY)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="media-dropzone"' in page and f'data-upload-url="{UPLOAD}"' in page
    assert 'type="file" id="media-file-input" name="files" multiple' in page
    assert "media_library/upload.js" in page


def test_library_page__is_for_staff_only(client, django_user_model):
    assert client.get(LIBRARY).status_code == 302
    client.force_login(django_user_model.objects.create_user("reader", password="pw-reader-1"))
    assert client.get(LIBRARY).status_code == 302  # the admin's login page for non-staff


def test_upload__several_files_at_once_become_assets(staff_client, tmp_path):
    png, jpeg, video = (
        make_png(tmp_path / "a.png"),
        make_jpeg(tmp_path / "b.jpg", 1080, 1920),
        make_mp4(tmp_path / "c.mp4"),
    )

    with png.open("rb") as one, jpeg.open("rb") as two, video.open("rb") as three:
        response = staff_client.post(UPLOAD, {"files": [one, two, three]})

    assert response.status_code == 200
    answer = response.json()
    assert answer["errors"] == []
    assert [(item["name"], item["kind"], item["existing"]) for item in answer["assets"]] == [
        ("a.png", "image", False),
        ("b.jpg", "image", False),
        ("c.mp4", "video", False),
    ]
    tall = answer["assets"][1]
    assert tall["platforms"]["Instagram"] == ["Instagram: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1"]
    assert tall["platforms"]["X"] == []
    assert "YouTube" not in tall["platforms"]  # it takes no images at all: not the file's problem
    assert tall["thumbnail_url"] == reverse("admin:media_library_mediaasset_thumbnail", args=[tall["id"]])
    assert MediaAsset.objects.count() == 3


def test_upload__a_bad_file_is_an_error_naming_it_and_the_others_are_kept(staff_client, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a picture\n" * 50)
    png = make_png(tmp_path / "a.png")

    with text.open("rb") as one, png.open("rb") as two:
        response = staff_client.post(UPLOAD, {"files": [one, two]})

    answer = response.json()
    assert response.status_code == 200
    assert [item["name"] for item in answer["assets"]] == ["a.png"]
    assert answer["errors"][0]["name"] == "notes.txt"
    assert answer["errors"][0]["error"].startswith("notes.txt: not an image or video this site can read")


def test_upload__over_the_size_limit_is_refused_by_name(staff_client, tmp_path, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    big = make_png(tmp_path / "big.png", 400, 400)
    assert big.stat().st_size > 1000

    with big.open("rb") as handle:
        response = staff_client.post(UPLOAD, {"files": [handle]})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"name": "big.png", "error": "big.png: larger than the 1,000-byte upload limit"}
    ]
    assert not MediaAsset.objects.exists()


def test_upload__needs_the_csrf_token(staff_user, tmp_path):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    png = make_png(tmp_path / "a.png")

    with png.open("rb") as handle:
        refused = browser.post(UPLOAD, {"files": [handle]})
    browser.get(LIBRARY)  # sets the CSRF cookie, as the page does for its script
    token = browser.cookies["csrftoken"].value
    with png.open("rb") as handle:
        accepted = browser.post(UPLOAD, {"files": [handle]}, HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 200 and len(accepted.json()["assets"]) == 1


def test_upload__is_for_staff_only(client, tmp_path):
    with make_png(tmp_path / "a.png").open("rb") as handle:
        response = client.post(UPLOAD, {"files": [handle]})

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not MediaAsset.objects.exists()


def test_upload__nothing_sent_is_a_400(staff_client):
    response = staff_client.post(UPLOAD, {})

    assert response.status_code == 400
    assert response.json()["errors"][0]["error"].startswith("No file received")


def test_asset_page__shows_each_platforms_verdict_and_offers_the_fix(staff_client, staff_user, tmp_path):
    asset = add_file(staff_user, make_png(tmp_path / "tall.png", 540, 960))

    page = staff_client.get(f"{LIBRARY}{asset.pk}/change/").content.decode()

    assert "Instagram: PNG is not accepted (accepted: JPEG)" in page
    assert "Instagram: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1" in page
    assert 'value="crop=4:5..1.91:1;format=jpeg"' in page
    assert (
        "Make a rendition: crop (centred) to an aspect ratio between 4:5 and 1.91:1, convert to JPEG" in page
    )
    assert "YouTube: images are not accepted (it takes videos)" in page


def test_asset_page__accepting_the_fix_makes_the_rendition_once(staff_client, staff_user, tmp_path):
    asset = add_file(staff_user, make_png(tmp_path / "tall.png", 540, 960))
    url = reverse("admin:media_library_mediaasset_rendition", args=[asset.pk])

    first = staff_client.post(url, {"recipe": "crop=4:5..1.91:1;format=jpeg"}, follow=True)
    second = staff_client.post(url, {"recipe": "crop=4:5..1.91:1;format=jpeg"}, follow=True)

    rendition = MediaAsset.objects.get(source=asset)
    assert first.redirect_chain[-1][0] == f"{LIBRARY}{rendition.pk}/change/"
    assert "Made rendition “tall (rendition).jpg (crop=4:5..1.91:1;format=jpeg)”" in first.content.decode()
    assert "Reusing the existing rendition" in second.content.decode()
    assert (rendition.width, rendition.height, rendition.mime_type) == (540, 675, "image/jpeg")
    assert "Instagram</td>\n        <td>Accepted" in first.content.decode()


def test_asset_page__a_bad_recipe_is_a_message_not_an_error(staff_client, staff_user, tmp_path):
    asset = add_file(staff_user, make_png(tmp_path / "a.png"))

    response = staff_client.post(
        reverse("admin:media_library_mediaasset_rendition", args=[asset.pk]),
        {"recipe": "sharpen=9"},
        follow=True,
    )

    assert "That rendition recipe is not valid." in response.content.decode()
    assert not MediaAsset.objects.filter(source=asset).exists()


def test_asset_page__alt_text_is_editable(staff_client, staff_user, tmp_path):
    asset = add_file(staff_user, make_png(tmp_path / "a.png"))

    staff_client.post(f"{LIBRARY}{asset.pk}/change/", {"alt_text": "A blue square"})

    asset.refresh_from_db()
    assert asset.alt_text == "A blue square"


def test_file_views__stream_to_staff(staff_client, staff_user, tmp_path):
    source = make_jpeg(tmp_path / "a.jpg", 640, 480)
    asset = add_file(staff_user, source)

    original = staff_client.get(reverse("admin:media_library_mediaasset_file", args=[asset.pk]))
    thumbnail = staff_client.get(reverse("admin:media_library_mediaasset_thumbnail", args=[asset.pk]))

    assert b"".join(original.streaming_content) == source.read_bytes()
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert b"".join(thumbnail.streaming_content).startswith(b"\xff\xd8")


def test_library_list__shows_thumbnails_for_images_videos_and_gifs(staff_client, staff_user, tmp_path):
    for path in (make_png(tmp_path / "a.png"), make_mp4(tmp_path / "b.mp4"), make_gif(tmp_path / "c.gif")):
        add_file(staff_user, path)

    page = staff_client.get(LIBRARY).content.decode()

    assert page.count('class="media-thumb"') == 3


def test_delete__refused_with_the_posts_that_may_still_go_out(staff_client, staff_user, tmp_path):
    asset = add_file(staff_user, make_png(tmp_path / "a.png"))
    scheduled = make_post(staff_user, PostStatus.SCHEDULED, content="Spring sale")
    media_usage_replace(post=scheduled, uses=[MediaUse(asset.pk)])
    delete_url = f"{LIBRARY}{asset.pk}/delete/"

    page = staff_client.get(delete_url).content.decode()
    posted = staff_client.post(delete_url, {"post": "yes"})

    assert "cannot be deleted: posts that may still be published use it" in page
    post_url = reverse("admin:calendar_app_scheduledpost_change", args=[scheduled.pk])
    assert f'<a href="{post_url}">Post {scheduled.pk}: Spring sale</a> (Scheduled)' in page
    assert 'name="post" value="yes"' not in page  # no confirm button
    assert posted.status_code == 200 and MediaAsset.objects.filter(pk=asset.pk).exists()


def test_delete__allowed_when_only_final_posts_use_it(staff_client, staff_user, tmp_path):
    asset = add_file(staff_user, make_png(tmp_path / "a.png"))
    media_usage_replace(post=make_post(staff_user, PostStatus.PUBLISHED), uses=[MediaUse(asset.pk)])

    response = staff_client.post(f"{LIBRARY}{asset.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not MediaAsset.objects.exists()


def test_delete_selected__refused_with_the_list(staff_client, staff_user, tmp_path):
    used = add_file(staff_user, make_png(tmp_path / "a.png", 100, 100))
    free = add_file(staff_user, make_png(tmp_path / "b.png", 120, 100))
    draft = make_post(staff_user, PostStatus.DRAFT, content="Draft idea")
    media_usage_replace(post=draft, uses=[MediaUse(used.pk)])

    response = staff_client.post(
        LIBRARY, {"action": "delete_selected", "_selected_action": [used.pk, free.pk], "post": "yes"}
    )

    page = response.content.decode()
    assert "The selected media cannot be deleted" in page and f"Post {draft.pk}: Draft idea" in page
    assert MediaAsset.objects.count() == 2
