"""What a run takes: the posts it won, each loaded as a round with its accounts (their tokens decrypted
once per SocialAccount), and the attempts a dead run left open closed for reconciliation."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptOutcome
from calendar_app.models import ErrorKind
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPostAccount
from calendar_app.selectors import post_accounts_for_publishing
from calendar_app.selectors import post_accounts_last_call_started
from calendar_app.selectors import posts_held_by_run
from social.crypto import TokenDecryptionError
from social.models import SocialAccount

from .account_call import KEY_PROBLEM_MESSAGE
from .events import account_result_loaded
from .finalize import PostRound
from .media import media_sources_load
from .targets import AccountTarget
from .targets import PostRef

logger = logging.getLogger(__name__)


def post_rounds_load(
    *, tried: list[int], lease_token: uuid.UUID, missed_after_seconds: float
) -> list[PostRound]:
    """The posts the run holding ``lease_token`` won among ``tried``, each with its accounts: a fixed number
    of queries."""
    posts = posts_held_by_run(
        lease_token=lease_token,
        post_ids=tried,
        missed_after_seconds=missed_after_seconds,
    )
    if not posts:
        return []
    post_accounts, problems = _post_accounts_load([post.pk for post in posts])
    media_sources = media_sources_load(posts)
    in_doubt = [pa.pk for pa in post_accounts if pa.status == AccountStatus.PUBLISHING]
    # Accounts sent again that may go on from their saved progress need their last call's time too.
    resumable = [pa.pk for pa in post_accounts if pa.status == AccountStatus.PENDING and pa.publish_state]
    calls: dict[int, tuple[datetime | None, bool]] = {}
    if in_doubt or resumable:
        calls = post_accounts_last_call_started(post_account_ids=in_doubt + resumable)
    if any(calls.get(pk, (None, False))[1] for pk in in_doubt):
        _attempts_close_dangling(post_account_ids=in_doubt)
    targets: dict[int, list[AccountTarget]] = {post.pk: [] for post in posts}
    for pa in post_accounts:
        targets[pa.post_id].append(
            AccountTarget(
                post_account_id=pa.pk,
                status=pa.status,
                account=None if pa.account_id in problems else pa.account,
                label=str(pa.account),
                account_problem=problems.get(pa.account_id, ""),
                publish_state=pa.publish_state or {},
                published_at=pa.published_at,
                in_doubt_since=calls.get(pa.pk, (None, False))[0],
                processing_since=pa.processing_since,
                call_in_flight=calls.get(pa.pk, (None, False))[1],
                loaded=account_result_loaded(pa),
            )
        )
    return [
        PostRound(
            post=post,
            ref=PostRef(
                post_id=post.pk,
                content=post.content,
                metadata=post.metadata or {},
                lease_token=lease_token,
                media_sources=media_sources.get(post.pk, {}),
            ),
            targets=targets[post.pk],
        )
        for post in posts
    ]


def _post_accounts_load(post_ids: list[int]) -> tuple[list[ScheduledPostAccount], dict[int, str]]:
    """The accounts of the posts, and for each SocialAccount whose token cannot be decrypted, why.

    Each SocialAccount is loaded (and its tokens decrypted) once, however many of the posts go to it. A key
    problem is the operator's, not the post's: the other accounts load and go out regardless.
    """
    post_accounts = list(post_accounts_for_publishing(post_ids=post_ids, with_social_account=False))
    account_ids = {pa.account_id for pa in post_accounts}
    problems: dict[int, str] = {}
    try:
        accounts = SocialAccount.objects.in_bulk(account_ids)
    except TokenDecryptionError:
        # Without tokens for labels and checks; then one by one, to tell which ones cannot be read.
        accounts = SocialAccount.objects.without_tokens().in_bulk(account_ids)
        for account_id in account_ids:
            try:
                accounts[account_id] = SocialAccount.objects.get(pk=account_id)
            except TokenDecryptionError as exc:
                logger.error("SocialAccount %s: %s (system check social.E003)", account_id, exc)
                problems[account_id] = KEY_PROBLEM_MESSAGE
    for pa in post_accounts:
        pa.account = accounts[pa.account_id]
    return post_accounts, problems


def _attempts_close_dangling(*, post_account_ids: list[int]) -> None:
    """Close the attempts a dead run left open; reconciliation records what became of them."""
    PublishAttempt.objects.filter(
        post_account_id__in=post_account_ids, outcome=AttemptOutcome.IN_PROGRESS
    ).update(
        outcome=AttemptOutcome.FAILED,
        error_kind=ErrorKind.UNKNOWN,
        finished_at=timezone.now(),
        error_message="The run making this call stopped before it answered; the outcome is checked next.",
    )
