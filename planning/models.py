"""Planning: posting schedules (slots and their queue), recurring series, and what a CSV import created.

Posts stay ``calendar_app.ScheduledPost`` rows made through its services; these models only link to them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from calendar_app.models import ScheduledPost
from social.models import SocialAccount


def exactly_one_of(first: str, second: str, *, name: str, message: str) -> models.CheckConstraint:
    """A row sets ``first`` or ``second``, never both and never neither."""
    return models.CheckConstraint(
        condition=Q(**{f"{first}__isnull": False, f"{second}__isnull": True})
        | Q(**{f"{first}__isnull": True, f"{second}__isnull": False}),
        name=name,
        violation_error_message=message,
    )


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AccountGroup(models.Model):
    """Accounts planned together, e.g. "Brand A": its X, LinkedIn and Facebook accounts."""

    name = models.CharField(max_length=100, unique=True)
    accounts = models.ManyToManyField(SocialAccount, related_name="account_groups")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PostingSchedule(models.Model):
    """Weekly posting slots of one account or one account group, read in the schedule's time zone."""

    name = models.CharField(max_length=100)
    account = models.OneToOneField(
        SocialAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="posting_schedule"
    )
    group = models.OneToOneField(
        AccountGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="posting_schedule"
    )
    timezone = models.CharField(max_length=64, help_text="The IANA time zone the slots are read in.")
    is_paused = models.BooleanField(
        default=False,
        help_text="A paused schedule holds its queued posts as drafts until it is resumed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            exactly_one_of(
                "account",
                "group",
                name="posting_schedule_account_xor_group",
                message="Choose the schedule's account or its account group (one of them).",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PostingSlot(models.Model):
    schedule = models.ForeignKey(PostingSchedule, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    time = models.TimeField(help_text="On the schedule's clock, e.g. 09:00.")

    class Meta:
        ordering = ["schedule_id", "weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "weekday", "time"], name="posting_slot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.time:%H:%M}"


class QueueEntry(models.Model):
    """A post placed in a schedule's queue ("Add to queue")."""

    schedule = models.ForeignKey(PostingSchedule, on_delete=models.CASCADE, related_name="entries")
    post = models.OneToOneField(ScheduledPost, on_delete=models.CASCADE, related_name="queue_entry")
    # Set aside while the schedule is paused: the post was made a draft and goes back when it resumes.
    is_held = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["schedule_id", "post__scheduled_at", "id"]
        verbose_name_plural = "queue entries"

    def __str__(self) -> str:
        return f"{self.post} in {self.schedule}"


class RecurringSeries(models.Model):
    """A post repeated by an RFC 5545 rule; each occurrence becomes an ordinary scheduled post."""

    name = models.CharField(max_length=200)
    content = models.TextField(blank=True, help_text="May use {n} (occurrence number) and {date}.")
    # Texts used in turn, occurrence 1 the first; empty = ``content`` every time.
    text_variants = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    accounts = models.ManyToManyField(SocialAccount, related_name="recurring_series")
    timezone = models.CharField(max_length=64)
    starts_on = models.DateField()
    time = models.TimeField(help_text="On the series' clock.")
    rule = models.CharField(
        max_length=500, help_text="An RFC 5545 RRULE without its end, e.g. FREQ=WEEKLY;BYDAY=MO,TH"
    )
    ends_on = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Every occurrence up to this instant exists (as a post, or skipped): a run with nothing to do is cheap.
    materialized_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recurring_series"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "recurring series"
        constraints = [
            exactly_one_of(
                "ends_on",
                "count",
                name="recurring_series_ends_on_xor_count",
                message="End the series either on a date or after a number of posts.",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=1), name="series_count_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SeriesOccurrence(models.Model):
    """One instant of a series: the post made for it, or a skip. Unique per instant, so two overlapping
    runs never make the same occurrence twice."""

    series = models.ForeignKey(RecurringSeries, on_delete=models.CASCADE, related_name="occurrences")
    occurs_at = models.DateTimeField()
    number = models.PositiveIntegerField(help_text="1 for the series' first occurrence: {n}.")
    # Null when skipped before it was made, or when a person deleted the post (it is not made again).
    post = models.OneToOneField(
        ScheduledPost, on_delete=models.SET_NULL, null=True, blank=True, related_name="series_occurrence"
    )
    is_skipped = models.BooleanField(default=False)
    # Edited on its own (here or in the post admin): edits of the series leave it alone.
    is_edited = models.BooleanField(default=False)
    # What the series made, to tell an edit in the post admin from the series' own text.
    fingerprint = models.CharField(max_length=64, blank=True)
    # Why it was made as a draft instead of scheduled (an account to reconnect, text too long).
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series_id", "occurs_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "occurs_at"], name="series_occurrence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.series} #{self.number}"


class PostImport(models.Model):
    """A CSV file checked (dry run) and possibly imported, kept so the import can run after the check."""

    class Status(models.TextChoices):
        CHECKED = "CHECKED", "Checked"
        IMPORTED = "IMPORTED", "Imported"

    file_name = models.CharField(max_length=255)
    content = models.TextField(help_text="The file's text, kept for the import after the dry run.")
    timezone = models.CharField(max_length=64, help_text="For rows without a timezone column.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKED)
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display().lower()})"


class ImportedRow(models.Model):
    """The key of an imported CSV row: importing the same row again creates nothing."""

    key = models.CharField(max_length=200, unique=True)
    post = models.OneToOneField(ScheduledPost, on_delete=models.CASCADE, related_name="import_row")
    post_import = models.ForeignKey(
        PostImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="rows"
    )
    row_number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post_import_id", "row_number"]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.key}"
