"""Public media URLs: signed, expiring, streamed with Range by the app, or presigned by S3; and the
reachability check run before a platform is told to fetch one."""

from __future__ import annotations

import time

import pytest
import requests
from django.core import signing
from django.core.files import File

from media_library.errors import MediaError
from media_library.services.assets import media_asset_create
from media_library.services.public_urls import SALT
from media_library.services.public_urls import MediaUnreachable
from media_library.services.public_urls import PublicUrlExpired
from media_library.services.public_urls import PublicUrlInvalid
from media_library.services.public_urls import media_asset_public_url
from media_library.services.public_urls import media_public_url_check
from media_library.services.public_urls import public_token_make
from media_library.services.public_urls import public_token_read

from .files import make_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://scheduler.example.com/"
    return settings


@pytest.fixture
def photo(staff_user, tmp_path):
    path = make_jpeg(tmp_path / "photo.jpg", 640, 480)
    with path.open("rb") as handle:
        asset = media_asset_create(owner=staff_user, upload=File(handle, name="photo.jpg")).asset
    return asset, path.read_bytes()


def local_path(url: str) -> str:
    return url.removeprefix("https://scheduler.example.com")


def test_media_asset_public_url__signed_url_serves_the_file_streamed_with_its_length(client, site, photo):
    asset, data = photo

    public = media_asset_public_url(asset=asset)

    assert public.url.startswith("https://scheduler.example.com/media-library/public/")
    assert public.url.endswith("/image.jpg")
    assert asset.file.name not in public.url and str(asset.pk) not in public.url.split("/")[-1]
    response = client.get(local_path(public.url))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == data


def test_public_media__head_gives_the_length_without_the_body(client, site, photo):
    asset, data = photo

    response = client.head(local_path(media_asset_public_url(asset=asset).url))

    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))
    assert response.content == b""


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-0", 0, 0), ("bytes=100-199", 100, 199), ("bytes=500-", 500, None), ("bytes=-64", -64, None)],
)
def test_public_media__one_byte_range_is_206_with_content_range(client, site, photo, header, first, last):
    asset, data = photo
    expected = data[first:] if last is None else data[first : last + 1]

    response = client.get(local_path(media_asset_public_url(asset=asset).url), HTTP_RANGE=header)

    assert response.status_code == 206
    start = first if first >= 0 else len(data) + first
    assert response["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/{len(data)}"
    assert response["Content-Length"] == str(len(expected))
    assert b"".join(response.streaming_content) == expected


def test_public_media__range_past_the_end_is_416(client, site, photo):
    asset, data = photo

    response = client.get(
        local_path(media_asset_public_url(asset=asset).url), HTTP_RANGE=f"bytes={len(data)}-"
    )

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_public_media__several_ranges_get_the_whole_file(client, site, photo):
    asset, data = photo

    response = client.get(local_path(media_asset_public_url(asset=asset).url), HTTP_RANGE="bytes=0-1,5-9")

    assert response.status_code == 200 and b"".join(response.streaming_content) == data


def test_public_media__expired_link_is_410(client, site, photo):
    asset, _ = photo
    token = public_token_make(asset=asset, expires=int(time.time()) - 1)

    response = client.get(f"/media-library/public/{token}/image.jpg")

    assert response.status_code == 410
    with pytest.raises(PublicUrlExpired):
        public_token_read(token)


def test_public_media__tampered_link_is_404(client, site, photo):
    asset, _ = photo
    token = public_token_make(asset=asset, expires=int(time.time()) + 3600)
    payload, _, signature = token.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    # A payload naming another time (a longer life) under the old signature.
    longer = signing.dumps([asset.uuid.hex, int(time.time()) + 10**6], salt=SALT, compress=False)
    forged = longer.rpartition(":")[0] + ":" + signature

    for bad in (
        f"{payload}:{flipped}",
        forged,
        "not-a-token",
        signing.dumps([asset.uuid.hex, 2**40], salt="other"),
    ):
        assert client.get(f"/media-library/public/{bad}/image.jpg").status_code == 404
        with pytest.raises(PublicUrlInvalid):
            public_token_read(bad)


def test_public_media__link_of_a_deleted_asset_is_404(client, site, photo):
    asset, _ = photo
    url = local_path(media_asset_public_url(asset=asset).url)
    asset.delete()

    assert client.get(url).status_code == 404


def test_public_media__only_get_and_head(client, site, photo):
    asset, _ = photo

    assert client.post(local_path(media_asset_public_url(asset=asset).url)).status_code == 405


def test_media_asset_public_url__lifetime_comes_from_the_setting(site, photo):
    asset, _ = photo
    site.MEDIA_PUBLIC_URL_SECONDS = 7200

    public = media_asset_public_url(asset=asset)

    token = public.url.split("/")[-2]
    assert public_token_read(token, now=time.time() + 7190) == asset.uuid
    with pytest.raises(PublicUrlExpired):
        public_token_read(token, now=time.time() + 7201)
    assert abs(public.expires_at.timestamp() - (time.time() + 7200)) < 5


def test_media_asset_public_url__without_site_url_says_what_to_set(settings, photo):
    settings.SITE_URL = ""
    asset, _ = photo

    with pytest.raises(MediaError, match=r"^SITE_URL is not set: platforms that fetch media by URL"):
        media_asset_public_url(asset=asset)


def test_media_asset_public_url__s3_is_presigned_and_fetchable(staff_user, tmp_path, s3_storage, settings):
    settings.SITE_URL = ""  # not needed on S3
    path = make_jpeg(tmp_path / "photo.jpg", 320, 200)
    with path.open("rb") as handle:
        asset = media_asset_create(owner=staff_user, upload=File(handle, name="photo.jpg")).asset

    public = media_asset_public_url(asset=asset, seconds=600)

    assert "X-Amz-Signature=" in public.url and "X-Amz-Expires=600" in public.url
    answer = requests.get(public.url, timeout=10)
    assert answer.status_code == 200 and answer.content == path.read_bytes()
    assert answer.headers["Content-Type"] == "image/jpeg"
    media_public_url_check(url=public.url, expected_size=asset.size)
    unsigned = public.url.split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code == 403  # the bucket itself is private


@pytest.mark.django_db(transaction=True)
def test_media_public_url_check__signed_url_through_a_real_server(live_server, settings, photo):
    settings.SITE_URL = live_server.url
    asset, data = photo
    url = media_asset_public_url(asset=asset).url

    media_public_url_check(url=url, expected_size=len(data))

    with pytest.raises(MediaUnreachable) as wrong_size:
        media_public_url_check(url=url, expected_size=len(data) + 1)
    host = live_server.url.split("//")[1]
    assert (
        str(wrong_size.value)
        == f"The media URL on {host} offers {len(data)} bytes, the file has {len(data) + 1}."
    )
    token = url.split("/")[-2]
    with pytest.raises(MediaUnreachable) as missing:
        media_public_url_check(url=url.replace(token, token[:-2] + "xx"), expected_size=len(data))
    assert str(missing.value) == f"The media URL on {host} answered 404, not the file."
    assert token not in str(missing.value)


def test_media_public_url_check__nothing_listening_is_one_line():
    with pytest.raises(
        MediaUnreachable, match=r"^The media URL on 127.0.0.1:9 cannot be reached \(ConnectionError\)\.$"
    ):
        media_public_url_check(url="http://127.0.0.1:9/media-library/public/x/image.jpg", expected_size=10)


def test_library_files__are_not_public(client, site, photo):
    asset, _ = photo

    for path in (
        f"/admin/media_library/mediaasset/{asset.pk}/file/",
        f"/admin/media_library/mediaasset/{asset.pk}/thumbnail/",
        f"/media/{asset.file.name}",
        f"/media-library/{asset.file.name}",
    ):
        response = client.get(path)
        assert response.status_code in {302, 404}, path
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"]
