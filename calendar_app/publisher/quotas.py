"""The quota ledger: what was published per account and per app, so a post over a platform's posting limit
waits for the window to free instead of being refused by the platform.

A call that starts takes a slot (``QuotaSlot``) in the same transaction as its PUBLISHING mark. The
decision is made under a lock on each quota's ``QuotaScope`` row (one per account, one per platform app),
taken in key order, so overlapping runs count one after the other and together never exceed a limit; on
SQLite the first write of the transaction serializes them the same way. An account whose post does not fit
is not started: it stays PENDING with kind QUOTA and a message saying when the window frees
(``Deferral``). A slot is kept when the post was, or may have been, made, and deleted when the call made
nothing (``quota_slots_release``). A platform's own refusal that says when its window frees (a 429 with a
reset time) blocks the scope until then (``quota_scope_block``).

Everything runs on the publisher's database lanes; the times are the database's clock on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from django.db import connection
from django.db.models import Max
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import QuotaScope
from calendar_app.models import QuotaSlot
from social.platforms.quotas import AccountQuota

# ruff: noqa: S608 (identifiers from model metadata; values are parameters)

# The longest window a quota has (a day, or a calendar day in any zone): older slots count for nothing.
KEEP_SLOTS_FOR = timedelta(days=2)


@dataclass(frozen=True)
class QuotaRequest:
    """One account about to start its call, and the quotas its post counts against."""

    post_account_id: int
    account_id: int
    platform: str
    quotas: tuple[AccountQuota, ...]


@dataclass(frozen=True)
class Deferral:
    """Why an account was not started, and until when it waits."""

    until: datetime
    seconds: float  # from now (the database's clock)
    message: str


def quota_slots_admit(requests: Sequence[QuotaRequest]) -> tuple[datetime, dict[int, Deferral]]:
    """Decide, in order, which of ``requests`` fit their quotas; inside the start's transaction.

    Locks the quotas' scope rows for the rest of the transaction. Returns the time (the database's clock)
    and the deferrals (by post account id); the others fit, and ``quota_slots_take`` records their slots
    once their marks are written.
    """
    keys = sorted({quota.scope_key for request in requests for quota in request.quotas})
    if not keys:
        return timezone.now(), {}
    now, blocked = _scopes_lock(keys)
    counts = _counts(now, requests)
    taken: dict[tuple[str, int], int] = defaultdict(int)  # this batch's slots, per (scope, window)
    deferrals: dict[int, Deferral] = {}
    for request in requests:
        deferral = _blocked(now, request, blocked) or _over(now, request, counts, taken)
        if deferral is not None:
            deferrals[request.post_account_id] = deferral
            continue
        for quota in request.quotas:
            taken[_counter(quota)] += 1
    return now, deferrals


def quota_slots_take(*, requests: Iterable[QuotaRequest], started: Iterable[int], now: datetime) -> None:
    """Record the slots of the accounts whose calls were started (``started``: their post account ids)."""
    started = set(started)
    QuotaSlot.objects.bulk_create(
        QuotaSlot(
            account_id=request.account_id,
            platform=request.platform,
            post_account_id=request.post_account_id,
            taken_at=now,
        )
        for request in requests
        if request.quotas and request.post_account_id in started
    )


def quota_slots_release(*, post_account_ids: Iterable[int]) -> int:
    """Give back the newest slot of each account whose call made nothing (an earlier slot of the same
    account, from a call that may have made the post, stays)."""
    ids = sorted(set(post_account_ids))
    if not ids:
        return 0
    newest = (
        QuotaSlot.objects.filter(post_account_id__in=ids)
        .values("post_account_id")
        .annotate(newest=Max("id"))
        .values("newest")
    )
    deleted, _ = QuotaSlot.objects.filter(id__in=newest).delete()
    return deleted


def quota_scope_block(*, key: str, seconds: float, reason: str) -> None:
    """The platform said no more posts on this scope for ``seconds``: defer them until then."""
    until = timezone.now() + timedelta(seconds=seconds)
    scope, _ = QuotaScope.objects.get_or_create(key=key)
    QuotaScope.objects.filter(Q(blocked_until__isnull=True) | Q(blocked_until__lt=until), pk=scope.pk).update(
        blocked_until=until, blocked_reason=reason[:500]
    )


def quota_slots_prune() -> int:
    """Delete the slots too old to count for any quota."""
    deleted, _ = QuotaSlot.objects.filter(taken_at__lt=timezone.now() - KEEP_SLOTS_FOR).delete()
    return deleted


# --- inside quota_slots_admit -------------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _scopes_lock(keys: list[str]) -> tuple[datetime, dict[str, tuple[datetime, str]]]:
    """Lock (creating if need be) the scope rows, in key order; the time now and each live block."""
    key, locked, until, reason = (
        _column(QuotaScope, name) for name in ("key", "locked_at", "blocked_until", "blocked_reason")
    )
    # On PostgreSQL the database's clock; SQLite has one host, whose clock it is.
    postgres = connection.vendor == "postgresql"
    clock = "STATEMENT_TIMESTAMP()" if postgres else "%s"
    rows = ", ".join(f"(%s, '', {clock})" for _ in keys)
    python_now = timezone.now()
    stamp = QuotaScope._meta.get_field("locked_at").get_db_prep_value(python_now, connection)
    params: list = []
    for name in keys:
        params += [name] if postgres else [name, stamp]
    sql = (
        f"INSERT INTO {_table(QuotaScope)} ({key}, {reason}, {locked}) VALUES {rows} "
        f"ON CONFLICT ({key}) DO UPDATE SET {locked} = excluded.{locked} "
        f"RETURNING {key}, {until}, {reason}, {locked}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    now = _aware(found[0][3]) if postgres else python_now
    blocked = {}
    for name, blocked_until, why, _ in found:
        blocked_until = _aware(blocked_until)
        if blocked_until is not None and blocked_until > now:
            blocked[name] = (blocked_until, why)
    return now, blocked


def _aware(value) -> datetime | None:
    """A timestamp as the database driver returned it (SQLite: text), as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _counter(quota: AccountQuota) -> tuple[str, int]:
    return (quota.scope_key, quota.window_seconds if not quota.rule.daily_reset_zone else -1)


def _counts(now: datetime, requests: Sequence[QuotaRequest]) -> dict[tuple[str, int], int]:
    """How many slots each (scope, window) holds now: one statement for the whole batch."""
    groups: dict[tuple[str, int], tuple[AccountQuota, datetime]] = {}
    for request in requests:
        for quota in request.quotas:
            groups.setdefault(_counter(quota), (quota, quota.window_start(now)))
    parts, params = [], []
    slot = _table(QuotaSlot)
    taken_at = _column(QuotaSlot, "taken_at")
    for (scope_key, window), (quota, start) in groups.items():
        owner = _column(QuotaSlot, "platform" if quota.per_app else "account")
        parts.append(
            f"SELECT CAST(%s AS VARCHAR(64)), CAST(%s AS INTEGER), COUNT(*) FROM {slot} "
            f"WHERE {owner} = %s AND {taken_at} >= %s"
        )
        params += [
            scope_key,
            window,
            quota.platform if quota.per_app else quota.account_id,
            QuotaSlot._meta.get_field("taken_at").get_db_prep_value(start, connection),
        ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {(scope_key, int(window)): count for scope_key, window, count in cursor.fetchall()}


def _blocked(
    now: datetime, request: QuotaRequest, blocked: dict[str, tuple[datetime, str]]
) -> Deferral | None:
    waits = [(blocked[q.scope_key], q) for q in request.quotas if q.scope_key in blocked]
    if not waits:
        return None
    (until, why), quota = max(waits, key=lambda wait: wait[0][0])
    said = f" ({why})" if why else ""
    return _deferral(
        now,
        until,
        f"Deferred: {quota.platform_name} refused more posts {_whose(quota)} until {_when(until)}{said}; this "
        "one goes out then, without counting as a retry.",
    )


def _over(
    now: datetime,
    request: QuotaRequest,
    counts: dict[tuple[str, int], int],
    taken: dict[tuple[str, int], int],
) -> Deferral | None:
    full = []
    for quota in request.quotas:
        counter = _counter(quota)
        used = counts.get(counter, 0) + taken[counter]
        if used >= quota.limit:
            full.append((quota, used))
    if not full:
        return None
    frees = [(_frees_at(now, quota, used), quota, used) for quota, used in full]
    until, quota, used = max(frees, key=lambda item: item[0])
    return _deferral(
        now,
        until,
        f"Deferred: {quota.describe()}, and {used:,} are counted now; this post goes out when the window "
        f"frees, at {_when(until)}, without counting as a retry.",
    )


def _frees_at(now: datetime, quota: AccountQuota, used: int) -> datetime:
    """When one more post fits: the moment enough of the counted slots leave the window."""
    if quota.rule.daily_reset_zone:
        return quota.frees_at(now=now, counted=[])
    over = used + 1 - quota.limit  # this many slots must leave the window first
    owner = {"platform": quota.platform} if quota.per_app else {"account_id": quota.account_id}
    times = list(
        QuotaSlot.objects.filter(taken_at__gte=quota.window_start(now), **owner)
        .order_by("taken_at")
        .values_list("taken_at", flat=True)[max(0, over - 1) : over]
    )
    if not times:  # the ones counted are this batch's own: the window frees one window from now
        return now + timedelta(seconds=quota.window_seconds)
    return times[0] + timedelta(seconds=quota.window_seconds)


def _deferral(now: datetime, until: datetime, message: str) -> Deferral:
    return Deferral(until=until, seconds=max(1.0, (until - now).total_seconds()), message=message)


def _whose(quota: AccountQuota) -> str:
    return "from this app" if quota.per_app else "from this account"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
