"""Adding files to the library and reading them back, on the file system and on S3 (moto's server)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile

from media_library.errors import MediaError
from media_library.models import MediaAsset
from media_library.probing import ProbeError
from media_library.services.assets import media_asset_create
from media_library.services.assets import media_asset_local_path
from media_library.services.assets import media_asset_open
from media_library.storage import MediaStorageError

from ..files import make_gif
from ..files import make_jpeg
from ..files import make_mp4
from ..files import make_png

pytestmark = pytest.mark.django_db

BACKENDS = ["local", "s3"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


def add(owner, path, **kwargs):
    with path.open("rb") as handle:
        return media_asset_create(owner=owner, upload=File(handle, name=path.name), **kwargs)


def test_media_asset_create__png_is_described_stored_and_read_back(staff_user, tmp_path, backend):
    source = make_png(tmp_path / "chart.png", 640, 480)

    created = add(staff_user, source, alt_text="A chart")

    asset = MediaAsset.objects.get(pk=created.asset.pk)
    assert not created.existing
    assert (asset.kind, asset.mime_type, asset.width, asset.height) == ("image", "image/png", 640, 480)
    assert asset.size == source.stat().st_size
    assert asset.checksum == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (asset.original_name, asset.alt_text, asset.owner) == ("chart.png", "A chart", staff_user)
    assert asset.file.name.startswith("library/") and asset.file.name.endswith(".png")
    assert "chart" not in asset.file.name  # storage names are not derived from what people called them
    assert asset.thumbnail.name.startswith("thumbnails/")
    with media_asset_open(asset=asset) as reader:
        assert (reader.size, reader.content_type) == (asset.size, "image/png")
        assert b"".join(reader.chunks(4096)) == source.read_bytes()


def test_media_asset_create__jpeg_exif_gps_and_rotation_are_read(staff_user, tmp_path, backend):
    source = make_jpeg(tmp_path / "holiday.jpg", 800, 600, gps=True, orientation=6)

    asset = add(staff_user, source).asset

    # Orientation 6 turns the picture a quarter: people see it 600 wide and 800 high.
    assert (asset.width, asset.height, asset.exif_orientation) == (600, 800, 6)
    assert asset.has_location is True
    assert asset.mime_type == "image/jpeg"


def test_media_asset_create__mp4_gets_duration_codecs_and_a_thumbnail(staff_user, tmp_path, backend):
    source = make_mp4(tmp_path / "clip.mp4", seconds=2, width=320, height=240)

    asset = add(staff_user, source).asset

    assert (asset.kind, asset.mime_type, asset.width, asset.height) == ("video", "video/mp4", 320, 240)
    assert asset.duration == pytest.approx(2.0, abs=0.1)
    assert (asset.video_codec, asset.audio_codec) == ("h264", "aac")
    assert "mp4" in asset.container and asset.bitrate > 0
    assert asset.thumbnail.name  # a frame, by ffmpeg


def test_media_asset_create__animated_gif_is_a_gif_with_duration(staff_user, tmp_path):
    asset = add(staff_user, make_gif(tmp_path / "loop.gif", frames=5)).asset

    assert (asset.kind, asset.mime_type, asset.width, asset.height) == ("gif", "image/gif", 120, 90)
    assert asset.duration == pytest.approx(0.5, abs=0.05)


def test_media_asset_create__same_bytes_again_is_the_same_asset(staff_user, tmp_path, backend):
    source = make_png(tmp_path / "a.png")
    first = add(staff_user, source)
    copy = tmp_path / "renamed.png"
    copy.write_bytes(source.read_bytes())

    again = add(staff_user, copy)

    assert again.existing and again.asset.pk == first.asset.pk
    assert MediaAsset.objects.count() == 1


def test_media_asset_create__a_file_that_is_no_media_is_refused_and_nothing_stored(
    staff_user, tmp_path, media_root
):
    upload = SimpleUploadedFile("notes.txt", b"just some text, not a picture\n" * 20)

    with pytest.raises(ProbeError, match=r"^notes.txt: not an image or video this site can read"):
        media_asset_create(owner=staff_user, upload=upload)

    assert MediaAsset.objects.count() == 0
    assert not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))


def test_media_asset_create__in_memory_upload_is_handled(staff_user, tmp_path):
    data = make_png(tmp_path / "small.png", 50, 40).read_bytes()

    asset = media_asset_create(owner=staff_user, upload=SimpleUploadedFile("small.png", data)).asset

    assert (asset.width, asset.height, asset.size) == (50, 40, len(data))


def test_media_asset_create__missing_ffprobe_is_one_clear_line(staff_user, tmp_path, settings):
    settings.FFPROBE_BINARY = "ffprobe-not-installed-here"

    with pytest.raises(ProbeError) as caught:
        add(staff_user, make_mp4(tmp_path / "clip.mp4"))

    assert str(caught.value) == (
        "clip.mp4: cannot read videos: ffprobe (ffprobe-not-installed-here) is not installed "
        "(apt-get install ffmpeg, or set FFPROBE_BINARY)"
    )


def test_media_asset_create__unwritable_storage_is_one_clear_line(staff_user, tmp_path, media_root):
    media_root.parent.mkdir(parents=True, exist_ok=True)
    media_root.write_text("a file where the media folder should be")  # fails even for root

    with pytest.raises(MediaStorageError) as caught:
        add(staff_user, make_png(tmp_path / "a.png"))

    assert str(caught.value).startswith("Media storage: could not store a.png: ")
    assert "\n" not in str(caught.value)
    assert MediaAsset.objects.count() == 0


def test_media_asset_create__s3_unreachable_is_one_clear_line(staff_user, tmp_path, settings, monkeypatch):
    from config.settings.base import media_storage_from_url

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    storage, _ = media_storage_from_url("s3://nowhere?endpoint_url=http://127.0.0.1:9&region_name=us-east-1")
    settings.STORAGES = {**settings.STORAGES, "default": storage}

    with pytest.raises(MediaStorageError) as caught:
        add(staff_user, make_png(tmp_path / "a.png"))

    message = str(caught.value)
    assert message.startswith("Media storage: could not store a.png: ") and "\n" not in message
    assert MediaAsset.objects.count() == 0


def test_media_asset_open__range_reads_the_asked_bytes(staff_user, tmp_path, backend):
    source = make_png(tmp_path / "a.png", 300, 300)
    asset = add(staff_user, source).asset
    data = source.read_bytes()

    with media_asset_open(asset=asset, start=10, end=99) as reader:
        assert reader.size == len(data)
        assert reader.read() == data[10:100]


def test_media_asset_local_path__s3_is_streamed_into_a_temporary_copy(staff_user, tmp_path, s3_storage):
    source = make_png(tmp_path / "a.png")
    asset = add(staff_user, source).asset

    with media_asset_local_path(asset=asset) as path:
        assert path.read_bytes() == source.read_bytes()
    assert not path.exists()


def test_media_error__is_the_base_of_every_refusal():
    assert issubclass(ProbeError, MediaError) and issubclass(MediaStorageError, MediaError)
