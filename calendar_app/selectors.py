"""Reads of scheduled posts."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, Now

from .models import AccountStatus, PostStatus, PublishAttempt, ScheduledPost, ScheduledPostAccount


def post_due_queryset(*, now: datetime | Expression | None = None) -> QuerySet[ScheduledPost]:
    """SCHEDULED posts whose time (or retry time) has come, the longest-waiting first.

    ``now`` defaults to the database's clock, so hosts with skewed clocks agree on what is due. The
    ``due_at`` expression is the one the partial index ``post_due_scheduled_idx`` is built on.
    """
    now = Now() if now is None else now
    return (
        ScheduledPost.objects.filter(status=PostStatus.SCHEDULED, scheduled_at__lte=now)
        .alias(due_at=Coalesce(F("next_attempt_at"), F("scheduled_at")))
        .filter(due_at__lte=now)
        .order_by("due_at", "id")
    )


# --- Reads for the admin (lists, the post page, the calendar) ---------------------------------------


def token_fields(*, via: str = "") -> list[str]:
    """SocialAccount's encrypted token columns, to ``defer()`` wherever accounts are only displayed or
    validated (``via="account__"`` through a relation): never loaded, never decrypted."""
    return [f"{via}access_token", f"{via}refresh_token"]


def post_accounts_prefetch() -> Prefetch:
    """A post's accounts with their social account, never loading (or decrypting) a token."""
    return Prefetch(
        "post_accounts",
        queryset=ScheduledPostAccount.objects.select_related("account").defer(*token_fields(via="account__")),
    )


def post_list_queryset(*, queryset: QuerySet[ScheduledPost] | None = None) -> QuerySet[ScheduledPost]:
    """Posts with everything a list row shows (author, accounts), in a fixed number of queries."""
    queryset = ScheduledPost.objects.all() if queryset is None else queryset
    return queryset.select_related("created_by").prefetch_related(post_accounts_prefetch())


def post_needs_attention_q() -> Q:
    """FAILED or PARTIALLY_PUBLISHED posts, and any post with an account whose outcome needs review."""
    return Q(status__in=[PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED]) | Q(
        Exists(ScheduledPostAccount.objects.filter(post=OuterRef("pk"), status=AccountStatus.NEEDS_REVIEW))
    )


def post_on_platform_q(*, platform: str) -> Q:
    return Q(Exists(ScheduledPostAccount.objects.filter(post=OuterRef("pk"), account__platform=platform)))


def post_to_account_q(*, account_id: int) -> Q:
    return Q(Exists(ScheduledPostAccount.objects.filter(post=OuterRef("pk"), account_id=account_id)))


def post_calendar_list(*, start: datetime, end: datetime) -> list[ScheduledPost]:
    """Posts scheduled in [start, end), in time order, with their accounts."""
    return list(
        ScheduledPost.objects.filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .order_by("scheduled_at", "id")
        .prefetch_related(post_accounts_prefetch())
    )


def post_account_history(*, post_id: int) -> list[ScheduledPostAccount]:
    """A post's accounts, each with its full attempt history (``attempts``, oldest first)."""
    return list(
        ScheduledPostAccount.objects.filter(post_id=post_id)
        .select_related("account")
        .defer(*token_fields(via="account__"))
        .prefetch_related(Prefetch("attempts", queryset=PublishAttempt.objects.order_by("started_at", "id")))
        .order_by("account__platform", "account__name", "id")
    )
