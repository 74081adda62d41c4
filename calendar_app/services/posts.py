"""What people do to posts (the admin): create, edit, delete, publish now, retry, cancel, duplicate, and
resolve accounts whose outcome needs review.

Every write takes a row lock on the post and is conditional on the state it expects, so it never races the
publisher: a post the publisher holds (``PUBLISHING``) is never changed here, and history (accounts that
went out and their attempts) is never rewritten. A refusal is a ``ValidationError`` whose messages say why.
"""

from __future__ import annotations

import copy
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from social.models import SocialAccount

from ..models import AccountStatus
from ..models import PostStatus
from ..models import ScheduledPost
from ..models import ScheduledPostAccount
from ..publisher.quotas import quota_slots_release
from ..rules import SendRule
from ..rules import post_account_review_refusal
from ..rules import post_account_send_again_refusal
from ..rules import post_cancel_refusal
from ..rules import post_edit_refusal
from ..rules import post_publish_now_refusal
from ..rules import post_retry_refusal
from ..rules import post_status_rollup
from ..selectors import post_account_statuses
from .post_input import PostInput
from .post_input import inactive_account_problems
from .post_input import post_accounts_facts_refresh
from .post_input import post_input_check
from .post_input import post_platform_problems
from .post_input import same_minute
from .post_media import post_media_missing_refusal
from .post_media import post_media_usage_sync

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def _lock_post(post_id: int) -> ScheduledPost:
    try:
        return ScheduledPost.objects.select_for_update().get(pk=post_id)
    except ScheduledPost.DoesNotExist:
        raise ValidationError(f"Post {post_id} does not exist (it may have been deleted).") from None


def _lock_post_to_send(post_id: int, rule: SendRule) -> tuple[ScheduledPost, list[SocialAccount]]:
    """Lock a post about to be sent (again), refusing as ``rule`` says or when an asset of it was deleted;
    with the accounts it goes to."""
    post = _lock_post(post_id)
    post_accounts = list(post.post_accounts.with_account())
    _refuse(rule(post=post, account_statuses={pa.status for pa in post_accounts}))
    _refuse(post_media_missing_refusal(post=post))
    return post, [pa.account for pa in post_accounts if pa.status == rule.to]


def _refuse(refusal: str | None, *, code: str | None = None) -> None:
    """Raise a rule's refusal (calendar_app.rules) as the ValidationError a person reads."""
    if refusal is not None:
        raise ValidationError(refusal, code=code)


def post_is_editable(*, post: ScheduledPost) -> bool:
    """Whether a person may still change (or delete) ``post`` (calendar_app.rules.post_edit_refusal)."""
    return post_edit_refusal(post=post, account_statuses=post_account_statuses(post_id=post.pk)) is None


def _refuse_unless_editable(post: ScheduledPost) -> None:
    statuses = post_account_statuses(post_id=post.pk)
    _refuse(post_edit_refusal(post=post, account_statuses=statuses), code="not_editable")


def post_create(*, created_by: AbstractBaseUser, data: PostInput) -> ScheduledPost:
    """Create a post and its accounts from what a person entered; raises ValidationError with field errors."""
    post_accounts_facts_refresh(account_ids=data.account_ids)
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
        post_media_usage_sync(post=post)
    return post


def post_update(*, post_id: int, data: PostInput) -> ScheduledPost:
    """Save a person's edit of a post that is still editable.

    Accounts kept keep their state; added ones start PENDING; removed ones are dropped (refused if they have
    publishing history). A new time or status is a fresh start: any pending retry time is cleared.
    """
    post_accounts_facts_refresh(account_ids=data.account_ids)
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
        elif same_minute(check.scheduled_at, post.scheduled_at):
            scheduled_at = post.scheduled_at  # unchanged to the minute: keep the seconds it had
        else:
            scheduled_at = check.scheduled_at
        if scheduled_at != post.scheduled_at or new_status != post.status:
            post.next_attempt_at = None
            post.retry_count = 0
        previous_metadata = post.metadata
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
        post_media_usage_sync(post=post, previous_metadata=previous_metadata)
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
        post, pending = _lock_post_to_send(post_id, post_publish_now_refusal)
        problems = inactive_account_problems(pending) + post_platform_problems(
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
        post, failed = _lock_post_to_send(post_id, post_retry_refusal)
        invalid = post_platform_problems(content=post.content, metadata=post.metadata, accounts=failed)
        if invalid:
            invalid.append("It would fail again: duplicate it as a new draft and fix it there.")
        problems = inactive_account_problems(failed) + invalid
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
        _refuse(post_cancel_refusal(post=post, account_statuses=post_account_statuses(post_id=post.pk)))
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
        post_media_usage_sync(post=copy_, skip_missing=True)
    return copy_


def _lock_post_account(post_account_id: int) -> tuple[ScheduledPost, ScheduledPostAccount]:
    post_id = (
        ScheduledPostAccount.objects.filter(pk=post_account_id).values_list("post_id", flat=True).first()
    )
    if post_id is None:
        raise ValidationError(f"Account entry {post_account_id} does not exist.")
    post = _lock_post(post_id)  # the post first, in the same order as every other write
    post_account = (
        ScheduledPostAccount.objects.select_for_update(of=("self",)).with_account().get(pk=post_account_id)
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
        _refuse(post_account_review_refusal(post=post, post_account=post_account))
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
        _refuse(post_account_send_again_refusal(post=post, post_account=post_account))
        _refuse(post_media_missing_refusal(post=post))
        problems = inactive_account_problems([post_account.account])
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
        # The call in doubt made nothing after all: its quota slot is given back.
        quota_slots_release(post_account_ids=[post_account.pk])
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
