"""Real media files made in the test: PNG, JPEG with EXIF GPS, GIF, and MP4 by Debian's ffmpeg."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tracemalloc
import zlib
from pathlib import Path

from PIL import Image

FFMPEG = shutil.which("ffmpeg")
EXIF_ORIENTATION = 0x0112
EXIF_GPS_IFD = 0x8825


def make_png(path: Path, width: int = 640, height: int = 480, *, alpha: bool = False) -> Path:
    mode = "RGBA" if alpha else "RGB"
    image = Image.new(mode, (width, height), (30, 120, 200, 128) if alpha else (30, 120, 200))
    # Some detail, so compression has work to do and sizes are realistic.
    for x in range(0, width, 7):
        for y in range(0, height, 11):
            image.putpixel((x, y), ((x * 3) % 256, (y * 5) % 256, (x + y) % 256, 255)[: len(mode)])
    image.save(path, "PNG")
    return path


def make_jpeg(
    path: Path, width: int = 800, height: int = 600, *, gps: bool = False, orientation: int | None = None
) -> Path:
    image = Image.new("RGB", (width, height), (200, 60, 20))
    exif = Image.Exif()
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    if gps:
        exif.get_ifd(EXIF_GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    image.save(path, "JPEG", quality=90, exif=exif)
    return path


def make_noisy_jpeg(path: Path, width: int, height: int) -> Path:
    """A JPEG that compresses badly (random noise), to test byte limits."""
    import os

    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    image.save(path, "JPEG", quality=95)
    return path


def make_gif(path: Path, width: int = 120, height: int = 90, frames: int = 5) -> Path:
    images = [Image.new("P", (width, height), index * 40) for index in range(frames)]
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return path


def make_mp4(path: Path, *, seconds: float = 2, width: int = 320, height: int = 240) -> Path:
    assert FFMPEG, "ffmpeg is needed to make test videos (apt-get install ffmpeg)"
    subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={width}x{height}:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            "-y",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def make_large_mp4(path: Path, total_bytes: int) -> Path:
    """A real, playable MP4 grown to ``total_bytes`` by a trailing MP4 ``free`` box (sparse on disk, so
    making it is instant); ffprobe reads it as the short video it is."""
    make_mp4(path, seconds=1)
    size = path.stat().st_size
    padding = total_bytes - size
    assert padding > 16
    with path.open("r+b") as handle:
        handle.seek(size)
        handle.write(struct.pack(">I4s", 1, b"free") + struct.pack(">Q", padding))  # 64-bit box size
        handle.truncate(total_bytes)
    return path


def file_crc(path: Path) -> int:
    """CRC-32 of a file, read in 1 MiB blocks."""
    crc = 0
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            crc = zlib.crc32(block, crc)
    return crc


def traced(action):
    """``action()``'s result and the peak of Python's memory while it ran (every thread's)."""
    tracemalloc.start()
    try:
        result = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
