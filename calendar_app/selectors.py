"""Reads of scheduled posts."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from datetime import timedelta
from uuid import UUID

from django.db.models import BooleanField
from django.db.models import Count
from django.db.models import DateTimeField
from django.db.models import Exists
from django.db.models import ExpressionWrapper
from django.db.models import F
from django.db.models import Max
from django.db.models import OuterRef
from django.db.models import Prefetch
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce
from django.db.models.functions import Now

from .models import AccountStatus
from .models import AttemptAction
from .models import AttemptOutcome
from .models import PostStatus
from .models import PublishAttempt
from .models import ScheduledPost
from .models import ScheduledPostAccount


def post_expired_lease_queryset() -> QuerySet[ScheduledPost]:
    """PUBLISHING posts whose run stopped renewing its lease (it died): recovery takes these over.

    A missing lease counts as expired, so a PUBLISHING post can never be stranded. Served by the partial
    index ``post_lease_publishing_idx``; compared on the database's clock.
    """
    return (
        ScheduledPost.objects.filter(status=PostStatus.PUBLISHING)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=Now()))
        .order_by(F("lease_expires_at").asc(nulls_first=True), "id")
    )


def _with_due_state(
    queryset: QuerySet[ScheduledPost], *, missed_after_seconds: float
) -> QuerySet[ScheduledPost]:
    """Annotate ``due_at``, ``is_missed`` (due longer ago than ``missed_after_seconds``, on the database's
    clock) and ``waits`` (its retry time has not come), the longest-waiting first."""
    missed_before = ExpressionWrapper(
        Now() - timedelta(seconds=missed_after_seconds), output_field=DateTimeField()
    )
    return (
        queryset.annotate(due_at=Coalesce(F("next_attempt_at"), F("scheduled_at")))
        .annotate(is_missed=ExpressionWrapper(Q(due_at__lt=missed_before), output_field=BooleanField()))
        # A post recovered to check an account still processing may have pending accounts whose own time
        # (a retry, a quota's window) has not come yet.
        .annotate(waits=ExpressionWrapper(Q(next_attempt_at__gt=Now()), output_field=BooleanField()))
        .order_by("due_at", "id")
    )


def posts_held_by_run(
    *, lease_token: UUID, post_ids: Collection[int], missed_after_seconds: float
) -> list[ScheduledPost]:
    """The posts among ``post_ids`` that the run holding ``lease_token`` actually won, with ``due_at`` and
    ``is_missed``."""
    return list(
        _with_due_state(
            ScheduledPost.objects.filter(
                pk__in=post_ids, lease_token=lease_token, status=PostStatus.PUBLISHING
            ),
            missed_after_seconds=missed_after_seconds,
        )
    )


def posts_with_due_state(*, post_ids: Collection[int], missed_after_seconds: float) -> list[ScheduledPost]:
    """The given posts with ``due_at`` and ``is_missed``, whatever their state (the dry run's preview)."""
    return list(
        _with_due_state(
            ScheduledPost.objects.filter(pk__in=post_ids), missed_after_seconds=missed_after_seconds
        )
    )


def post_accounts_for_publishing(
    *, post_ids: Collection[int], with_social_account: bool = True
) -> QuerySet[ScheduledPostAccount]:
    """Every account of the given posts, in order.

    ``with_social_account`` joins each row's SocialAccount, without its tokens (a preview needs no token).
    Without it the caller loads the SocialAccounts itself, each once however many posts go to it.
    """
    queryset = ScheduledPostAccount.objects.filter(post_id__in=post_ids)
    if with_social_account:
        queryset = queryset.with_account()
    return queryset.order_by("post_id", "id")


def post_accounts_last_call_started(
    *, post_account_ids: Collection[int]
) -> dict[int, tuple[datetime | None, bool]]:
    """Per account: when its latest publish call started (the time an in-doubt or resumed call is looked up
    by), and whether a call of it is still open (a run died before it answered)."""
    rows = (
        PublishAttempt.objects.filter(post_account_id__in=post_account_ids)
        .values("post_account_id")
        .annotate(
            started_at=Max("started_at", filter=Q(action=AttemptAction.PUBLISH)),
            open_calls=Count("id", filter=Q(outcome=AttemptOutcome.IN_PROGRESS)),
        )
        .order_by()
    )
    return {row["post_account_id"]: (row["started_at"], row["open_calls"] > 0) for row in rows}


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


def post_accounts_prefetch() -> Prefetch:
    """A post's accounts with their social account, never loading (or decrypting) a token."""
    return Prefetch(
        "post_accounts",
        queryset=ScheduledPostAccount.objects.with_account(),
    )


def post_account_statuses(*, post_id: int) -> set[str]:
    """The statuses of a post's accounts: what the rules of calendar_app.rules look at."""
    return set(ScheduledPostAccount.objects.filter(post_id=post_id).values_list("status", flat=True))


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


def post_calendar_list(
    *, start: datetime, end: datetime, queryset: QuerySet[ScheduledPost] | None = None
) -> list[ScheduledPost]:
    """Posts (of ``queryset``, default all) scheduled in [start, end), in time order, with their accounts."""
    queryset = ScheduledPost.objects.all() if queryset is None else queryset
    return list(
        queryset.filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .order_by("scheduled_at", "id")
        .prefetch_related(post_accounts_prefetch())
    )


def _with_history(queryset: QuerySet[ScheduledPostAccount]) -> QuerySet[ScheduledPostAccount]:
    return queryset.with_account().prefetch_related(
        Prefetch("attempts", queryset=PublishAttempt.objects.order_by("started_at", "id"))
    )


def post_accounts_with_history_prefetch() -> Prefetch:
    """A post's accounts (without tokens), each with its attempt history (``attempts``, oldest first)."""
    return Prefetch("post_accounts", queryset=_with_history(ScheduledPostAccount.objects.order_by("id")))


def post_account_history(*, post_id: int) -> list[ScheduledPostAccount]:
    """A post's accounts, each with its full attempt history (``attempts``, oldest first)."""
    return list(
        _with_history(ScheduledPostAccount.objects.filter(post_id=post_id)).order_by(
            "account__platform", "account__name", "id"
        )
    )


def post_account_with_history(*, post_id: int, post_account_id: int) -> ScheduledPostAccount | None:
    """One account of a post with its attempt history (``attempts``, oldest first); None if it has no such
    account."""
    return _with_history(ScheduledPostAccount.objects.filter(post_id=post_id, pk=post_account_id)).first()
