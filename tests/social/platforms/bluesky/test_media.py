"""An image on its way to uploadBlob: sent as it is read, its size in pixels read from its header."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from social.platforms.bluesky.media import HEADER_MAX_BYTES
from social.platforms.bluesky.media import ImageSize
from social.platforms.bluesky.media import StreamedBody


def encoded(format_: str, size: tuple[int, int], **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format=format_, **options)
    return buffer.getvalue()


class Short(Exception):
    pass


def body(chunks: list[bytes], length: int, seen: list[bytes] | None = None) -> StreamedBody:
    return StreamedBody(
        iter(chunks),
        length,
        observe=(seen if seen is not None else []).append,
        short=lambda sent: Short(sent),
    )


def test_streamed_body__hands_out_one_chunk_at_a_time_as_it_is_read():
    pulled: list[int] = []

    def source():
        for number in range(3):
            pulled.append(number)
            yield bytes([number]) * 4

    seen: list[bytes] = []
    streamed = StreamedBody(source(), 12, observe=seen.append, short=Short)

    assert len(streamed) == 12 and pulled == []
    assert streamed.read(8192) == b"\x00" * 4 and pulled == [0]
    assert streamed.read(8192) == b"\x01" * 4 and pulled == [0, 1]
    assert streamed.read() == b"\x02" * 4
    assert streamed.read(8192) == b""
    assert seen == [b"\x00" * 4, b"\x01" * 4, b"\x02" * 4]


def test_streamed_body__a_source_that_ends_early_raises_and_one_that_runs_long_is_cut():
    with pytest.raises(Short) as short:
        b"".join(body([b"abc"], 5))
    assert short.value.args == (3,)
    assert b"".join(body([b"abc", b"defgh"], 5)) == b"abcde"


@pytest.mark.parametrize(
    ("format_", "options"),
    [("PNG", {}), ("JPEG", {}), ("GIF", {}), ("WEBP", {})],
)
def test_image_size__from_the_first_chunk(format_, options):
    size = ImageSize()
    content = encoded(format_, (321, 123), **options)

    size.feed(content[:1024])

    assert size.aspect_ratio() == {"width": 321, "height": 123}


def test_image_size__a_jpeg_header_after_large_metadata_arrives_over_several_chunks():
    content = encoded("JPEG", (64, 48), exif=b"Exif\x00\x00" + bytes(60_000))
    size = ImageSize()

    for start in range(0, len(content), 16_384):
        size.feed(content[start : start + 16_384])

    assert size.size == (64, 48)


def test_image_size__not_an_image_gives_up_after_the_header_budget():
    size = ImageSize()
    for _ in range(HEADER_MAX_BYTES // 65_536 + 2):
        size.feed(bytes(65_536))

    assert size.aspect_ratio() is None
