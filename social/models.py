from __future__ import annotations

from django.conf import settings
from django.db import models

from .fields import EncryptedTextField


class Platform(models.TextChoices):
    TWITTER = "TWITTER", "X (Twitter)"
    FACEBOOK = "FACEBOOK", "Facebook Page"
    INSTAGRAM = "INSTAGRAM", "Instagram"
    LINKEDIN = "LINKEDIN", "LinkedIn"
    YOUTUBE = "YOUTUBE", "YouTube"
    BLUESKY = "BLUESKY", "Bluesky"


class SocialAccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    NEEDS_RECONNECT = "NEEDS_RECONNECT", "Needs reconnect"
    DISABLED = "DISABLED", "Disabled"


class SocialAccount(models.Model):
    """A connected account, page, Instagram business user or channel that posts can go to."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(
        max_length=255, help_text="The platform's id of the user, page, Instagram user or channel."
    )
    name = models.CharField(max_length=255)
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=SocialAccountStatus.choices, default=SocialAccountStatus.ACTIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="social_accounts"
    )
    # Platform facts a client needs besides the id: the LinkedIn author URN, the Page an Instagram
    # account is linked to, granted scopes. Never a secret.
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="social_account_platform_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.name}"

    def __repr__(self) -> str:
        # The default repr is fine too, but say it outright: tokens never go into a repr.
        return f"<SocialAccount {self.pk} {self.platform} {self.external_id}>"
