from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from social.models import SocialAccount
from social.models import without_tokens_via
from social.platforms import ErrorKind as PlatformErrorKind

__all__ = [
    "AccountStatus",
    "AttemptAction",
    "AttemptOutcome",
    "ErrorKind",
    "PostStatus",
    "PublishAttempt",
    "PublisherRun",
    "QuotaScope",
    "QuotaSlot",
    "ScheduledPost",
    "ScheduledPostAccount",
]


class PostStatus(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    SCHEDULED = "SCHEDULED", "Scheduled"
    PUBLISHING = "PUBLISHING", "Publishing"
    PUBLISHED = "PUBLISHED", "Published"
    PARTIALLY_PUBLISHED = "PARTIALLY_PUBLISHED", "Partially published"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


class AccountStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    PUBLISHING = "PUBLISHING", "Publishing"
    PUBLISHED = "PUBLISHED", "Published"
    FAILED = "FAILED", "Failed"
    NEEDS_REVIEW = "NEEDS_REVIEW", "Needs review"


class ErrorKind(models.TextChoices):
    """The error kind recorded on an account and an attempt: how the platform call failed (the clients'
    classification, the same values), or MISSED, the publisher's own outcome for a post due too long ago
    (no call is made)."""

    TRANSIENT = PlatformErrorKind.TRANSIENT.value, PlatformErrorKind.TRANSIENT.label
    AUTH = PlatformErrorKind.AUTH.value, PlatformErrorKind.AUTH.label
    INVALID = PlatformErrorKind.INVALID.value, PlatformErrorKind.INVALID.label
    UNKNOWN = PlatformErrorKind.UNKNOWN.value, PlatformErrorKind.UNKNOWN.label
    MISSED = "MISSED", "Missed"
    # Not a failure: the account is PENDING, deferred until the platform's posting limit frees (no call made).
    QUOTA = "QUOTA", "Over quota (deferred)"


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    PUBLISHED = "PUBLISHED", "Published"
    FAILED = "FAILED", "Failed"
    # Outcomes of a reconciliation of an UNKNOWN call.
    NOT_FOUND = "NOT_FOUND", "Confirmed not published"
    CANNOT_TELL = "CANNOT_TELL", "Cannot tell"
    # The platform is still processing what the call sent; a later run goes on from there.
    PROCESSING = "PROCESSING", "Still processing"


class AttemptAction(models.TextChoices):
    PUBLISH = "PUBLISH", "Publish"
    RECONCILE = "RECONCILE", "Reconcile"


class ScheduledPost(models.Model):
    content = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    scheduled_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC", help_text="The author's IANA time zone.")
    status = models.CharField(max_length=24, choices=PostStatus.choices, default=PostStatus.DRAFT)
    retry_count = models.PositiveIntegerField(default=0)
    max_retries = models.PositiveIntegerField(default=3)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The publisher run holding the lease. Every write of a run is conditional on it, so a run that lost
    # its post to recovery can never overwrite what the newer run recorded (the stale-writer guard).
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scheduled_posts"
    )
    accounts = models.ManyToManyField(SocialAccount, through="ScheduledPostAccount", related_name="posts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at"]
        permissions = [("change_others_scheduledpost", "Can change posts created by other people")]
        indexes = [
            # Serves the "due posts" claim: only SCHEDULED rows, ordered by when they are next due.
            models.Index(
                Coalesce("next_attempt_at", "scheduled_at"),
                name="post_due_scheduled_idx",
                condition=Q(status="SCHEDULED"),
            ),
            # Serves recovery: PUBLISHING rows whose lease ran out.
            models.Index(
                fields=["lease_expires_at"],
                name="post_lease_publishing_idx",
                condition=Q(status="PUBLISHING"),
            ),
            models.Index(fields=["status", "scheduled_at"], name="post_status_scheduled_idx"),
        ]

    def __str__(self) -> str:
        first_line = (self.content or "").strip().splitlines()[0] if (self.content or "").strip() else ""
        return f"Post {self.pk}: {first_line[:60]}" if first_line else f"Post {self.pk}"


class ScheduledPostAccountQuerySet(models.QuerySet):
    def with_account(self) -> ScheduledPostAccountQuerySet:
        """Each row with its SocialAccount in the same query, without the account's tokens."""
        return without_tokens_via(self, "account")


class ScheduledPostAccount(models.Model):
    """One post going to one account: the unit that is published, retried and recorded."""

    post = models.ForeignKey(ScheduledPost, on_delete=models.CASCADE, related_name="post_accounts")
    account = models.ForeignKey(SocialAccount, on_delete=models.PROTECT, related_name="post_accounts")
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.PENDING)
    platform_post_id = models.CharField(max_length=255, blank=True)
    platform_post_url = models.URLField(max_length=500, blank=True)
    error_kind = models.CharField(max_length=16, choices=ErrorKind.choices, blank=True)
    error_message = models.TextField(blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    # What a client saved before a risky step (an Instagram container id, a YouTube upload session)
    # so that an unknown outcome can be reconciled. Never a secret.
    publish_state = models.JSONField(default=dict, blank=True)
    # Set while the account is PUBLISHING because the platform is still processing what was sent (its
    # last call ended "still processing"): since when. A later run resumes it; null otherwise.
    processing_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduledPostAccountQuerySet.as_manager()

    class Meta:
        ordering = ["post_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="post_account_unique"),
        ]

    def __str__(self) -> str:
        # A label never decrypts a token (Django's delete page lists these rows): load the account
        # without its tokens unless it is already here.
        if not ScheduledPostAccount.account.is_cached(self):
            self.account = SocialAccount.objects.without_tokens().get(pk=self.account_id)
        return f"{self.post_id} -> {self.account}"


class PublishAttempt(models.Model):
    """One platform call made for a post's account: the publishing history."""

    post_account = models.ForeignKey(ScheduledPostAccount, on_delete=models.CASCADE, related_name="attempts")
    action = models.CharField(max_length=16, choices=AttemptAction.choices, default=AttemptAction.PUBLISH)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_PROGRESS
    )
    error_kind = models.CharField(max_length=16, choices=ErrorKind.choices, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["post_account_id", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.outcome} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class PublisherRun(models.Model):
    """One run of the publisher (a cron run, a trigger call, or a busy spell of the watch loop)."""

    # The figures of PublishRunSummary that a run keeps, in the order the admin shows them: the admin lists
    # the first eight (the six that partition the posts, then the deferred and processing among the retrying).
    FIGURES = (
        "processed",
        "succeeded",
        "partial",
        "failed",
        "retrying",
        "needs_review",
        "deferred",
        "processing",
        "claimed",
        "recovered",
        "released",
        "lost",
        "errors",
        "duration_seconds",
    )

    class Trigger(models.TextChoices):
        CRON = "cron", "cron (manage.py publish_due_posts)"
        HTTP = "http", "HTTP trigger"
        WATCH = "watch", "watch loop (publish_due_posts --watch)"

    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    # The run's summary figures (PublishRunSummary); the first six partition the posts it processed.
    processed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    partial = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    retrying = models.PositiveIntegerField(default=0)
    needs_review = models.PositiveIntegerField(default=0)
    # Among the retrying: posts with an account deferred by a posting quota or left processing for later.
    deferred = models.PositiveIntegerField(default=0)
    processing = models.PositiveIntegerField(default=0)
    claimed = models.PositiveIntegerField(default=0)
    recovered = models.PositiveIntegerField(default=0)
    released = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the run stopped early; empty when it completed.")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["-finished_at"], name="publisher_run_finished_idx")]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} run on {self.host} (pid {self.pid}) at {self.started_at:%Y-%m-%d %H:%M:%S}"


class QuotaSlot(models.Model):
    """One post counted against its platform's posting quotas: reserved when the call starts (so overlapping
    runs never exceed a quota together), kept when the post was (or may have been) made, deleted when the call
    made nothing. Counted per account and per platform over each quota's window."""

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=16)
    # The post's account entry it was taken for; kept (null) if that row goes, since the post went out.
    post_account = models.ForeignKey(
        ScheduledPostAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["account", "taken_at"], name="quota_slot_account_idx"),
            models.Index(fields=["platform", "taken_at"], name="quota_slot_platform_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} account {self.account_id} at {self.taken_at:%Y-%m-%d %H:%M:%S}"


class QuotaScope(models.Model):
    """What one quota counts ("account:<id>" or "app:<PLATFORM>"): the row starting calls lock, so that the
    count and the reservation of a slot are one decision, and the time until which the platform said no more
    posts are taken (a 429 with its reset time)."""

    key = models.CharField(max_length=64, unique=True)
    blocked_until = models.DateTimeField(null=True, blank=True)
    blocked_reason = models.CharField(max_length=500, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key
