"""Media through the API: uploads streamed to a temporary file, listed, read, deleted unless in use."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile

from calendar_app.models import PostStatus
from media_library.models import MediaAsset
from media_library.models import MediaUsage
from tests.media_library.files import make_png

from .conftest import ApiClient
from .conftest import assert_problem
from .conftest import future
from .conftest import grant
from .conftest import make_account
from .conftest import make_post
from .conftest import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.FILE_UPLOAD_TEMP_DIR = None


@pytest.fixture
def librarian(author):
    return grant(author, "add_mediaasset", "view_mediaasset", "delete_mediaasset")


@pytest.fixture
def media_api(librarian):
    return ApiClient(make_token(librarian))


def _upload(client, path, **fields):
    with path.open("rb") as handle:
        return client.upload("/api/v1/media", {"file": handle, **fields})


def test_media_upload__streamed_to_a_temporary_file_then_stored(media_api, tmp_path, monkeypatch):
    from api.endpoints import media

    seen = []
    real = media.media_asset_create

    def spy(*, owner, upload, **kwargs):
        seen.append(type(upload))
        return real(owner=owner, upload=upload, **kwargs)

    monkeypatch.setattr(media, "media_asset_create", spy)
    response = _upload(media_api, make_png(tmp_path / "cat.png", 320, 200), alt_text="A cat")
    assert response.status_code == 201, response.content
    assert seen == [TemporaryUploadedFile]  # even a small file goes to disk, never into memory
    body = response.json()
    assert (body["kind"], body["width"], body["height"], body["alt_text"]) == ("image", 320, 200, "A cat")
    assert response["Location"] == f"/api/v1/media/{body['id']}"
    again = _upload(media_api, tmp_path / "cat.png")
    assert again.status_code == 200 and again.json()["existing"] is True and again.json()["id"] == body["id"]


def test_media_upload__too_large_413_missing_and_bad_file_422(media_api, tmp_path, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    assert_problem(_upload(media_api, make_png(tmp_path / "big.png", 400, 400)), 413)
    settings.MEDIA_MAX_UPLOAD_BYTES = 10**9
    assert_problem(media_api.upload("/api/v1/media", {"alt_text": "x"}), 422)
    (tmp_path / "notes.png").write_bytes(b"not an image at all")
    body = assert_problem(_upload(media_api, tmp_path / "notes.png"), 422)
    assert body["errors"][0]["field"] == "file"
    assert not MediaAsset.objects.exists()


def test_media_read_list_public_url_and_delete_refused_in_use(media_api, librarian, tmp_path, settings):
    settings.SITE_URL = "https://scheduler.example.com"
    asset_id = _upload(media_api, make_png(tmp_path / "a.png")).json()["id"]
    assert [item["id"] for item in media_api.get("/api/v1/media").json()["items"]] == [asset_id]
    post = make_post(librarian, [make_account(librarian)], status=PostStatus.SCHEDULED)
    MediaUsage.objects.create(post=post, asset_id=asset_id, position=0)
    read = media_api.get(f"/api/v1/media/{asset_id}").json()
    assert read["used_by"] == [{"post": post.pk, "platform": ""}]
    assert {verdict["platform"] for verdict in read["platforms"]} >= {"INSTAGRAM"}
    public = media_api.get(f"/api/v1/media/{asset_id}/public-url").json()
    assert public["url"].startswith("https://scheduler.example.com/") and "+00:00" in public["expires_at"]
    assert_problem(media_api.delete(f"/api/v1/media/{asset_id}"), 409, slug="in-use")
    post.status = PostStatus.CANCELLED
    post.save()
    assert media_api.delete(f"/api/v1/media/{asset_id}").status_code == 204
    assert not MediaAsset.objects.exists()


def test_media_needs_library_permissions(api, author, tmp_path):
    assert api.get("/api/v1/media").json()["items"] == []
    assert_problem(api.get("/api/v1/media/1"), 404)


def test_post_with_a_hidden_asset_is_refused_by_field(api, author):
    account = make_account(author)
    body = assert_problem(
        api.post(
            "/api/v1/posts", {"accounts": [account.pk], "scheduled_at": future(), "media": [{"asset": 123}]}
        ),
        422,
    )
    assert body["errors"] == [
        {"field": "media", "message": "media[0].asset: media asset 123 does not exist."}
    ]


def test_post_with_an_asset_passes_it_through_to_the_post(media_api, librarian, tmp_path):
    asset_id = _upload(media_api, make_png(tmp_path / "a.png")).json()["id"]
    account = make_account(librarian)
    response = media_api.create_post(
        account, text="pic", scheduled_at=future(), media=[{"asset": asset_id, "alt_text": "A"}]
    )
    assert response.status_code == 201, response.content
    assert response.json()["media"] == [{"asset": asset_id, "type": "image", "alt_text": "A"}]


def test_media_upload__alt_text_with_a_nul_character_is_refused_not_a_500(media_api, tmp_path):
    # PostgreSQL stores no U+0000; found by looking for what the schema fuzzer found on posts.
    response = _upload(media_api, make_png(tmp_path / "cat.png", 32, 20), alt_text="a\x00b")
    problem = assert_problem(response, 422)
    assert "alt_text" in problem["detail"] and "NUL" in problem["detail"]
    assert not MediaAsset.objects.exists()
