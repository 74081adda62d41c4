"""Media-library assets as the clients read them: from the library's storage (local files and a real S3 API
on loopback), never from a URL; a storage that fails is a transient error, nothing sent."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from responses import matchers

from media_library.sources import AssetSource
from social.models import Platform
from social.platforms import ErrorKind
from social.platforms import MediaItem
from social.platforms import PublishPayload
from social.platforms.base.client import MediaSourceError
from social.platforms.base.client import media_item_from_metadata
from social.platforms.bluesky.client import BlueskyClient
from social.platforms.twitter.client import TwitterClient
from tests.media_library.conftest import media_root  # noqa: F401
from tests.media_library.conftest import s3_server  # noqa: F401
from tests.media_library.conftest import s3_storage  # noqa: F401
from tests.media_library.files import make_jpeg
from tests.media_library.files import make_png
from tests.media_library.posts import add_file

from ..helpers import payload
from ..helpers import publish_error

pytestmark = pytest.mark.django_db

X_API = "https://api.x.com"


@pytest.fixture(params=["local", "s3"])
def storage(request):
    """The library's storage: the file system under MEDIA_ROOT, or an S3 bucket on moto's server."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


def asset_item(asset, alt_text: str = "") -> MediaItem:
    """An asset item as the publisher hands it to a client: its source resolved beforehand."""
    return media_item_from_metadata({"asset": asset.pk, "alt_text": alt_text}).with_source(AssetSource(asset))


def test_media_item_from_metadata__url_and_asset_items():
    assert media_item_from_metadata({"url": "https://cdn.example.com/a.jpg", "type": "image"}) == MediaItem(
        url="https://cdn.example.com/a.jpg", type="image"
    )
    item = media_item_from_metadata({"asset": 12, "alt_text": "On stage"})
    assert (item.asset_id, item.url, item.alt_text, item.is_located, item.identity) == (
        12,
        "",
        "On stage",
        True,
        "asset:12",
    )
    assert not MediaItem(url="ftp://example.com/a.jpg").is_located
    with pytest.raises(ValueError, match="asset id"):
        media_item_from_metadata({"asset": "12"})
    sent = PublishPayload.for_platform(
        content="Hi", metadata={"platforms": {"BLUESKY": {"media": [{"asset": 3}]}}}, platform="BLUESKY"
    )
    assert [item.asset_id for item in sent.media] == [3]


def test_asset_source__reads_the_stored_file_in_exact_chunks(user, tmp_path, storage):
    path = make_png(tmp_path / "chart.png", 900, 700)
    asset = add_file(user, path, alt_text="A chart")
    source = AssetSource(asset)

    reader = source.open()
    try:
        chunks = list(reader.chunks(16 * 1024))
    finally:
        reader.close()

    assert b"".join(chunks) == path.read_bytes()
    assert {len(chunk) for chunk in chunks[:-1]} == {16 * 1024}
    assert (reader.total_bytes, source.size, source.content_type, source.kind) == (
        asset.size,
        asset.size,
        "image/png",
        "image",
    )
    item = asset_item(asset)
    assert (item.type, item.alt_text, item.source.asset_id) == ("image", "A chart", asset.pk)
    assert asset_item(asset, "This use's own").alt_text == "This use's own"


def test_asset_source__a_file_gone_from_storage_is_a_media_source_error(user, tmp_path):
    asset = add_file(user, make_png(tmp_path / "chart.png"))
    Path(asset.file.path).unlink()

    with pytest.raises(MediaSourceError, match=r"^Media storage: could not open library/"):
        AssetSource(asset).open()


def test_x__an_image_asset_is_uploaded_from_storage_without_any_download(
    make_account, user, tmp_path, storage, mocked
):
    path = make_jpeg(tmp_path / "photo.jpg", 640, 480)
    asset = add_file(user, path)
    client = TwitterClient(make_account(Platform.TWITTER, external_id="2244994945", username="janedoe"))
    upload = mocked.post(
        f"{X_API}/2/media/upload",
        match=[
            matchers.json_params_matcher(
                {
                    "media": base64.b64encode(path.read_bytes()).decode(),
                    "media_category": "tweet_image",
                }
            )
        ],
        json={"data": {"id": "710511363345354753", "media_key": "3_7105"}},
    )
    mocked.post(f"{X_API}/2/tweets", status=201, json={"data": {"id": "1880", "text": "Look"}})

    result = client.publish(payload("Look", asset_item(asset)))

    assert result.platform_post_id == "1880" and upload.call_count == 1
    assert json.loads(mocked.calls[-1].request.body)["media"] == {"media_ids": ["710511363345354753"]}
    assert [call.request.method for call in mocked.calls] == ["POST", "POST"]  # nothing was downloaded


def test_bluesky__an_image_asset_whose_file_is_gone_is_transient_and_nothing_is_sent(
    make_account,
    user,
    tmp_path,
    mocked,
):
    asset = add_file(user, make_png(tmp_path / "chart.png"))
    item = asset_item(asset)
    Path(asset.file.path).unlink()
    client = BlueskyClient(
        make_account(
            Platform.BLUESKY,
            external_id="did:plc:abc",
            handle="ana.bsky.social",
            pds_url="https://pds.example",
        )
    )

    error = publish_error(lambda: client.publish(payload("Chart", item)))

    assert error.kind == ErrorKind.TRANSIENT
    assert error.message.startswith(
        "image 1 cannot be read from the media library: Media storage: could not open"
    )
    assert len(mocked.calls) == 0
