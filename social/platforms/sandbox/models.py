"""The Sandbox's network: who is on it, the grants it gave this site, and what was posted there.

Its own tables (app label ``sandbox``, migrations in ``migrations/``), created only where the Sandbox is on.
Tokens and authorization codes are kept as SHA-256 digests: the network can recognise one, never show it.
"""

from __future__ import annotations

import secrets
import time

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

# Handles are the accounts' ids (external_id) and their timelines' paths, /sandbox/<handle>/: never one of
# the network's own paths.
HANDLE_PATTERN = r"[a-z0-9_]{2,30}"
RESERVED_HANDLES = frozenset({"api", "oauth", "media", "static", "admin", "about", "help"})


def validate_handle_not_reserved(handle: str) -> None:
    if handle in RESERVED_HANDLES:
        raise ValidationError(f"@{handle} is one of the Sandbox's own paths; choose another.")


def time_ordered_id(prefix: str) -> str:
    """A short id that sorts by creation time, like the ids real networks give posts: ``p_0195f3a2c4d1e8a9b2``."""
    return f"{prefix}{time.time_ns() // 1_000_000:012x}{secrets.token_hex(3)}"


def new_post_id() -> str:
    return time_ordered_id("p_")


def new_media_id() -> str:
    return time_ordered_id("m_")


class Fault(models.TextChoices):
    """What the network does to the calls that make a post, chosen per account in the admin."""

    NONE = "NONE", "None: answer normally"
    RATE_LIMIT = "RATE_LIMIT", "Rate limit: refuse with 429 and Retry-After"
    UNAVAILABLE = "UNAVAILABLE", "Transient error: refuse with 503, nothing made"
    LOSE_ANSWER = "LOSE_ANSWER", "Make the post, then lose the answer (the caller times out)"


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    GIF = "gif", "GIF"
    VIDEO = "video", "Video"


class SandboxAccount(models.Model):
    """Someone on the network. ``handle`` is their id: the connected account's ``external_id``."""

    handle = models.CharField(
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(f"^{HANDLE_PATTERN}$", "2 to 30 lower-case letters, digits or underscores."),
            validate_handle_not_reserved,
        ],
    )
    display_name = models.CharField(max_length=60)
    fault = models.CharField(max_length=16, choices=Fault.choices, default=Fault.NONE)
    fault_remaining = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many of the next calls that make a post meet the fault; empty: every one. Counts "
        "down; at 0 the fault is turned off.",
    )
    latency_ms = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name="latency (ms)",
        help_text="How long each API call to this account takes; empty: SANDBOX_LATENCY_MS.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["handle"]
        verbose_name = "Sandbox account"

    def __str__(self) -> str:
        return f"@{self.handle} (Sandbox)"


class SandboxAuthorization(models.Model):
    """An authorization code the consent page gave, waiting to be exchanged once at the token endpoint."""

    code_digest = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=500)
    code_challenge = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:  # never the code (only its digest is kept anyway)
        return f"authorization for @{self.account.handle}"


class SandboxGrant(models.Model):
    """One access token and its refresh token. A refresh spends the grant (``revoked_at``) for a new one."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="grants")
    access_digest = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:  # never a token
        return f"grant to @{self.account.handle}"


class SandboxPost(models.Model):
    """A post on an account's timeline, as the network made it."""

    id = models.CharField(primary_key=True, max_length=24, default=new_post_id, editable=False)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField(blank=True)
    # The caller's Idempotency-Key: a second create with it answers this post instead of making another.
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "Sandbox post"
        indexes = [models.Index(fields=["account", "-created_at"], name="sandbox_post_timeline")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="sandbox_post_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} by @{self.account.handle}"


def sandbox_media_upload_to(instance: SandboxMedia, filename: str) -> str:
    """``sandbox/<handle>/<media id>.<ext>``: the extension of ``filename``, the rest from the row."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"sandbox/{instance.account.handle}/{instance.pk}.{extension}"


class SandboxMedia(models.Model):
    """An image, GIF or video uploaded to the network; attached to the post that used it."""

    id = models.CharField(primary_key=True, max_length=24, default=new_media_id, editable=False)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    content_type = models.CharField(max_length=100)
    alt_text = models.TextField(blank=True)
    # What the uploader announced (None: told with the last piece) and what has arrived so far.
    total_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    received_bytes = models.PositiveBigIntegerField(default=0)
    # Set once the whole file arrived and was found to be what it claimed.
    file = models.FileField(upload_to=sandbox_media_upload_to, max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    post = models.ForeignKey(
        SandboxPost, on_delete=models.CASCADE, null=True, blank=True, related_name="media"
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = "Sandbox media"
        verbose_name_plural = "Sandbox media"

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def is_ready(self) -> bool:
        return bool(self.file)


@receiver(post_delete, sender=SandboxMedia)
def _delete_stored_file(sender, instance: SandboxMedia, **kwargs) -> None:
    if instance.file:
        instance.file.delete(save=False)
