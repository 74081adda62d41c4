"""What a file is: kind, MIME type, dimensions, duration, codecs. Pillow for still images, ffprobe for the rest.

Both read only what they need from a file on disk: Pillow parses the header (the pixels are not decoded),
ffprobe reads the container's index. The kind comes from the bytes, never from the name or the browser.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image
from PIL import UnidentifiedImageError

from .errors import MediaError
from .models import MediaKind

FFPROBE_TIMEOUT_SECONDS = 60
EXIF_ORIENTATION = 0x0112
EXIF_GPS_IFD = 0x8825
# EXIF orientations 5 to 8 turn the picture a quarter: what people see has width and height swapped.
QUARTER_TURN_ORIENTATIONS = {5, 6, 7, 8}
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "AVIF", "TIFF", "BMP"}
VIDEO_CONTAINER_MIME = {
    "mov": "video/quicktime",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "matroska": "video/x-matroska",
    "avi": "video/x-msvideo",
    "mpegts": "video/mp2t",
    "gif": "image/gif",
}


class ProbeError(MediaError):
    """The file cannot be described; the message is one line naming the file and the reason."""


@dataclass(frozen=True)
class MediaFacts:
    kind: str
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    video_codec: str = ""
    audio_codec: str = ""
    container: str = ""
    bitrate: int | None = None
    exif_orientation: int | None = None
    has_location: bool = False
    image_format: str = ""


def probe_file(path: str | Path, *, name: str) -> MediaFacts:
    """Describe the file at ``path``; ``name`` is only for messages. Raises ProbeError."""
    image = _probe_image(path, name=name)
    if image is not None and image.kind == MediaKind.IMAGE:
        return image
    # GIFs (animated or not) and everything Pillow does not know go to ffprobe for duration and codec.
    video = probe_video(path, name=name)
    if image is not None:  # a GIF: Pillow's dimensions, ffprobe's duration
        return MediaFacts(
            kind=MediaKind.GIF,
            mime_type="image/gif",
            width=image.width,
            height=image.height,
            duration=video.duration,
            video_codec=video.video_codec,
            container=video.container,
            bitrate=video.bitrate,
            image_format="GIF",
        )
    return video


def _probe_image(path: str | Path, *, name: str) -> MediaFacts | None:
    """Pillow's reading of the header; None when the file is not an image Pillow knows."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image_format = image.format or ""
                width, height = image.size
                exif = image.getexif()
                orientation = exif.get(EXIF_ORIENTATION)
                has_location = bool(exif.get_ifd(EXIF_GPS_IFD))
                mime_type = image.get_format_mimetype() or Image.MIME.get(image_format, "")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ProbeError(f"{name}: the image has too many pixels to process safely") from None
    except UnidentifiedImageError:
        return None
    except OSError as exc:
        raise ProbeError(f"{name}: the image cannot be read ({exc})") from None
    if image_format not in IMAGE_FORMATS:
        return None
    if orientation in QUARTER_TURN_ORIENTATIONS:
        width, height = height, width
    kind = MediaKind.GIF if image_format == "GIF" else MediaKind.IMAGE
    return MediaFacts(
        kind=kind,
        mime_type=mime_type,
        width=width,
        height=height,
        exif_orientation=orientation if isinstance(orientation, int) else None,
        has_location=has_location,
        image_format=image_format,
    )


def ffprobe_binary() -> str | None:
    """The ffprobe to run (FFPROBE_BINARY, found on PATH), or None when it is not installed."""
    return shutil.which(settings.FFPROBE_BINARY)


def probe_video(path: str | Path, *, name: str) -> MediaFacts:
    """ffprobe's reading of a video or GIF: duration, codecs, dimensions, bitrate, container."""
    binary = ffprobe_binary()
    if binary is None:
        raise ProbeError(
            f"{name}: cannot read videos: ffprobe ({settings.FFPROBE_BINARY}) is not installed "
            "(apt-get install ffmpeg, or set FFPROBE_BINARY)"
        )
    command = [
        binary,
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            command, capture_output=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise ProbeError(f"{name}: ffprobe took longer than {FFPROBE_TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise ProbeError(f"{name}: ffprobe could not run ({exc.strerror or exc})") from None
    if completed.returncode != 0:
        reason = _first_line(completed.stderr.decode("utf-8", "replace")) or f"exit {completed.returncode}"
        raise ProbeError(f"{name}: not an image or video this site can read (ffprobe: {reason})")
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        raise ProbeError(f"{name}: ffprobe answered something that is not JSON") from None
    return _facts_from_ffprobe(report, name=name)


def _facts_from_ffprobe(report: dict, *, name: str) -> MediaFacts:
    streams = report.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        raise ProbeError(f"{name}: not an image or video this site can read (no video stream)")
    file_format = report.get("format") or {}
    container = file_format.get("format_name", "")
    if not set(container.split(",")) & VIDEO_CONTAINER_MIME.keys():
        # ffprobe "reads" much that is no video (a text file is a "tty" animation to it).
        raise ProbeError(
            f"{name}: not an image or video this site can read (format {container or 'unknown'})"
        )
    is_gif = video.get("codec_name") == "gif"
    width, height = _display_size(video)
    return MediaFacts(
        kind=MediaKind.GIF if is_gif else MediaKind.VIDEO,
        mime_type=_video_mime(container, file_format, video),
        width=width,
        height=height,
        duration=_number(file_format.get("duration")) or _number(video.get("duration")),
        video_codec=video.get("codec_name", ""),
        audio_codec=(audio or {}).get("codec_name", ""),
        container=container,
        bitrate=int(_number(file_format.get("bit_rate")) or 0) or None,
    )


def _is_cover_art(stream: dict) -> bool:
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def _display_size(stream: dict) -> tuple[int | None, int | None]:
    """Width and height as played: a rotation of 90 or 270 degrees (phone videos) swaps them."""
    width, height = stream.get("width"), stream.get("height")
    rotation = _number((stream.get("tags") or {}).get("rotate"))
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            rotation = _number(side_data["rotation"])
    if rotation is not None and int(abs(rotation)) % 180 == 90:
        width, height = height, width
    return width, height


def _video_mime(container: str, file_format: dict, video: dict) -> str:
    names = container.split(",")
    if "gif" in names:
        return "image/gif"
    if "mov" in names or "mp4" in names:
        brand = ((file_format.get("tags") or {}).get("major_brand") or "").strip()
        return "video/quicktime" if brand == "qt" else "video/mp4"
    if "webm" in names and video.get("codec_name") in {"vp8", "vp9", "av1"}:
        return "video/webm"
    for part in names:
        if part in VIDEO_CONTAINER_MIME:
            return VIDEO_CONTAINER_MIME[part]
    return "application/octet-stream"


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else ""
