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
    MASTODON = "MASTODON", "Mastodon"
    BLUESKY = "BLUESKY", "Bluesky"
    THREADS = "THREADS", "Threads"
    # A local simulation of a social network served by this site (social/platforms/sandbox/); its
    # accounts exist only while SANDBOX_PLATFORM is on, but the choice stays so their rows always read.
    SANDBOX = "SANDBOX", "Sandbox"


class SocialAccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    NEEDS_RECONNECT = "NEEDS_RECONNECT", "Needs reconnect"
    DISABLED = "DISABLED", "Disabled"


def token_field_names() -> list[str]:
    """The encrypted columns of SocialAccount: its tokens (and any secret added later)."""
    return [
        field.name for field in SocialAccount._meta.concrete_fields if isinstance(field, EncryptedTextField)
    ]


def without_tokens_via(queryset: models.QuerySet, relation: str) -> models.QuerySet:
    """``queryset`` with the SocialAccount at ``relation`` (``"account"``, ``"post_account__account"``)
    joined in the same query, its tokens neither loaded nor decrypted."""
    return queryset.select_related(relation).defer(*(f"{relation}__{name}" for name in token_field_names()))


class SocialAccountQuerySet(models.QuerySet):
    def without_tokens(self) -> SocialAccountQuerySet:
        """Accounts to show, label or validate against: the tokens are never loaded, so never decrypted
        (a page works even when ENCRYPTION_KEY cannot read them). Only the publisher needs a token."""
        return self.defer(*token_field_names())


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

    objects = SocialAccountQuerySet.as_manager()

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

    @property
    def long_posts(self) -> bool:
        """An X Premium account whose owner turned on long posts (up to 25,000 characters)."""
        return self.platform == Platform.TWITTER and (self.extra or {}).get("long_posts") is True

    @long_posts.setter
    def long_posts(self, enabled: bool) -> None:
        extra = {key: value for key, value in (self.extra or {}).items() if key != "long_posts"}
        self.extra = {**extra, "long_posts": True} if enabled else extra


# Mastodon's per-server app registrations live with the rest of the platform's code.
from .platforms.mastodon.models import MastodonApp  # noqa: E402

__all__ = ["MastodonApp", "Platform", "SocialAccount", "SocialAccountStatus"]
