"""This site's app as registered on each Mastodon server: made on the first connect there, then kept.

Mastodon has no central developer console: every server is its own OAuth provider, and an app registers
itself on it (``POST /api/v1/apps``). The registration is reused for every account on that server; its
client secret is encrypted at rest like the accounts' tokens. Imported by ``social.models``, so it belongs
to the ``social`` app and its migrations.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from social.fields import EncryptedTextField


class MastodonApp(models.Model):
    """The app registered on one server for one redirect URI (a new site address needs a new one)."""

    server_url = models.CharField(max_length=255, help_text="https://<host>, as normalized at connect.")
    redirect_uri = models.CharField(max_length=500)
    scopes = models.CharField(max_length=255, help_text="The scopes it was registered with, space-separated.")
    client_id = models.CharField(max_length=255)
    client_secret = EncryptedTextField()
    # Mastodon 4.4 may say when the secret expires; None (or 0 from the server) means never.
    client_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "social"
        verbose_name = "Mastodon app registration"
        constraints = [
            models.UniqueConstraint(
                fields=["server_url", "redirect_uri"], name="mastodon_app_server_redirect"
            )
        ]

    def __str__(self) -> str:
        return f"Mastodon app on {self.server_url}"

    def __repr__(self) -> str:
        # Never the secret.
        return f"<MastodonApp {self.pk} {self.server_url}>"

    def serves(self, *, scopes: str) -> bool:
        """Whether this registration can be used for a sign-in asking for ``scopes``."""
        expired = (
            self.client_secret_expires_at is not None and self.client_secret_expires_at <= timezone.now()
        )
        return bool(self.client_id and self.client_secret) and not expired and self.scopes == scopes
