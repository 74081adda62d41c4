"""Checking what a person entered for a post, before it is saved: the same check for the admin's form
and the services that save it (``post_input_check``), and the metadata shape it builds."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Exists
from django.db.models import OuterRef
from django.utils import timezone

from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import MediaItem
from social.platforms import PublishPayload
from social.platforms import UnknownPlatformError
from social.platforms import account_facts_refresh
from social.platforms import validation_problems

from ..models import PostStatus
from ..models import PublishAttempt
from ..models import ScheduledPost
from ..rules import post_savable_statuses
from ..timezones import format_in_zone
from ..timezones import timezone_names
from ..timezones import wall_time_to_utc
from .post_media import media_assets_by_id
from .post_media import metadata_asset_ids
from .post_media import metadata_with_asset_kinds
from .post_media import post_media_check
from .quota_warnings import post_quota_warnings

# Times are entered to the minute: the current minute is not "in the past" yet.
PAST_TIME_GRACE = timedelta(minutes=1)
MEDIA_TYPES = ("image", "video", "gif")


@dataclass(frozen=True)
class PostInput:
    """What a person entered for a post; ``local_time`` is naive, read in ``timezone_name``."""

    content: str
    account_ids: tuple[int, ...]
    timezone_name: str
    local_time: datetime | None
    status: str = PostStatus.DRAFT
    publish_now: bool = False
    # The post's media: library assets (``asset_id``) and URLs, in order.
    media: tuple[MediaItem, ...] = ()
    # {"TWITTER": {"content": "..."}, "YOUTUBE": {"title": "...", "privacy_status": "unlisted"}}; a
    # platform's "media" is a list of metadata items ({"asset": 12, "alt_text": "..."}).
    platform_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The "advanced" JSON: anything else of the metadata shape (docs/architecture.md).
    extra_metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_scheduling(self) -> bool:
        return self.publish_now or self.status == PostStatus.SCHEDULED


@dataclass(frozen=True)
class PostCheck:
    """The outcome of checking a ``PostInput``.

    ``errors`` are keyed by the ``PostInput`` field they concern (or NON_FIELD_ERRORS; "media" for the
    library media); ``platform_problems`` are the clients' validation messages and what each platform's
    media rules refuse of the library media, errors when scheduling and warnings on a draft. ``warnings``
    never stop a save: a post scheduled where a platform's posting quota is full (it will wait for the window).
    """

    errors: dict[str, list[str]]
    platform_problems: list[str]
    metadata: dict[str, Any]
    scheduled_at: datetime | None
    warnings: list[str] = field(default_factory=list)


def post_metadata_build(
    *,
    media: Sequence[MediaItem] = (),
    platform_options: Mapping[str, Mapping[str, Any]] | None = None,
    extra_metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The post's metadata (docs/architecture.md) from form-shaped parts. Empty values are left out; the
    parts win over ``extra_metadata`` (``post_input_check`` refuses a conflict, so nothing is silently
    dropped)."""
    metadata = copy.deepcopy(dict(extra_metadata or {}))
    if media:
        metadata["media"] = [
            {
                **({"asset": item.asset_id} if item.asset_id is not None else {"url": item.url}),
                # An asset item's type is its asset's kind (set by post_input_check).
                "type": item.type or "image",
                **({"alt_text": item.alt_text} if item.alt_text else {}),
            }
            for item in media
        ]
    for platform, options in (platform_options or {}).items():
        values = {key: value for key, value in options.items() if value not in ("", None)}
        if values:
            metadata.setdefault("platforms", {}).setdefault(platform, {}).update(values)
    return metadata


def post_metadata_problems(metadata: Any) -> list[str]:
    """What is wrong with the shape of an (advanced) metadata object."""
    if not isinstance(metadata, Mapping):
        return ['Metadata must be a JSON object, e.g. {"platforms": {"TWITTER": {"content": "..."}}}.']
    problems = _media_problems(metadata.get("media"), where="media")
    platforms = metadata.get("platforms", {})
    if not isinstance(platforms, Mapping):
        return [*problems, '"platforms" must be an object keyed by platform (TWITTER, FACEBOOK, ...).']
    for platform, options in platforms.items():
        if platform not in Platform.values:
            problems.append(
                f'"platforms" has an unknown platform {platform!r}; use one of {", ".join(Platform.values)}.'
            )
        elif not isinstance(options, Mapping):
            problems.append(f'"platforms".{platform} must be an object.')
        else:
            if "content" in options and not isinstance(options["content"], str):
                problems.append(f'"platforms".{platform}.content must be text.')
            problems += _media_problems(options.get("media"), where=f'"platforms".{platform}.media')
    return problems


def _media_problems(media: Any, *, where: str) -> list[str]:
    if media is None:
        return []
    if not isinstance(media, list):
        return [
            f'{where} must be a list of {{"url", "type", "alt_text"}} or {{"asset", "alt_text"}} objects.'
        ]
    problems = []
    validate_url = URLValidator(schemes=["http", "https"])
    for index, item in enumerate(media, start=1):
        if isinstance(item, Mapping) and "asset" in item:
            asset = item["asset"]
            if isinstance(asset, bool) or not isinstance(asset, int):
                problems.append(f'{where} item {index}: "asset" must be a media library asset id (a number).')
            if "url" in item:
                problems.append(f'{where} item {index} has both an "asset" and a "url"; keep one.')
        elif not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
            problems.append(f'{where} item {index} must be an object with a "url" or an "asset".')
            continue
        else:
            try:
                validate_url(item["url"])
            except ValidationError:
                problems.append(f"{where} item {index}: {item['url']!r} is not an http(s) URL.")
        if not isinstance(item.get("alt_text", ""), str):
            problems.append(f"{where} item {index}: alt_text must be text.")
        if item.get("type", "image") not in MEDIA_TYPES:
            problems.append(f"{where} item {index}: type must be one of {', '.join(MEDIA_TYPES)}.")
    return problems


def _metadata_conflicts(data: PostInput) -> list[str]:
    extra = data.extra_metadata or {}
    conflicts = []
    if data.media and extra.get("media"):
        conflicts.append("Media is set both in the media rows and in the advanced JSON; keep one of them.")
    extra_platforms = extra.get("platforms") if isinstance(extra.get("platforms"), Mapping) else {}
    for platform, options in data.platform_options.items():
        given = {key for key, value in options.items() if value not in ("", None)}
        extra_options = extra_platforms.get(platform)
        clashing = sorted(given & set(extra_options)) if isinstance(extra_options, Mapping) else []
        for key in clashing:
            conflicts.append(f"{platform}.{key} is set both in its field and in the advanced JSON; keep one.")
    return conflicts


def post_platform_problems(
    *, content: str, metadata: Mapping[str, Any], accounts: Iterable[SocialAccount]
) -> list[str]:
    """Each chosen platform's client's validation messages ("X: 312 characters, the limit is 280")."""
    problems: list[str] = []
    for account in accounts:
        payload = PublishPayload.for_platform(content=content, metadata=metadata, platform=account.platform)
        try:
            found = validation_problems(account, payload)
        except UnknownPlatformError:
            # No client for this platform in this deployment: nothing to validate against.
            continue
        problems += [problem for problem in found if problem not in problems]
    return problems


def inactive_account_problems(accounts: Iterable[SocialAccount]) -> list[str]:
    return [
        f"{account.get_platform_display()}: {account.name} "
        + (
            "needs reconnecting; reconnect it first."
            if account.status == SocialAccountStatus.NEEDS_RECONNECT
            else "is disabled."
        )
        for account in accounts
        if account.status != SocialAccountStatus.ACTIVE
    ]


def post_accounts_facts_refresh(*, account_ids: Iterable[int]) -> None:
    """Refresh what validation reads from the chosen accounts (Mastodon's server limits, when stale).

    It may call the platform, so callers run it before they lock anything.
    """
    for account in _accounts(account_ids):
        account_facts_refresh(account)


def _accounts(account_ids: Iterable[int]) -> list[SocialAccount]:
    return list(SocialAccount.objects.without_tokens().filter(pk__in=list(account_ids)))


def post_input_check(
    *,
    data: PostInput,
    post: ScheduledPost | None = None,
    now: datetime | None = None,
    accounts: Sequence[SocialAccount] | None = None,
    quota_warnings: bool = False,
) -> PostCheck:
    """Everything that stops ``data`` from being saved (as a new post, or over ``post``).

    ``accounts``: the accounts of ``data.account_ids`` when the caller loaded them already (a CSV import
    checks a thousand rows against accounts it read once). ``quota_warnings``: also say where the platforms'
    posting quotas will make posts wait (a few queries per account: for a form, not a bulk import).
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = defaultdict(list)
    allowed_statuses = post_savable_statuses(post=post)
    if data.status not in allowed_statuses:
        errors["status"].append(f"A post can be saved as {' or '.join(sorted(allowed_statuses))} here.")

    scheduled_at = None
    if data.timezone_name not in timezone_names():
        errors["timezone_name"].append(f"{data.timezone_name!r} is not a known time zone.")
    elif data.publish_now:
        pass  # the time is now, whatever was entered
    elif data.local_time is None:
        errors["local_time"].append("Enter the time to publish at, or choose to publish now.")
    else:
        try:
            scheduled_at = wall_time_to_utc(wall_time=data.local_time, timezone_name=data.timezone_name)
        except ValidationError as exc:
            errors["local_time"] += exc.messages
    if scheduled_at is not None and data.status == PostStatus.SCHEDULED:
        unchanged = (
            post is not None
            and post.status == PostStatus.SCHEDULED
            and same_minute(scheduled_at, post.scheduled_at)
        )
        if scheduled_at < now - PAST_TIME_GRACE and not unchanged:
            errors["local_time"].append(
                f"{format_in_zone(scheduled_at, data.timezone_name)} is in the past. Choose a later time, "
                "or choose to publish now."
            )

    accounts = _accounts(data.account_ids) if accounts is None else list(accounts)
    if len(accounts) != len(set(data.account_ids)):
        errors["account_ids"].append("One of the chosen accounts no longer exists; reload the page.")
    if data.is_scheduling:
        if not data.account_ids:
            errors["account_ids"].append("Choose at least one account to publish to.")
        errors["account_ids"] += inactive_account_problems(accounts)
    if post is not None:
        errors["account_ids"] += _removed_accounts_with_history(post=post, kept_ids=data.account_ids)

    extra = data.extra_metadata or {}
    extra_problems = post_metadata_problems(extra)
    if extra_problems:
        errors["extra_metadata"] += extra_problems
        extra = {}  # check the rest as if it were empty, so every other problem is still reported
    else:
        errors["extra_metadata"] += _metadata_conflicts(data)
    for platform in data.platform_options:
        if platform not in Platform.values:
            errors[NON_FIELD_ERRORS].append(f"Unknown platform {platform!r}.")
    metadata = post_metadata_build(
        media=data.media, platform_options=data.platform_options, extra_metadata=extra
    )
    assets = media_assets_by_id(metadata_asset_ids(metadata))
    metadata = metadata_with_asset_kinds(metadata, assets)
    if data.is_scheduling and not data.content.strip() and not _has_any_media(metadata):
        errors["content"].append("Write something or add media before scheduling.")

    client_problems = post_platform_problems(content=data.content, metadata=metadata, accounts=accounts)
    media = post_media_check(metadata=metadata, accounts=accounts, assets=assets)
    errors["media"] += media.missing
    warnings: list[str] = []
    if data.is_scheduling:
        errors[NON_FIELD_ERRORS] += client_problems
        errors["media"] += media.problems
        going_at = now if data.publish_now else scheduled_at
        if quota_warnings and going_at is not None and data.timezone_name in timezone_names():
            warnings = post_quota_warnings(
                accounts=accounts,
                scheduled_at=going_at,
                timezone_name=data.timezone_name,
                post_id=None if post is None else post.pk,
            )
    platform_problems = client_problems + media.problems
    return PostCheck(
        errors={key: messages for key, messages in errors.items() if messages},
        platform_problems=platform_problems,
        metadata=metadata,
        scheduled_at=scheduled_at,
        warnings=warnings,
    )


def _has_any_media(metadata: Mapping[str, Any]) -> bool:
    return bool(metadata.get("media")) or any(
        isinstance(options, Mapping) and options.get("media")
        for options in (metadata.get("platforms") or {}).values()
    )


def same_minute(a: datetime, b: datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _removed_accounts_with_history(*, post: ScheduledPost, kept_ids: Sequence[int]) -> list[str]:
    removed_with_history = (
        post.post_accounts.exclude(account_id__in=list(kept_ids))
        .filter(Exists(PublishAttempt.objects.filter(post_account=OuterRef("pk"))))
        .with_account()
    )
    return [
        f"{post_account.account.get_platform_display()}: {post_account.account.name} has publishing history "
        "and cannot be removed from this post."
        for post_account in removed_with_history
    ]
