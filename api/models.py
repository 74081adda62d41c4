"""Personal API tokens and the answers kept for idempotent retries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    READ = "read", "read: list and read everything the user may see"
    WRITE = "write", "write: create, edit, cancel and delete drafts, media and webhook endpoints"
    PUBLISH = "publish", "publish: make posts go out (schedule, queue, publish now, retry)"


class ApiToken(models.Model):
    """A personal token: it acts as its user, within its scopes. Only a SHA-256 hash of it is stored; the
    token itself is shown once, when it is made (``api.tokens.api_token_create``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “CMS publishing”.")
    # The public part of the token (``sched_<key_id>_<secret>``): finds the row; the hash proves the rest.
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The per-token rate limit: requests counted in the current one-minute window.
    rate_window_start = models.DateTimeField(null=True, blank=True, editable=False)
    rate_window_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.user}, sched_{self.key_id}_…)"

    def __repr__(self) -> str:
        return f"<ApiToken {self.pk} {self.key_id}>"  # never the hash

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an ``Idempotency-Key``, kept 24 hours per token so a retry gets it
    again. Holds a fingerprint of the request (never its body) and the answer without any secret in it."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_records")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    # Empty only inside the transaction that is still answering (never committed so).
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_token_key")]

    def __str__(self) -> str:
        return f"{self.key} → {self.response_status}"
