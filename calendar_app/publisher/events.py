"""The events a run records in the notifications' outbox, built from what the run holds in memory.

Each is recorded in the transaction of the change that causes it: a post's end in its finalize batch's
transaction (one INSERT per batch, see ``run.py``), an account that becomes NEEDS_REVIEW in its result
batch's (``recorder.py``). Nothing here reads the database: the run loaded every account of its posts when
it claimed them and follows each one's result, so an event costs no query of its own.
"""

from __future__ import annotations

from dataclasses import replace

from calendar_app.models import ScheduledPostAccount
from notifications.services import AccountResult
from notifications.services import EventDraft
from notifications.services import post_account_needs_review_event
from notifications.services import post_finalized_event

from .finalize import PostRound
from .recorder import OUTCOMES
from .recorder import Result


def account_result_loaded(post_account: ScheduledPostAccount) -> AccountResult:
    """An account of a claimed post as it was loaded (``post_account.account`` already in memory)."""
    return AccountResult(
        account_id=post_account.account_id,
        platform=post_account.account.platform,
        account_name=post_account.account.name,
        status=post_account.status,
        error_kind=post_account.error_kind,
        error_message=post_account.error_message,
        platform_post_url=post_account.platform_post_url,
    )


def post_end_event(round_: PostRound, *, group_key: str | None) -> EventDraft | None:
    """The event of a post the run just finalized; None when it went back to SCHEDULED for a retry."""
    if round_.ended_as is None:
        return None
    accounts = [
        replace(result, status=round_.statuses[post_account_id])
        for post_account_id, result in round_.account_results.items()
    ]
    return post_finalized_event(
        post=round_.post, status=round_.ended_as, accounts=accounts, group_key=group_key
    )


def needs_review_events(
    results: list[Result], *, rounds: dict[int, PostRound], group_key: str | None
) -> list[EventDraft]:
    """The ``post_account.needs_review`` events of results just written (each of a post the run holds:
    a result's post stays in ``rounds`` until the post is finalized)."""
    drafts = []
    for result in results:
        round_ = rounds[result.post.post_id]
        account = replace(
            round_.account_results[result.target.post_account_id],
            status=OUTCOMES[result.verdict].account_status,
            error_kind=result.kind,
            error_message=result.message,
        )
        drafts.append(post_account_needs_review_event(post=round_.post, account=account, group_key=group_key))
    return drafts
