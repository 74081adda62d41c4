"""The publisher's health: what ``GET /healthz``, the admin home page and ``check_publisher`` report.

On the database's clock, with S = ``PUBLISH_STALL_AFTER``:

- due unsent: SCHEDULED posts whose time (or retry time) has come, and PUBLISHING posts whose lease ran
  out (their run died and no run has recovered them yet); ``oldest_due_seconds`` is how long the
  longest-waiting of them has been due.
- stalled: a due post has waited at least S and no publisher run finished in the last S seconds (or none
  ever did). Nothing is publishing: the cron line or the --watch process is gone, or every run dies.
- degraded, when not stalled: due posts have waited at least S although runs finish (the publisher is
  behind), the last run that finished stopped early with an error (its database failed), or an account
  needs reconnecting (its posts fail until someone does).
- ok otherwise. An idle publisher is ok however long ago its last run finished: a --watch publisher
  records only the turns that take posts, and with nothing due nothing can be late.

Only the web process can notice a publisher that died: ``publisher_health_check`` (``/healthz``, the
admin home page, ``check_publisher``) records ``publisher.stalled`` once per stall and delivers it at once
(the publisher that would deliver it is the one that stopped), and records ``publisher.recovered`` once a
run finishes after the stall; every run's after-run step checks too, so a recovery is told as soon as
runs resume.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count
from django.db.models import DateTimeField
from django.db.models import DurationField
from django.db.models import ExpressionWrapper
from django.db.models import F
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.db.models.functions import Now

from notifications.models import Event
from notifications.models import EventType
from notifications.services import events_record
from notifications.services import notifications_deliver
from notifications.services import publisher_recovered_event
from notifications.services import publisher_stalled_event
from notifications.services.events import iso_utc
from social.models import SocialAccount
from social.models import SocialAccountStatus

from .models import PublisherRun
from .selectors import post_due_queryset
from .selectors import post_expired_lease_queryset

logger = logging.getLogger(__name__)

OK = "ok"
STALLED = "stalled"
DEGRADED = "degraded"

# What the web process spends delivering a stall it just noticed (the rest goes with the next pass).
STALL_DELIVERY_MAX_SECONDS = 5


@dataclass(frozen=True)
class PublisherHealth:
    status: str
    last_run_finished_at: datetime | None
    seconds_since_last_run: float | None
    due_unsent: int
    oldest_due_seconds: float | None
    accounts_need_reconnecting: int
    problems: tuple[str, ...]  # why it is not ok, in plain words

    @property
    def is_ok(self) -> bool:
        return self.status == OK

    def as_json(self) -> dict[str, object]:
        """The body of ``GET /healthz``: these five keys, nothing else."""
        return {
            "status": self.status,
            "last_run_finished_at": iso_utc(self.last_run_finished_at),
            "seconds_since_last_run": _whole(self.seconds_since_last_run),
            "due_unsent": self.due_unsent,
            "oldest_due_seconds": _whole(self.oldest_due_seconds),
        }

    def line(self) -> str:
        """One line for ``check_publisher`` and logs."""
        last = (
            f"the last run finished {_ago(self.seconds_since_last_run)}"
            if self.last_run_finished_at is not None
            else "no run has finished yet"
        )
        due = (
            _count(self.due_unsent, "due post")
            + " unsent"
            + (f", the oldest due {_ago(self.oldest_due_seconds)}" if self.due_unsent else "")
        )
        text = f"{self.status}: {last}; {due}"
        return text + (f". {' '.join(self.problems)}" if self.problems else ".")


def stall_after_seconds() -> float:
    seconds = settings.PUBLISH_STALL_AFTER
    if not isinstance(seconds, int | float) or not seconds > 0:
        raise ImproperlyConfigured(f"PUBLISH_STALL_AFTER must be a positive number, not {seconds!r}.")
    return float(seconds)


def publisher_health() -> PublisherHealth:
    """How the publisher is doing now (see the module's definitions): three indexed reads and a count of
    the accounts to reconnect (a small table); no write."""
    stall_after = stall_after_seconds()
    age = ExpressionWrapper(Now() - F("finished_at"), output_field=DurationField())
    last = (
        PublisherRun.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")  # publisher_run_finished_idx
        .annotate(age=age)
        .values("finished_at", "error", "age")
        .first()
    )
    due_unsent, oldest = _due_unsent()
    reconnect = SocialAccount.objects.filter(status=SocialAccountStatus.NEEDS_RECONNECT).count()
    since_last = last["age"].total_seconds() if last else None
    late = due_unsent > 0 and oldest is not None and oldest >= stall_after
    runs_finish = since_last is not None and since_last < stall_after
    problems = []
    if late and not runs_finish:
        status = STALLED
        problems.append(
            f"Posts due for {_duration(oldest)} are not being published and no publisher run finished "
            f"in the last {_duration(stall_after)} (PUBLISH_STALL_AFTER): check the cron line or the "
            "publish_due_posts --watch process."
        )
    else:
        if late:
            problems.append(
                f"The publisher is behind: posts have been due for {_duration(oldest)} although runs finish."
            )
        if last and last["error"]:
            problems.append(f"The last publisher run stopped early: {last['error']}")
        if reconnect:
            needs = "needs" if reconnect == 1 else "need"
            problems.append(
                f"{_count(reconnect, 'account')} {needs} reconnecting; their posts fail until then."
            )
        status = DEGRADED if problems else OK
    return PublisherHealth(
        status=status,
        last_run_finished_at=last["finished_at"] if last else None,
        seconds_since_last_run=since_last,
        due_unsent=due_unsent,
        oldest_due_seconds=oldest,
        accounts_need_reconnecting=reconnect,
        problems=tuple(problems),
    )


def _due_unsent() -> tuple[int, float | None]:
    """How many posts are due and not being sent, and how long the oldest has been due (seconds)."""
    due_at = Coalesce(F("next_attempt_at"), F("scheduled_at"), output_field=DateTimeField())
    waited = ExpressionWrapper(Now() - due_at, output_field=DurationField())
    count, longest = 0, timedelta(0)
    # The claim's own definitions, each served by its partial index.
    for queryset in (post_due_queryset(), post_expired_lease_queryset()):
        figures = queryset.order_by().aggregate(count=Count("pk"), longest=Max(waited))
        if figures["count"]:
            count += figures["count"]
            longest = max(longest, figures["longest"])
    return count, (max(longest.total_seconds(), 0.0) if count else None)


def publisher_health_check(*, deliver: bool = True) -> PublisherHealth:
    """``publisher_health``, and the events of a change: ``publisher.stalled`` once per stall (delivered
    at once when ``deliver``: the publisher that delivers events is the one that stopped) and
    ``publisher.recovered`` once a run has finished since. Safe from any number of processes at once: each
    event is deduplicated per stall. One more indexed read; a write only when something changed."""
    health = publisher_health()
    open_stall = _open_stall()
    current_key = iso_utc(health.last_run_finished_at) or ""
    drafts = []
    if open_stall is not None and open_stall != current_key:  # a run finished since the stall
        drafts.append(
            publisher_recovered_event(
                stalled_since_run_finished_at=datetime.fromisoformat(open_stall) if open_stall else None
            )
        )
    stalled_now = health.status == STALLED and open_stall != current_key
    if stalled_now:
        drafts.append(
            publisher_stalled_event(
                due_unsent=health.due_unsent,
                oldest_due_seconds=health.oldest_due_seconds or 0.0,
                last_run_finished_at=health.last_run_finished_at,
            )
        )
    if drafts:
        with transaction.atomic():
            events_record(events=drafts)
    if stalled_now:
        logger.error("The publisher is stalled: %s", health.line())
        if deliver:
            notifications_deliver(max_seconds=STALL_DELIVERY_MAX_SECONDS)
    return health


def _open_stall() -> str | None:
    """The last run's finish time (ISO, "" for none) of a stall not yet followed by a recovery; None when
    there is none. Served by the partial index ``event_publisher_health_idx``."""
    latest = (
        Event.objects.filter(type__in=[EventType.PUBLISHER_STALLED, EventType.PUBLISHER_RECOVERED])
        # A recovery and the next stall noticed together share a time: the stall is the later one.
        .order_by("-created_at", "-type")
        .values_list("type", "data")
        .first()
    )
    if latest is None or latest[0] != EventType.PUBLISHER_STALLED:
        return None
    return latest[1].get("last_run_finished_at") or ""


def accounts_needing_reconnect(*, limit: int = 10) -> list[SocialAccount]:
    """The accounts a person must reconnect (never loading a token), for the admin's banner."""
    return list(
        SocialAccount.objects.without_tokens()
        .filter(status=SocialAccountStatus.NEEDS_RECONNECT)
        .order_by("platform", "name", "pk")[:limit]
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _ago(seconds: float | None) -> str:
    return "just now" if not seconds else f"{_duration(seconds)} ago"
