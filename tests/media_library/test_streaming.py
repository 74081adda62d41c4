"""Memory stays flat: a 200 MB video uploaded through the admin's endpoint over real HTTP, stored on the file
system and on S3, and read back through the streaming API, never needs more than a few blocks in memory."""

from __future__ import annotations

import io
import zlib

import pytest
import requests
from django.core.files import File
from django.test import Client

from media_library.models import MediaAsset
from media_library.services.assets import media_asset_create
from media_library.services.assets import media_asset_open

from .files import file_crc
from .files import make_large_mp4
from .files import traced

MIB = 1024 * 1024
VIDEO_BYTES = 200 * MIB
CHUNK = 8 * MIB
# A few blocks (the chunk being handed on, the next filling, the HTTP and hashing buffers): far below
# the file's 200 MB, whatever the size of the file.
PEAK_LIMIT = 4 * CHUNK
# Storing on S3 holds a few 5 MiB parts (two in flight, two read ahead, their request buffers).
STORE_PEAK_LIMIT = 48 * MIB
UPLOAD_PEAK_LIMIT = 16 * MIB


class MultipartBody:
    """A multipart/form-data body read piece by piece from the file on disk, with its length known (so
    requests sends Content-Length; it has no ``tell``, which would make requests think it was read)."""

    def __init__(self, path, boundary: str) -> None:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        self._parts = [io.BytesIO(head), path.open("rb"), io.BytesIO(tail)]
        self._length = len(head) + path.stat().st_size + len(tail)

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        while self._parts:
            data = self._parts[0].read(size)
            if data:
                return data
            self._parts.pop(0).close()
        return b""


@pytest.fixture
def large_video(tmp_path):
    return make_large_mp4(tmp_path / "long-film.mp4", VIDEO_BYTES)


@pytest.mark.django_db(transaction=True)
def test_upload__200_mb_video_over_http_with_flat_memory(live_server, staff_user, large_video, media_root):
    login = Client()
    login.force_login(staff_user)
    http = requests.Session()
    http.cookies.set("sessionid", login.cookies["sessionid"].value)
    http.get(f"{live_server.url}/admin/media_library/mediaasset/", timeout=30).raise_for_status()
    boundary = "media-library-test-boundary"

    def upload():
        return http.post(
            f"{live_server.url}/admin/media_library/mediaasset/upload/",
            data=MultipartBody(large_video, boundary),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-CSRFToken": http.cookies["csrftoken"],
            },
            timeout=300,
        )

    response, peak = traced(upload)

    assert response.status_code == 200, response.text
    item = response.json()["assets"][0]
    asset = MediaAsset.objects.get(pk=item["id"])
    assert (asset.kind, asset.size, asset.video_codec) == ("video", VIDEO_BYTES, "h264")
    assert file_crc(media_root / asset.file.name) == file_crc_of_sent(large_video)
    assert peak < UPLOAD_PEAK_LIMIT, f"peak Python memory {peak / MIB:.1f} MiB while uploading 200 MiB"


def file_crc_of_sent(path) -> int:
    return file_crc(path) if path.exists() else pytest.fail("the source file vanished")


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["local", "s3"])
def test_store_and_stream__200_mb_video_with_flat_memory(staff_user, large_video, request, backend):
    if backend == "s3":
        request.getfixturevalue("s3_storage")
    expected_crc = file_crc(large_video)

    def store():
        with large_video.open("rb") as handle:
            return media_asset_create(owner=staff_user, upload=File(handle, name=large_video.name)).asset

    asset, store_peak = traced(store)

    def read_back():
        crc, total, sizes = 0, 0, set()
        with media_asset_open(asset=asset) as reader:
            for chunk in reader.chunks(CHUNK):
                crc = zlib.crc32(chunk, crc)
                total += len(chunk)
                sizes.add(len(chunk))
        return crc, total, sizes

    (crc, total, sizes), read_peak = traced(read_back)

    assert (total, crc) == (VIDEO_BYTES, expected_crc)
    assert sizes == {CHUNK}  # 200 MiB is exactly 25 chunks of 8 MiB
    assert store_peak < STORE_PEAK_LIMIT, f"{backend}: peak {store_peak / MIB:.1f} MiB while storing 200 MiB"
    assert read_peak < PEAK_LIMIT, f"{backend}: peak {read_peak / MIB:.1f} MiB while reading 200 MiB"
