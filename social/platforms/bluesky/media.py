"""Images on their way to ``com.atproto.repo.uploadBlob``: a request body read from the download as it is
sent, and the image's size in pixels read from its first bytes on the way (for ``aspectRatio``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from collections.abc import Iterator

from PIL import Image
from PIL import UnidentifiedImageError

# An image's header (JPEG's frame header comes after its EXIF and colour profile) is within this much.
HEADER_MAX_BYTES = 256 * 1024


class ImageSize:
    """Width and height of an image from its first bytes, without decoding its pixels."""

    def __init__(self) -> None:
        self._head = bytearray()
        self.size: tuple[int, int] | None = None
        self._done = False

    def feed(self, chunk: bytes) -> None:
        if self._done:
            return
        self._head += chunk[: HEADER_MAX_BYTES - len(self._head)]
        try:
            # Pillow reads only the header here; the pixels are decoded on load(), never called.
            with Image.open(io.BytesIO(self._head)) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            self._done = len(self._head) >= HEADER_MAX_BYTES
            return
        self._done = True
        self._head = bytearray()
        if width > 0 and height > 0:
            self.size = (width, height)

    def aspect_ratio(self) -> dict[str, int] | None:
        if self.size is None:
            return None
        width, height = self.size
        return {"width": width, "height": height}


class StreamedBody:
    """A request body of exactly ``length`` bytes, read from ``chunks`` as the request is sent.

    requests sends it with ``Content-Length`` (from ``__len__``) and reads it block by block, so only the
    chunk in flight is held. Each chunk passes ``observe`` on the way. A source that ends early raises
    ``short(sent)``; one that runs long is cut at ``length``.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        length: int,
        *,
        observe: Callable[[bytes], None],
        short: Callable[[int], Exception],
    ) -> None:
        self._chunks = chunks
        self._length = length
        self._observe = observe
        self._short = short
        self.sent = 0

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read():
            yield chunk

    def read(self, size: int = -1) -> bytes:
        """The next chunk (``size`` is a hint: less may come); everything left when ``size`` < 0."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        if self.sent >= self._length:
            return b""
        chunk = next(self._chunks, b"")
        if not chunk:
            raise self._short(self.sent)
        chunk = chunk[: self._length - self.sent]
        self.sent += len(chunk)
        self._observe(chunk)
        return chunk
