"""The dry run: what a run would do now, account by account; claims and writes nothing."""

from __future__ import annotations

import time

from calendar_app.models import AccountStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.selectors import post_accounts_for_publishing
from calendar_app.selectors import post_due_queryset
from calendar_app.selectors import post_expired_lease_queryset
from calendar_app.selectors import posts_with_due_state
from social.crypto import TokenDecryptionError
from social.models import SocialAccountStatus
from social.platforms import PublishPayload
from social.platforms import UnknownPlatformError
from social.platforms import validation_problems

from .account_call import KEY_PROBLEM_MESSAGE
from .config import RunConfig
from .config import missed_message
from .summary import PublishRunSummary


def dry_run(*, config: RunConfig, post_ids: list[int] | None) -> PublishRunSummary:
    """What a run would do now, account by account; claims and writes nothing."""
    started = time.monotonic()
    summary = PublishRunSummary(dry_run=True)
    lines = summary.dry_run_lines
    expired = post_expired_lease_queryset()
    due = post_due_queryset()
    if post_ids is not None:
        expired, due = expired.filter(pk__in=post_ids), due.filter(pk__in=post_ids)
    for post_id in expired.values_list("pk", flat=True)[: config.limit]:
        lines.append(f"Post {post_id}: its run stopped (lease expired); it would be recovered.")
    due_ids = list(due.values_list("pk", flat=True)[: config.limit])
    posts = posts_with_due_state(post_ids=due_ids, missed_after_seconds=config.missed_after_seconds)
    by_post: dict[int, list[ScheduledPostAccount]] = {post.pk: [] for post in posts}
    for pa in post_accounts_for_publishing(post_ids=due_ids):
        by_post[pa.post_id].append(pa)
    for post in posts:
        lines.append(
            f"Post {post.pk}: due {post.due_at:%Y-%m-%d %H:%M:%S} UTC, round {post.retry_count + 1} of "
            f"{post.max_retries + 1}"
        )
        if post.is_missed:
            lines.append(f"  missed: {missed_message(post, config.missed_after_seconds)}")
        for pa in by_post[post.pk]:
            lines.extend(_dry_run_account_lines(post, pa))
    summary.duration_seconds = time.monotonic() - started
    return summary


def _dry_run_account_lines(post: ScheduledPost, pa: ScheduledPostAccount) -> list[str]:
    account = pa.account
    if pa.status != AccountStatus.PENDING:
        if pa.status == AccountStatus.PUBLISHING:
            return [
                f"  -> {account}: a call may have gone out; it would be checked with the platform, not re-sent"
            ]
        return [f"  -> {account}: already {pa.status}, not sent again"]
    lines = [f"  -> {account}:"]
    try:
        payload = PublishPayload.for_platform(
            content=post.content, metadata=post.metadata, platform=account.platform
        )
    except (AttributeError, TypeError, ValueError) as exc:
        return [*lines, f"     problem: the post's metadata cannot be read: {exc}"]
    lines.append(f"     text: {payload.text!r}")
    if payload.media:
        lines.extend(
            f"     media: {item.type} {item.url or f'library asset {item.asset_id}'}"
            + (f" (alt: {item.alt_text!r})" if item.alt_text else "")
            for item in payload.media
        )
    else:
        lines.append("     media: none")
    if payload.options:
        lines.append(f"     options: {dict(payload.options)}")
    if account.status != SocialAccountStatus.ACTIVE:
        lines.append(
            f"     problem: the account is {account.get_status_display().lower()}; it would not be sent"
        )
    try:
        problems = validation_problems(account, payload)
    except UnknownPlatformError as exc:
        problems = [str(exc)]
    except TokenDecryptionError:
        problems = [KEY_PROBLEM_MESSAGE]
    lines.extend(f"     problem: {problem}" for problem in problems)
    return lines
