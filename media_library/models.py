"""The media library: files uploaded once, described once (kind, size, dimensions, codecs), used by posts.

A rendition is an asset too, derived from a source by a recipe (``media_library.renditions``); it is made
once per source and recipe and reused, and only ever made because a person asked for it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

__all__ = ["MediaAsset", "MediaKind", "MediaUsage"]


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"
    GIF = "gif", "GIF"


def asset_upload_to(instance: MediaAsset, filename: str) -> str:
    """A storage name nobody can guess or derive from the original name: ``library/2026/03/<uuid>.jpg``."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"library/{timezone.now():%Y/%m}/{instance.uuid.hex}.{extension}"


def thumbnail_upload_to(instance: MediaAsset, filename: str) -> str:
    return f"thumbnails/{instance.uuid.hex}.jpg"


class MediaAsset(models.Model):
    # The public handle (signed URLs, file names); the primary key stays internal.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="media_assets")
    file = models.FileField(upload_to=asset_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    width = models.PositiveIntegerField(
        null=True, blank=True, help_text="As displayed (EXIF rotation applied)."
    )
    height = models.PositiveIntegerField(
        null=True, blank=True, help_text="As displayed (EXIF rotation applied)."
    )
    duration = models.FloatField(null=True, blank=True, help_text="Seconds (video and animated GIF).")
    video_codec = models.CharField(max_length=32, blank=True)
    audio_codec = models.CharField(max_length=32, blank=True)
    container = models.CharField(max_length=64, blank=True, help_text="ffprobe's format name.")
    bitrate = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bits per second.")
    exif_orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    has_location = models.BooleanField(default=False, help_text="The file carries GPS coordinates (EXIF).")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file, hex.")
    alt_text = models.TextField(blank=True, help_text="Describes the media for people who cannot see it.")
    thumbnail = models.FileField(upload_to=thumbnail_upload_to, max_length=255, blank=True)
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="renditions"
    )
    recipe = models.CharField(
        max_length=200, blank=True, help_text="How a rendition was made from its source (empty for uploads)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A rendition is made once per source and recipe, then reused.
            models.UniqueConstraint(
                fields=["source", "recipe"], condition=Q(source__isnull=False), name="media_rendition_unique"
            ),
            # The same file uploaded again is the asset already in the library ("upload once").
            models.UniqueConstraint(
                fields=["checksum"], condition=Q(source__isnull=True), name="media_original_checksum_unique"
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True, recipe="") | Q(source__isnull=False) & ~Q(recipe=""),
                name="media_rendition_has_recipe",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="media_asset_created_idx")]

    def __str__(self) -> str:
        label = self.original_name or f"asset {self.pk}"
        return f"{label} ({self.recipe})" if self.recipe else label

    @property
    def aspect_ratio(self) -> float | None:
        if not self.width or not self.height:
            return None
        return self.width / self.height


class MediaUsage(models.Model):
    """A post uses an asset, for every platform (``platform`` empty) or for one platform's override.

    The post services keep these rows in step with the post's media; deletion and pruning read them.
    """

    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="usages")
    post = models.ForeignKey(
        "calendar_app.ScheduledPost", on_delete=models.CASCADE, related_name="media_usages"
    )
    # A social.models.Platform value; no choices here, so a new platform needs no migration of this app.
    platform = models.CharField(max_length=16, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Alt text for this use; empty = the asset's own.
    alt_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post_id", "platform", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "platform", "position"], name="media_usage_slot_unique"),
        ]

    def __str__(self) -> str:
        where = f" on {self.platform}" if self.platform else ""
        return f"{self.asset} in post {self.post_id}{where}"

    @property
    def effective_alt_text(self) -> str:
        return self.alt_text or self.asset.alt_text
