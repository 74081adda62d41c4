"""Making files: renditions of still images by recipe, and the admin's thumbnails (Pillow, ffmpeg for video).

Everything reads a local file and writes a new temporary file; the services move results into storage.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image
from PIL import ImageOps

from .errors import MediaError
from .models import MediaKind
from .recipes import RenditionRecipe

THUMBNAIL_SIZE = (320, 320)
FFMPEG_TIMEOUT_SECONDS = 120
JPEG_QUALITY = 90
# Tried in turn while a rendition is over its byte limit; then the picture is scaled down step by step.
QUALITY_STEPS = (85, 80, 75, 70, 60)
SCALE_STEP = 0.85
MAX_SCALE_STEPS = 20
SAVE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class RenditionError(MediaError):
    """The rendition cannot be made; one line saying why."""


@dataclass(frozen=True)
class RenderedFile:
    path: Path
    mime_type: str
    extension: str


def render_image(source: Path, recipe: RenditionRecipe, *, workdir: Path) -> RenderedFile:
    """Apply ``recipe`` to the still image (or a GIF's first frame) at ``source``."""
    try:
        with Image.open(source) as opened:
            source_format = opened.format or ""
            icc_profile = opened.info.get("icc_profile")
            # Rotation as displayed goes into the pixels: the rendition carries no EXIF to say it.
            image = ImageOps.exif_transpose(opened)
            image.load()
    except OSError as exc:
        raise RenditionError(f"the image cannot be read ({exc})") from None
    image = _crop_to_aspect(image, recipe)
    image = _fit(image, recipe)
    target_format = "JPEG" if recipe.format == "jpeg" else source_format
    if target_format not in SAVE_FORMATS:
        target_format = "JPEG" if source_format in {"GIF", "BMP", "TIFF"} else "PNG"
    if target_format == "JPEG":
        image = _flatten(image)
    mime_type, extension = SAVE_FORMATS[target_format]
    output = workdir / f"rendition.{extension}"
    _save(image, output, target_format, JPEG_QUALITY, icc_profile)
    if recipe.max_bytes:
        image = _shrink_to(image, output, target_format, recipe.max_bytes, icc_profile)
    return RenderedFile(output, mime_type, extension)


def _crop_to_aspect(image: Image.Image, recipe: RenditionRecipe) -> Image.Image:
    width, height = image.size
    ratio = width / height
    if recipe.min_aspect and ratio < recipe.min_aspect.value:
        new_height = max(1, math.floor(width / recipe.min_aspect.value))
        top = (height - new_height) // 2
        return image.crop((0, top, width, top + new_height))
    if recipe.max_aspect and ratio > recipe.max_aspect.value:
        new_width = max(1, math.floor(height * recipe.max_aspect.value))
        left = (width - new_width) // 2
        return image.crop((left, 0, left + new_width, height))
    return image


def _fit(image: Image.Image, recipe: RenditionRecipe) -> Image.Image:
    width, height = image.size
    scale = 1.0
    if recipe.max_width:
        scale = min(scale, recipe.max_width / width)
    if recipe.max_height:
        scale = min(scale, recipe.max_height / height)
    if recipe.max_pixels and width * height > recipe.max_pixels:
        scale = min(scale, math.sqrt(recipe.max_pixels / (width * height)))
    if scale >= 1.0:
        return image
    size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: transparent parts become white."""
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _save(image: Image.Image, path: Path, image_format: str, quality: int, icc_profile) -> None:
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format in {"JPEG", "WEBP"}:
        options["quality"] = quality
    if image_format == "JPEG":
        options["optimize"] = True
    if image_format == "PNG":
        options["optimize"] = True
    image.save(path, image_format, **options)


def _shrink_to(image, output: Path, image_format: str, max_bytes: int, icc_profile) -> Image.Image:
    if output.stat().st_size <= max_bytes:
        return image
    if image_format in {"JPEG", "WEBP"}:
        for quality in QUALITY_STEPS:
            _save(image, output, image_format, quality, icc_profile)
            if output.stat().st_size <= max_bytes:
                return image
    quality = QUALITY_STEPS[-1]
    for _ in range(MAX_SCALE_STEPS):
        width, height = image.size
        if width < 16 or height < 16:
            break
        image = image.resize(
            (max(1, int(width * SCALE_STEP)), max(1, int(height * SCALE_STEP))), Image.Resampling.LANCZOS
        )
        _save(image, output, image_format, quality, icc_profile)
        if output.stat().st_size <= max_bytes:
            return image
    raise RenditionError(f"the image cannot be brought under {max_bytes:,} bytes")


def make_thumbnail(source: Path, *, kind: str, duration: float | None, workdir: Path) -> Path | None:
    """A small JPEG for the admin; None when none can be made (no ffmpeg for a video, an unreadable file)."""
    output = workdir / "thumbnail.jpg"
    if kind in {MediaKind.IMAGE, MediaKind.GIF}:  # a GIF's first frame
        try:
            with Image.open(source) as opened:
                opened.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))  # JPEG decodes smaller
                image = ImageOps.exif_transpose(opened)
                image.thumbnail(THUMBNAIL_SIZE)
                _flatten(image).save(output, "JPEG", quality=80)
        except OSError:
            return None
        return output
    binary = shutil.which(settings.FFMPEG_BINARY)
    if binary is None:
        return None
    at = min(1.0, (duration or 0) / 2)
    command = [
        binary,
        "-v",
        "error",
        "-ss",
        f"{at:.2f}",
        "-i",
        str(source),
        "-frames:v",
        "1",
        "-vf",
        f"scale={THUMBNAIL_SIZE[0]}:{THUMBNAIL_SIZE[1]}:force_original_aspect_ratio=decrease",
        "-y",
        str(output),
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            command, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return output if completed.returncode == 0 and output.exists() else None


def new_workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="media-library-", dir=settings.FILE_UPLOAD_TEMP_DIR)
