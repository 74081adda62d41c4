"""Forms of the planning admin pages. They collect input; the services check and save it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.timezones import timezone_names
from social.models import SocialAccount
from social.models import SocialAccountStatus

from .models import PostingSchedule
from .models import RecurringSeries
from .recurrence import variants_split
from .services.recurrence import SeriesInput
from .services.recurrence import series_input_check

# Where the series check's errors (keyed by SeriesInput field) go on the form.
SERIES_ERROR_FIELDS = {
    "name": "name",
    "content": "content",
    "account_ids": "social_accounts",
    "timezone_name": "timezone",
    "rule": "rule",
    "ends_on": "ends_on",
    "count": "count",
    "metadata": "metadata",
    NON_FIELD_ERRORS: None,
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(timezone_names())]


def accounts_queryset(current_ids: list[int] = ()):
    """Active accounts (and those already chosen), never loading a token."""
    return (
        SocialAccount.objects.filter(Q(status=SocialAccountStatus.ACTIVE) | Q(pk__in=list(current_ids)))
        .without_tokens()
        .order_by("platform", "name")
    )


class PostingScheduleForm(forms.ModelForm):
    timezone = forms.ChoiceField(label="Time zone", help_text="The slots are times on this zone's clock.")

    class Meta:
        model = PostingSchedule
        fields = ["name", "account", "group", "timezone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()
        self.fields["account"].queryset = SocialAccount.objects.without_tokens()
        if not self.instance.pk:
            self.initial.setdefault("timezone", timezone.get_current_timezone_name())


class OptionalJSONField(forms.JSONField):
    """A JSON object field that shows an empty box, not ``null``, when there is nothing in it."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None or value == {} else super().prepare_value(value)


def _series_field(name: str, **overrides: Any) -> forms.Field:
    return RecurringSeries._meta.get_field(name).formfield(**overrides)


class RecurringSeriesForm(forms.ModelForm):
    """A series as people write it; ``clean()`` runs the service's check, ``series_input`` is what it saves.

    It saves nothing itself (no model fields): the admin hands ``series_input`` to the series services.
    """

    name = _series_field("name")
    content = _series_field("content", widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}))
    variants = forms.CharField(
        label="Text variants",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
        help_text="Optional: texts used in turn (the first for occurrence 1), separated by a line holding only "
        "---. X, LinkedIn and others refuse a post identical to an earlier one: vary the text, or use {n} "
        "(the occurrence's number) or {date}.",
    )
    social_accounts = forms.ModelMultipleChoiceField(
        label="Accounts", queryset=SocialAccount.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    timezone = forms.ChoiceField(label="Time zone")
    starts_on = _series_field("starts_on", widget=forms.DateInput(attrs={"type": "date"}))
    time = _series_field("time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    # A plain RRULE text, checked by python-dateutil, with the next occurrences previewed on the page.
    # django-recurrence's widget was considered: it keeps DTSTART in UTC, so a 09:00 series would drift an
    # hour across a daylight-saving change, and its storage format is its own, not a bare RRULE.
    rule = _series_field(
        "rule",
        label="Repeat (RRULE)",
        help_text="RFC 5545, without its end: FREQ=WEEKLY;BYDAY=MO,TH (Mondays and Thursdays), "
        "FREQ=DAILY;INTERVAL=2 (every other day), FREQ=MONTHLY;BYMONTHDAY=1 (the 1st of each month). The "
        "first post is the first match on or after the start date.",
    )
    ends_on = _series_field(
        "ends_on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="End on this date (included), or after a count: set one of them.",
    )
    count = _series_field("count", label="Count (number of posts)")
    is_active = _series_field(
        "is_active", help_text="Off: no more posts are made, and its upcoming unedited posts are removed."
    )
    metadata = OptionalJSONField(
        label="Media and platform options (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        help_text='The post metadata, e.g. {"media": [{"url": "https://cdn.example.com/tip.jpg", "type": "image"}]}.',
    )

    class Meta:
        model = RecurringSeries
        # Listed and excluded: shown, but never copied onto the model nor validated by it (the services do);
        # ``fields`` still names exactly what is shown.
        fields = exclude = [  # noqa: DJ006
            "name",
            "content",
            "timezone",
            "starts_on",
            "time",
            "rule",
            "ends_on",
            "count",
            "is_active",
            "metadata",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        series = self.instance if self.instance.pk else None
        current = list(series.accounts.values_list("pk", flat=True)) if series else []
        self.fields["social_accounts"].queryset = accounts_queryset(current)
        self.fields["timezone"].choices = zone_choices()
        if series is None:
            self.initial.setdefault("timezone", timezone.get_current_timezone_name())
        else:
            self.initial.update(
                {
                    "name": series.name,
                    "content": series.content,
                    "variants": "\n---\n".join(series.text_variants),
                    "social_accounts": current,
                    "timezone": series.timezone,
                    "starts_on": series.starts_on,
                    "time": series.time,
                    "rule": series.rule,
                    "ends_on": series.ends_on,
                    "count": series.count,
                    "is_active": series.is_active,
                    "metadata": series.metadata or None,
                }
            )
        self.series_input: SeriesInput | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        metadata = cleaned.get("metadata") or {}
        if not isinstance(metadata, dict):
            self.add_error("metadata", "Enter a JSON object ({...}), or leave it empty.")
            return cleaned
        data = SeriesInput(
            name=cleaned.get("name", ""),
            content=cleaned.get("content", ""),
            account_ids=tuple(account.pk for account in cleaned.get("social_accounts", [])),
            timezone_name=cleaned["timezone"],
            starts_on=cleaned["starts_on"],
            time=cleaned["time"],
            rule=cleaned.get("rule", ""),
            ends_on=cleaned.get("ends_on"),
            count=cleaned.get("count"),
            text_variants=tuple(variants_split(cleaned.get("variants", ""))),
            metadata=metadata,
            is_active=cleaned.get("is_active", True),
        )
        errors = series_input_check(data=data)
        for key, messages in errors.items():
            self.add_error(SERIES_ERROR_FIELDS.get(key), messages)
        if not errors:
            self.series_input = data
        return cleaned


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8; the columns are listed below.")
    timezone = forms.ChoiceField(label="Time zone of rows without a timezone column")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices()
        self.initial.setdefault("timezone", timezone.get_current_timezone_name())

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload


class ImportRunForm(forms.Form):
    skip_bad_rows = forms.BooleanField(
        label="Import the good rows and skip the rows with problems", required=False
    )


class ExportForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label="To (included)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.MultipleChoiceField(label="Statuses", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = PostStatus.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise forms.ValidationError("The end date is before the start date.")
        return cleaned
