"""What people do to posts (the admin): create, edit, delete, publish now, retry, cancel, duplicate, and
resolve accounts whose outcome needs review.

Every write takes a row lock on the post and is conditional on the state it expects, so it never races the
publisher: a post the publisher holds (``PUBLISHING``) is never changed here, and history (accounts that
went out and their attempts) is never rewritten. A refusal is a ``ValidationError`` whose messages say why.
"""

from __future__ import annotations

import copy
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from social.models import Platform, SocialAccount, SocialAccountStatus
from social.platforms import (
    MediaItem,
    PublishPayload,
    UnknownPlatformError,
    account_facts_refresh,
    validation_problems,
)

from ..models import AccountStatus, PostStatus, PublishAttempt, ScheduledPost, ScheduledPostAccount
from ..rules import post_status_rollup
from ..selectors import token_fields

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# A post can be edited (or deleted) while nothing of it has gone out and the publisher does not hold it.
EDITABLE_STATUSES = frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.CANCELLED})
GONE_OUT_ACCOUNT_STATUSES = frozenset(
    {AccountStatus.PUBLISHING, AccountStatus.PUBLISHED, AccountStatus.NEEDS_REVIEW}
)
# Times are entered to the minute: the current minute is not "in the past" yet.
PAST_TIME_GRACE = timedelta(minutes=1)
MEDIA_TYPES = ("image", "video", "gif")


@functools.cache
def timezone_names() -> frozenset[str]:
    """The IANA zone names a post may be written in."""
    return frozenset(available_timezones())


def wall_time_to_utc(*, wall_time: datetime, timezone_name: str) -> datetime:
    """The aware UTC instant of a naive wall-clock time in ``timezone_name``.

    A time that does not exist (skipped when clocks jump forward) is refused. A time that happens twice
    (clocks fall back) is its first occurrence, the one still on daylight-saving time.
    """
    if wall_time.tzinfo is not None:
        raise ValueError("wall_time must be naive: it is read in timezone_name")
    zone = ZoneInfo(timezone_name)
    local = wall_time.replace(tzinfo=zone, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != wall_time:
        raise ValidationError(
            f"{wall_time:%H:%M} does not exist on {wall_time:%Y-%m-%d} in {timezone_name}: the clocks "
            "jump forward over it. Choose another time.",
            code="nonexistent_time",
        )
    return as_utc


def zone_or_utc(timezone_name: str) -> ZoneInfo:
    """The zone of a stored name; UTC for a name this system does not know."""
    return ZoneInfo(timezone_name if timezone_name in timezone_names() else "UTC")


def format_in_zone(value: datetime | None, timezone_name: str, *, with_date: bool = True) -> str:
    """``2026-03-08 14:05 EDT``: an instant as the wall time of a zone, with the zone's abbreviation."""
    if value is None:
        return ""
    local = value.astimezone(zone_or_utc(timezone_name))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}" if with_date else f"{local:%H:%M}"


@dataclass(frozen=True)
class PostInput:
    """What a person entered for a post; ``local_time`` is naive, read in ``timezone_name``."""

    content: str
    account_ids: tuple[int, ...]
    timezone_name: str
    local_time: datetime | None
    status: str = PostStatus.DRAFT
    publish_now: bool = False
    media: tuple[MediaItem, ...] = ()
    # {"TWITTER": {"content": "..."}, "YOUTUBE": {"title": "...", "privacy_status": "unlisted"}}
    platform_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The "advanced" JSON: anything else of the metadata (docs/architecture.md).
    extra_metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_scheduling(self) -> bool:
        return self.publish_now or self.status == PostStatus.SCHEDULED


@dataclass(frozen=True)
class PostCheck:
    """The outcome of checking a ``PostInput``.

    ``errors`` are keyed by the ``PostInput`` field they concern (or NON_FIELD_ERRORS); ``platform_problems``
    are the clients' validation messages, errors when scheduling and warnings on a draft.
    """

    errors: dict[str, list[str]]
    platform_problems: list[str]
    metadata: dict[str, Any]
    scheduled_at: datetime | None


def post_metadata_build(
    *,
    media: Sequence[MediaItem] = (),
    platform_options: Mapping[str, Mapping[str, Any]] | None = None,
    extra_metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The post's metadata from form-shaped parts. Empty values are left out; the parts win over
    ``extra_metadata`` (``post_input_check`` refuses a conflict, so nothing is silently dropped)."""
    metadata = copy.deepcopy(dict(extra_metadata or {}))
    if media:
        metadata["media"] = [
            {"url": item.url, "type": item.type, **({"alt_text": item.alt_text} if item.alt_text else {})}
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
        return [f'{where} must be a list of {{"url", "type", "alt_text"}} objects.']
    problems = []
    validate_url = URLValidator(schemes=["http", "https"])
    for index, item in enumerate(media, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
            problems.append(f'{where} item {index} must be an object with a "url".')
            continue
        try:
            validate_url(item["url"])
        except ValidationError:
            problems.append(f"{where} item {index}: {item['url']!r} is not an http(s) URL.")
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


def _platform_problems(
    *, content: str, metadata: Mapping[str, Any], accounts: Iterable[SocialAccount]
) -> list[str]:
    """Each chosen platform's client's validation messages ("X: 312 characters, the limit is 280")."""
    problems: list[str] = []
    for account in accounts:
        account_facts_refresh(account)  # what validation reads from the account (Mastodon's server limits)
        payload = PublishPayload.for_platform(content=content, metadata=metadata, platform=account.platform)
        try:
            found = validation_problems(account, payload)
        except UnknownPlatformError:
            # No client for this platform in this deployment: nothing to validate against.
            continue
        problems += [problem for problem in found if problem not in problems]
    return problems


def _inactive_account_problems(accounts: Iterable[SocialAccount]) -> list[str]:
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


def _accounts(account_ids: Iterable[int]) -> list[SocialAccount]:
    return list(SocialAccount.objects.filter(pk__in=list(account_ids)).defer(*token_fields()))


def post_input_check(
    *, data: PostInput, post: ScheduledPost | None = None, now: datetime | None = None
) -> PostCheck:
    """Everything that stops ``data`` from being saved (as a new post, or over ``post``)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = defaultdict(list)
    allowed_statuses = {PostStatus.DRAFT, PostStatus.SCHEDULED}
    if post is not None and post.status == PostStatus.CANCELLED:
        allowed_statuses.add(PostStatus.CANCELLED)
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
            and _same_minute(scheduled_at, post.scheduled_at)
        )
        if scheduled_at < now - PAST_TIME_GRACE and not unchanged:
            errors["local_time"].append(
                f"{format_in_zone(scheduled_at, data.timezone_name)} is in the past. Choose a later time, "
                "or choose to publish now."
            )

    accounts = _accounts(data.account_ids)
    if len(accounts) != len(set(data.account_ids)):
        errors["account_ids"].append("One of the chosen accounts no longer exists; reload the page.")
    if data.is_scheduling:
        if not data.account_ids:
            errors["account_ids"].append("Choose at least one account to publish to.")
        errors["account_ids"] += _inactive_account_problems(accounts)
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
    if data.is_scheduling and not data.content.strip() and not _has_any_media(metadata):
        errors["content"].append("Write something or add media before scheduling.")

    platform_problems = _platform_problems(content=data.content, metadata=metadata, accounts=accounts)
    if data.is_scheduling:
        errors[NON_FIELD_ERRORS] += platform_problems
    return PostCheck(
        errors={key: messages for key, messages in errors.items() if messages},
        platform_problems=platform_problems,
        metadata=metadata,
        scheduled_at=scheduled_at,
    )


def _has_any_media(metadata: Mapping[str, Any]) -> bool:
    return bool(metadata.get("media")) or any(
        isinstance(options, Mapping) and options.get("media")
        for options in (metadata.get("platforms") or {}).values()
    )


def _same_minute(a: datetime, b: datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _removed_accounts_with_history(*, post: ScheduledPost, kept_ids: Sequence[int]) -> list[str]:
    removed_with_history = (
        post.post_accounts.exclude(account_id__in=list(kept_ids))
        .filter(Exists(PublishAttempt.objects.filter(post_account=OuterRef("pk"))))
        .select_related("account")
        .defer(*token_fields(via="account__"))
    )
    return [
        f"{post_account.account.get_platform_display()}: {post_account.account.name} has publishing history "
        "and cannot be removed from this post."
        for post_account in removed_with_history
    ]


def post_is_editable(*, post: ScheduledPost) -> bool:
    """Whether a person may still change (or delete) ``post``: nothing of it has gone out."""
    return (
        post.status in EDITABLE_STATUSES
        and not post.post_accounts.filter(status__in=GONE_OUT_ACCOUNT_STATUSES).exists()
    )


def _lock_post(post_id: int) -> ScheduledPost:
    try:
        return ScheduledPost.objects.select_for_update().get(pk=post_id)
    except ScheduledPost.DoesNotExist:
        raise ValidationError(f"Post {post_id} does not exist (it may have been deleted).") from None


def _refuse_unless_editable(post: ScheduledPost) -> None:
    if not post_is_editable(post=post):
        why = (
            f"is {post.get_status_display().lower()}"
            if post.status not in EDITABLE_STATUSES
            else "has accounts it was already sent to"
        )
        raise ValidationError(
            f"{post} {why}, so it can no longer be changed: its history stays as it is. Duplicate it as a new "
            "draft instead.",
            code="not_editable",
        )


def post_create(*, created_by: AbstractBaseUser, data: PostInput) -> ScheduledPost:
    """Create a post and its accounts from what a person entered; raises ValidationError with field errors."""
    now = timezone.now()
    check = post_input_check(data=data, now=now)
    if check.errors:
        raise ValidationError(check.errors)
    with transaction.atomic():
        post = ScheduledPost.objects.create(
            content=data.content,
            metadata=check.metadata,
            scheduled_at=now if data.publish_now else check.scheduled_at,
            timezone=data.timezone_name,
            status=PostStatus.SCHEDULED if data.publish_now else data.status,
            created_by=created_by,
        )
        ScheduledPostAccount.objects.bulk_create(
            ScheduledPostAccount(post=post, account_id=account_id)
            for account_id in dict.fromkeys(data.account_ids)
        )
    return post


def post_update(*, post_id: int, data: PostInput) -> ScheduledPost:
    """Save a person's edit of a post that is still editable.

    Accounts kept keep their state; added ones start PENDING; removed ones are dropped (refused if they have
    publishing history). A new time or status is a fresh start: any pending retry time is cleared.
    """
    with transaction.atomic():
        post = _lock_post(post_id)
        _refuse_unless_editable(post)
        now = timezone.now()
        check = post_input_check(data=data, post=post, now=now)
        if check.errors:
            raise ValidationError(check.errors)
        new_status = PostStatus.SCHEDULED if data.publish_now else data.status
        if data.publish_now:
            scheduled_at = now
        elif _same_minute(check.scheduled_at, post.scheduled_at):
            scheduled_at = post.scheduled_at  # unchanged to the minute: keep the seconds it had
        else:
            scheduled_at = check.scheduled_at
        if scheduled_at != post.scheduled_at or new_status != post.status:
            post.next_attempt_at = None
            post.retry_count = 0
        post.content = data.content
        post.metadata = check.metadata
        post.timezone = data.timezone_name
        post.scheduled_at = scheduled_at
        post.status = new_status
        post.save(
            update_fields=[
                "content",
                "metadata",
                "timezone",
                "scheduled_at",
                "status",
                "next_attempt_at",
                "retry_count",
                "updated_at",
            ]
        )
        wanted = list(dict.fromkeys(data.account_ids))
        current = set(post.post_accounts.values_list("account_id", flat=True))
        post.post_accounts.exclude(account_id__in=wanted).delete()
        ScheduledPostAccount.objects.bulk_create(
            ScheduledPostAccount(post=post, account_id=account_id)
            for account_id in wanted
            if account_id not in current
        )
    return post


def post_delete(*, post_id: int) -> None:
    """Delete a post that is still editable; one with publishing history is kept (it is the record)."""
    with transaction.atomic():
        post = _lock_post(post_id)
        _refuse_unless_editable(post)
        post.delete()


def post_publish_now(*, post_id: int) -> ScheduledPost:
    """Make a draft, scheduled or cancelled post due now; the next publisher run (cron or trigger) sends it."""
    with transaction.atomic():
        post = _lock_post(post_id)
        if post.status not in EDITABLE_STATUSES:
            raise ValidationError(
                f"{post} is {post.get_status_display().lower()}; only drafts, scheduled and cancelled posts "
                "can be published now."
            )
        pending = [
            post_account.account
            for post_account in post.post_accounts.filter(status=AccountStatus.PENDING)
            .select_related("account")
            .defer(*token_fields(via="account__"))
        ]
        if not pending:
            raise ValidationError(f"{post} has no account left to publish to.")
        problems = _inactive_account_problems(pending) + _platform_problems(
            content=post.content, metadata=post.metadata, accounts=pending
        )
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        # A scheduled post whose time has passed keeps it (it is waiting for a retry); anything else is now.
        if post.status != PostStatus.SCHEDULED or post.scheduled_at > now:
            post.scheduled_at = now
        post.status = PostStatus.SCHEDULED
        post.next_attempt_at = None
        post.save(update_fields=["status", "scheduled_at", "next_attempt_at", "updated_at"])
    return post


def post_retry_failed_accounts(*, post_id: int) -> int:
    """Send a failed or partially published post again to its FAILED accounts, due now; returns how many.

    Published accounts are untouched; the post gets a fresh set of retry rounds.
    """
    with transaction.atomic():
        post = _lock_post(post_id)
        if post.status not in (PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED):
            raise ValidationError(
                f"{post} is {post.get_status_display().lower()}; only failed or partially published posts "
                "can be retried."
            )
        failed = [
            post_account.account
            for post_account in post.post_accounts.filter(status=AccountStatus.FAILED)
            .select_related("account")
            .defer(*token_fields(via="account__"))
        ]
        if not failed:
            raise ValidationError(f"{post} has no failed accounts to retry.")
        invalid = _platform_problems(content=post.content, metadata=post.metadata, accounts=failed)
        if invalid:
            invalid.append("It would fail again: duplicate it as a new draft and fix it there.")
        problems = _inactive_account_problems(failed) + invalid
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        retried = post.post_accounts.filter(status=AccountStatus.FAILED).update(
            status=AccountStatus.PENDING, error_kind="", error_message="", publish_state={}, updated_at=now
        )
        ScheduledPost.objects.filter(pk=post.pk, status=post.status).update(
            status=PostStatus.SCHEDULED,
            retry_count=0,
            next_attempt_at=now,
            lease_expires_at=None,
            updated_at=now,
        )
    return retried


def post_cancel(*, post_id: int) -> ScheduledPost:
    """Cancel a draft or scheduled post; one being published, or done, cannot be cancelled."""
    with transaction.atomic():
        post = _lock_post(post_id)
        if post.status not in (PostStatus.DRAFT, PostStatus.SCHEDULED):
            raise ValidationError(
                f"{post} is {post.get_status_display().lower()}; only drafts and scheduled posts can be "
                "cancelled."
            )
        post.status = PostStatus.CANCELLED
        post.next_attempt_at = None
        post.save(update_fields=["status", "next_attempt_at", "updated_at"])
    return post


def post_duplicate(*, post_id: int, created_by: AbstractBaseUser) -> ScheduledPost:
    """A new draft with the same content, metadata, time zone and accounts, owned by ``created_by``.

    It keeps the original time if that is still ahead, otherwise it is placed at the next full hour.
    """
    source = ScheduledPost.objects.get(pk=post_id)
    now = timezone.now()
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with transaction.atomic():
        copy_ = ScheduledPost.objects.create(
            content=source.content,
            metadata=copy.deepcopy(source.metadata),
            scheduled_at=source.scheduled_at if source.scheduled_at > now else next_hour,
            timezone=source.timezone,
            status=PostStatus.DRAFT,
            max_retries=source.max_retries,
            created_by=created_by,
        )
        ScheduledPostAccount.objects.bulk_create(
            ScheduledPostAccount(post=copy_, account_id=account_id)
            for account_id in source.post_accounts.values_list("account_id", flat=True)
        )
    return copy_


def _lock_post_account(post_account_id: int) -> tuple[ScheduledPost, ScheduledPostAccount]:
    post_id = (
        ScheduledPostAccount.objects.filter(pk=post_account_id).values_list("post_id", flat=True).first()
    )
    if post_id is None:
        raise ValidationError(f"Account entry {post_account_id} does not exist.")
    post = _lock_post(post_id)  # the post first, in the same order as every other write
    post_account = (
        ScheduledPostAccount.objects.select_for_update(of=("self",))
        .select_related("account")
        .defer(*token_fields(via="account__"))
        .get(pk=post_account_id)
    )
    if post.status == PostStatus.PUBLISHING:
        raise ValidationError(f"{post} is being published right now; try again in a minute.")
    if post_account.status != AccountStatus.NEEDS_REVIEW:
        raise ValidationError(
            f"{post_account.account} is {post_account.get_status_display().lower()} on {post}, "
            "not waiting for review."
        )
    return post, post_account


def post_account_mark_published(
    *, post_account_id: int, platform_post_id: str, platform_post_url: str = ""
) -> ScheduledPostAccount:
    """A person checked the platform and found the post: record it as published with its id."""
    platform_post_id = platform_post_id.strip()
    platform_post_url = platform_post_url.strip()
    errors: dict[str, list[str]] = {}
    if not platform_post_id:
        errors["platform_post_id"] = ["Enter the post's id on the platform."]
    elif len(platform_post_id) > ScheduledPostAccount._meta.get_field("platform_post_id").max_length:
        errors["platform_post_id"] = ["That id is too long."]
    if platform_post_url:
        try:
            URLValidator(schemes=["http", "https"])(platform_post_url)
        except ValidationError:
            errors["platform_post_url"] = ["Enter the post's http(s) address, or leave it empty."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        post, post_account = _lock_post_account(post_account_id)
        now = timezone.now()
        post_account.status = AccountStatus.PUBLISHED
        post_account.platform_post_id = platform_post_id
        post_account.platform_post_url = platform_post_url
        post_account.published_at = now
        post_account.error_kind = ""
        post_account.error_message = ""
        post_account.save(
            update_fields=[
                "status",
                "platform_post_id",
                "platform_post_url",
                "published_at",
                "error_kind",
                "error_message",
                "updated_at",
            ]
        )
        _post_roll_up(post, now=now)
    return post_account


def post_account_send_again(*, post_account_id: int) -> ScheduledPostAccount:
    """A person checked the platform and the post is not there: send it to this account again.

    An ended post becomes due now with fresh retry rounds; a post already waiting for a retry takes the
    account along in that retry (its wait may honour a platform's rate limit).
    """
    with transaction.atomic():
        post, post_account = _lock_post_account(post_account_id)
        if post.status not in (PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED):
            raise ValidationError(
                f"{post} is {post.get_status_display().lower()}; it will not be sent again."
            )
        problems = _inactive_account_problems([post_account.account])
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        post_account.status = AccountStatus.PENDING
        post_account.error_kind = ""
        post_account.error_message = ""
        post_account.publish_state = {}
        post_account.save(
            update_fields=["status", "error_kind", "error_message", "publish_state", "updated_at"]
        )
        if post.status != PostStatus.SCHEDULED:
            post.status = PostStatus.SCHEDULED
            post.retry_count = 0
            post.next_attempt_at = now
            post.lease_expires_at = None
            post.save(
                update_fields=["status", "retry_count", "next_attempt_at", "lease_expires_at", "updated_at"]
            )
    return post_account


def _post_roll_up(post: ScheduledPost, *, now: datetime) -> None:
    """After a person resolved an account, give an ended (or only-waiting) post its final status."""
    if post.status not in (
        PostStatus.SCHEDULED,
        PostStatus.FAILED,
        PostStatus.PARTIALLY_PUBLISHED,
        PostStatus.PUBLISHED,
    ):
        return
    final = post_status_rollup(post.post_accounts.values_list("status", flat=True))
    if final is None:
        return
    post.status = final
    post.next_attempt_at = None
    if post.published_at is None and final != PostStatus.FAILED:
        post.published_at = now
    post.save(update_fields=["status", "next_attempt_at", "published_at", "updated_at"])
