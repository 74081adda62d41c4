"""Forms of the admin: a post (plain fields the service turns into the post's metadata, see
docs/architecture.md) and the review of an account whose outcome is unknown."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from media_library.forms import LibraryMediaField
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import MediaItem
from social.platforms import OptionField
from social.platforms import platform_specs

from .access import post_account_choices
from .models import PostStatus
from .models import ScheduledPost
from .rules import post_savable_statuses
from .services.post_input import MEDIA_TYPES
from .services.post_input import PostCheck
from .services.post_input import PostInput
from .services.post_input import post_input_check
from .timezones import timezone_names
from .timezones import zone_or_utc

MEDIA_ROWS = 4
STATUS_LABELS = {PostStatus.DRAFT: "Draft (never published)"}
WALL_TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _option_form_field(option: OptionField) -> forms.Field:
    if option.choices:
        return forms.ChoiceField(
            label=option.label, required=False, choices=[("", "Default"), *option.choices]
        )
    widget = forms.Textarea(attrs={"rows": 3}) if option.multiline else None
    return forms.CharField(label=option.label, required=False, widget=widget)


# (form field, platform, key under metadata["platforms"][platform], field): each platform's spec's options.
PLATFORM_OPTION_FIELDS: list[tuple[str, str, str, forms.Field]] = [
    (spec.option_field_name(option), spec.platform, option.key, _option_form_field(option))
    for spec in platform_specs()
    for option in spec.options
]

# (form field, platform): each platform's own library media, instead of the post's, for platforms with media.
PLATFORM_MEDIA_FIELDS: list[tuple[str, str]] = [
    (f"{spec.slug}_library_media", spec.platform)
    for spec in platform_specs()
    if spec.limits.media is not None
]

# Where the service's errors (keyed by PostInput field) go on this form.
ERROR_FIELDS = {
    "content": "content",
    "media": "library_media",
    "account_ids": "social_accounts",
    "timezone_name": "timezone",
    "local_time": "scheduled_local",
    "status": "status",
    "extra_metadata": "advanced_metadata",
    NON_FIELD_ERRORS: None,
}


def large_textarea(*, rows: int) -> forms.Textarea:
    """A text box as wide as the admin's own for long text."""
    return forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"})


def media_row_fields(index: int) -> tuple[str, str, str]:
    return (f"media_{index}_url", f"media_{index}_type", f"media_{index}_alt_text")


class WallTimeField(forms.Field):
    """A date and time as a clock on the wall shows it: naive, read in the post's time-zone field.

    Django's DateTimeField would read it in the viewer's active zone, which is not the post's.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=WALL_TIME_FORMAT)
    input_formats = (WALL_TIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
    default_error_messages = {"invalid": "Enter a date and time, e.g. 2026-03-08T14:05."}

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        for input_format in self.input_formats:
            try:
                return datetime.strptime(str(value).strip(), input_format)
            except ValueError:
                continue
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class AccountsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: SocialAccount) -> str:
        if obj.status == SocialAccountStatus.ACTIVE:
            return obj.name
        return f"{obj.name} ({obj.get_status_display().lower()})"

    def grouped_choices(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """The accounts grouped under their platform's name."""
        groups: dict[str, list[tuple[int, str]]] = {}
        for account in self.queryset:
            groups.setdefault(account.get_platform_display(), []).append(
                (account.pk, self.label_from_instance(account))
            )
        return list(groups.items())


def _media_and_platform_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        "library_media": LibraryMediaField(
            label="From the media library",
            help_text="Each with its own alt text (empty: the asset's). Checked against every chosen account.",
        )
    }
    for name, platform in PLATFORM_MEDIA_FIELDS:
        spec_name = next(spec.name for spec in platform_specs() if spec.platform == platform)
        fields[name] = LibraryMediaField(
            label=f"{spec_name} media", platform=platform, platform_name=spec_name
        )
    for index in range(1, MEDIA_ROWS + 1):
        url, type_, alt_text = media_row_fields(index)
        fields[url] = forms.URLField(label=f"Media {index}", required=False, max_length=2000)
        fields[type_] = forms.ChoiceField(
            label="Type", choices=[(kind, kind) for kind in MEDIA_TYPES], initial="image"
        )
        fields[alt_text] = forms.CharField(label="Alt text", required=False, max_length=1000)
    for name, _platform, _key, field in PLATFORM_OPTION_FIELDS:
        fields[name] = field
    return fields


# Declared on a class (not added in __init__) so the admin's fieldsets can name them.
MediaAndPlatformFields = type("MediaAndPlatformFields", (forms.Form,), _media_and_platform_fields())


class ScheduledPostForm(MediaAndPlatformFields, forms.ModelForm):
    """A post as people write it. ``clean()`` runs the same check the services apply when saving."""

    # Set by the admin when the post is saved into its queue: gives the entered post its slot's time
    # (ValidationError when it has none), so the check runs at that time and no time need be typed.
    queue_input: Callable[[PostInput], PostInput] | None = None

    social_accounts = AccountsField(
        label="Accounts",
        queryset=SocialAccount.objects.none(),
        required=False,
        help_text="Connected, active accounts; connect more under Social accounts.",
    )
    scheduled_local = WallTimeField(
        label="Time",
        required=False,
        help_text="In the time zone below. A time that happens twice when clocks fall back is the first one "
        "(still summer time); a time the clocks skip does not exist.",
    )
    timezone = forms.ChoiceField(label="Time zone")
    status = forms.ChoiceField(widget=forms.RadioSelect)
    publish_now = forms.BooleanField(
        label="Publish now",
        required=False,
        help_text="Ignore the time: the next publisher run (within a minute) sends it.",
    )
    advanced_metadata = forms.JSONField(
        label="Advanced (JSON)",
        required=False,
        widget=large_textarea(rows=4),
        help_text='Anything else of the metadata, e.g. {"platforms": {"YOUTUBE": {"media": [{"url": '
        '"https://cdn.example.com/v.mp4", "type": "video"}]}}}. Fields above win; setting one thing in '
        "both places is an error.",
    )

    class Meta:
        model = ScheduledPost
        fields = ["content"]
        widgets = {"content": large_textarea(rows=6)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        post = self.instance if self.instance.pk else None
        accounts = self.fields["social_accounts"]
        current_ids = list(post.post_accounts.values_list("account_id", flat=True)) if post else []
        acting_user = getattr(self, "acting_user", None)  # set by the admin: whose choices these are
        choosable = (
            SocialAccount.objects.without_tokens()
            if acting_user is None
            else post_account_choices(user=acting_user, post=post)
        )
        accounts.queryset = choosable.filter(
            Q(status=SocialAccountStatus.ACTIVE) | Q(pk__in=current_ids)
        ).order_by("platform", "name")
        accounts.choices = accounts.grouped_choices()

        zone_field = self.fields["timezone"]
        zone_field.choices = [(name, name) for name in sorted(timezone_names())]
        self.fields["status"].choices = [
            (status, STATUS_LABELS.get(status, PostStatus(status).label))
            for status in post_savable_statuses(post=post)
        ]

        if post is None:
            self.initial.setdefault("timezone", timezone.get_current_timezone_name())
            self.initial.setdefault("status", PostStatus.SCHEDULED)
            if not self.is_bound:
                # The browser knows the author's zone better than a cookie set on an earlier page.
                zone_field.widget.attrs["data-follow-viewer-timezone"] = ""
        else:
            self.initial.update(
                {
                    "social_accounts": current_ids,
                    "scheduled_local": timezone.localtime(
                        post.scheduled_at, zone_or_utc(post.timezone)
                    ).replace(tzinfo=None, second=0, microsecond=0),
                    "timezone": post.timezone,
                    "status": post.status,
                }
            )
            fields, advanced = split_metadata(post.metadata)
            self.initial.update(fields)
            if advanced:
                self.initial["advanced_metadata"] = advanced
        self.post_input: PostInput | None = None
        self.post_check: PostCheck | None = None

    def clean_advanced_metadata(self) -> dict[str, Any]:
        value = self.cleaned_data.get("advanced_metadata")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValidationError("Enter a JSON object ({...}), or leave it empty.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The library's media first, then the addresses, in the order shown.
        media = [
            MediaItem(asset_id=use["asset"], type="", alt_text=use["alt_text"])
            for use in cleaned.get("library_media") or []
        ]
        for index in range(1, MEDIA_ROWS + 1):
            url, type_, alt_text = media_row_fields(index)
            if cleaned.get(url):
                media.append(
                    MediaItem(
                        url=cleaned[url],
                        type=cleaned.get(type_) or "image",
                        alt_text=cleaned.get(alt_text, ""),
                    )
                )
            elif cleaned.get(alt_text):
                self.add_error(url, "Enter the media's address, or clear its alt text.")
        if self.errors:
            return cleaned
        platform_options: dict[str, dict[str, str]] = {}
        for name, platform, key, _field in PLATFORM_OPTION_FIELDS:
            if cleaned.get(name):
                platform_options.setdefault(platform, {})[key] = cleaned[name]
        for name, platform in PLATFORM_MEDIA_FIELDS:
            if cleaned.get(name):
                platform_options.setdefault(platform, {})["media"] = [
                    {"asset": use["asset"], **({"alt_text": use["alt_text"]} if use["alt_text"] else {})}
                    for use in cleaned[name]
                ]
        self.post_input = PostInput(
            content=cleaned.get("content", ""),
            account_ids=tuple(account.pk for account in cleaned.get("social_accounts", [])),
            timezone_name=cleaned["timezone"],
            local_time=cleaned.get("scheduled_local"),
            status=cleaned["status"],
            publish_now=cleaned.get("publish_now", False),
            media=tuple(media),
            platform_options=platform_options,
            extra_metadata=cleaned.get("advanced_metadata") or {},
        )
        if self.queue_input is not None:
            try:
                self.post_input = self.queue_input(self.post_input)
            except ValidationError as exc:
                self.add_error("social_accounts", exc)
                return cleaned
        self.post_check = post_input_check(
            data=self.post_input, post=self.instance if self.instance.pk else None, quota_warnings=True
        )
        for key, messages in self.post_check.errors.items():
            self.add_error(ERROR_FIELDS.get(key), messages)
        return cleaned


def split_metadata(metadata: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A post's metadata as (initial values of the plain fields, what only the advanced JSON can hold).

    The service's ``post_metadata_build`` puts them back together into the same metadata.
    """
    rest = copy.deepcopy(dict(metadata or {}))
    fields: dict[str, Any] = {}
    media = rest.get("media")
    library = list(itertools.takewhile(_is_library_media, media)) if isinstance(media, list) else []
    addresses = media[len(library) :] if isinstance(media, list) else []
    if (
        isinstance(media, list)
        and media
        and len(addresses) <= MEDIA_ROWS
        and all(map(_is_simple_media, addresses))
    ):
        if library:
            fields["library_media"] = [_library_use(item) for item in library]
        for index, item in enumerate(addresses, start=1):
            url, type_, alt_text = media_row_fields(index)
            fields.update(
                {url: item["url"], type_: item.get("type", "image"), alt_text: item.get("alt_text", "")}
            )
        del rest["media"]
    platforms = rest.get("platforms")
    if isinstance(platforms, dict):
        for name, platform in PLATFORM_MEDIA_FIELDS:
            options = platforms.get(platform)
            own = options.get("media") if isinstance(options, dict) else None
            if isinstance(own, list) and own and all(map(_is_library_media, own)):
                fields[name] = [_library_use(item) for item in options.pop("media")]
        for name, platform, key, field in PLATFORM_OPTION_FIELDS:
            options = platforms.get(platform)
            if not isinstance(options, dict) or not isinstance(options.get(key), str):
                continue
            if isinstance(field, forms.ChoiceField) and options[key] not in dict(field.choices):
                continue
            fields[name] = options.pop(key)
        for platform in [platform for platform, options in platforms.items() if options == {}]:
            del platforms[platform]
        if not platforms:
            del rest["platforms"]
    return fields, rest


def _is_library_media(item: Any) -> bool:
    """A metadata item the picker can show: a library asset, with at most its type and alt text."""
    return (
        isinstance(item, dict)
        and set(item) <= {"asset", "type", "alt_text"}
        and isinstance(item.get("asset"), int)
        and not isinstance(item.get("asset"), bool)
        and isinstance(item.get("alt_text", ""), str)
    )


def _library_use(item: dict[str, Any]) -> dict[str, Any]:
    return {"asset": item["asset"], "alt_text": item.get("alt_text", "")}


def _is_simple_media(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and set(item) <= {"url", "type", "alt_text"}
        and isinstance(item.get("url"), str)
        and item.get("type", "image") in MEDIA_TYPES
        and isinstance(item.get("alt_text", ""), str)
    )


class MarkPublishedForm(forms.Form):
    platform_post_id = forms.CharField(label="The post's id on the platform", max_length=255)
    platform_post_url = forms.URLField(label="Its address (optional)", required=False, max_length=500)


class SendAgainForm(forms.Form):
    confirm = forms.BooleanField(
        label="I checked the account: the post is not there, so sending it again will not post it twice."
    )
