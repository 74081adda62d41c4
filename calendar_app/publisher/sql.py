"""The publisher's per-account and per-post writes, as plain SQL.

Every account of every post costs a few single-row writes. Compiled through the ORM each time, such a
write costs several times the CPU of its database round trip (about 0.7 to 1.3 ms against 0.1 ms for the
same statement on a 2-core machine), and the publisher's threads share one interpreter lock, so the ORM
alone would cap a run's throughput well below what the platforms allow. These statements are simple and
portable (PostgreSQL and SQLite): they are written from the models' metadata, and every value goes through
its field's own database preparation (UUIDs, aware datetimes, JSON). On PostgreSQL the two writes that
start a call (mark the account, open its attempt) and the two that end it (close the attempt, record the
account) are each one statement (a data-modifying CTE): one round trip instead of four, still one
transaction.

The text of each statement depends only on which columns it sets, so it is built once per shape and kept
(``functools.cache``, keyed by the database vendor too); only the parameters are made per call.

Each account write is conditional: only while the account is in the state the caller read and its post is
still under the caller's lease. The account's own conditions stay on the updated row (the lease is checked
in a subquery), so when two writers race, PostgreSQL re-checks them against the row as the first writer
left it, and the second writer updates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from typing import NamedTuple
from uuid import UUID

from django.db import connection
from django.db import transaction
from django.db.models import Model

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount

# Identifiers come from model metadata and values are always parameters: ruff's S608 does not apply.
# ruff: noqa: S608


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _value(model: type[Model], name: str, value: Any) -> Any:
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _params(model: type[Model], values: Mapping[str, Any]) -> list[Any]:
    return [_value(model, name, value) for name, value in values.items()]


def _set(model: type[Model], names: tuple[str, ...]) -> list[str]:
    return [f"{_column(model, name)} = %s" for name in names]


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _one_statement() -> bool:
    """Whether the database runs data-modifying CTEs (two writes in one statement)."""
    return connection.vendor == "postgresql"


@cache
def _account_update_held_sql(vendor: str, names: tuple[str, ...], count_attempt: bool) -> str:
    account, post = ScheduledPostAccount, ScheduledPost
    assignments = _set(account, names)
    if count_attempt:
        attempts = _column(account, "attempt_count")
        assignments.append(f"{attempts} = {attempts} + 1")
    return (
        f"UPDATE {_table(account)} SET {', '.join(assignments)} "
        f"WHERE {_column(account, 'id')} = %s AND {_column(account, 'status')} = %s "
        f"AND {_column(account, 'post')} IN (SELECT {_column(post, 'id')} FROM {_table(post)} "
        f"WHERE {_column(post, 'id')} = %s AND {_column(post, 'status')} = %s "
        f"AND {_column(post, 'lease_token')} = %s)"
    )


class HeldAccount(NamedTuple):
    """An account a run writes only while it is still ``from_status`` and its post is still PUBLISHING under
    the run's ``lease_token`` (the stale-writer guard)."""

    post_account_id: int
    post_id: int
    lease_token: UUID
    from_status: str


def _account_update_held(
    held: HeldAccount, values: Mapping[str, Any], *, count_attempt: bool
) -> tuple[str, list[Any]]:
    sql = _account_update_held_sql(connection.vendor, tuple(values), count_attempt)
    params = [
        *_params(ScheduledPostAccount, values),
        held.post_account_id,
        held.from_status,
        held.post_id,
        PostStatus.PUBLISHING,
        _value(ScheduledPost, "lease_token", held.lease_token),
    ]
    return sql, params


_ATTEMPT_COLUMNS = ("post_account", "action", "started_at", "outcome", "error_kind", "error_message")


@cache
def _attempt_insert_sql(vendor: str) -> tuple[str, str]:
    """Columns and placeholders of a new attempt: the account id first, then ``_attempt_insert``'s values."""
    return (
        ", ".join(_column(PublishAttempt, name) for name in _ATTEMPT_COLUMNS),
        ", ".join(["%s"] * (len(_ATTEMPT_COLUMNS) - 1)),
    )


def _attempt_insert(*, action: str, started_at: datetime) -> tuple[str, str, list[Any]]:
    """Columns and placeholders of a new IN_PROGRESS attempt; the account id, first, is the caller's."""
    columns, placeholders = _attempt_insert_sql(connection.vendor)
    params = [action, _value(PublishAttempt, "started_at", started_at), AttemptOutcome.IN_PROGRESS, "", ""]
    return columns, placeholders, params


@cache
def _attempt_close_sql(vendor: str, names: tuple[str, ...]) -> str:
    return (
        f"UPDATE {_table(PublishAttempt)} SET {', '.join(_set(PublishAttempt, names))} "
        f"WHERE {_column(PublishAttempt, 'id')} = %s"
    )


def _attempt_close(*, attempt_id: int, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    sql = _attempt_close_sql(connection.vendor, tuple(values))
    return sql, [*_params(PublishAttempt, values), attempt_id]


def post_account_update_held(
    *, held: HeldAccount, values: Mapping[str, Any], count_attempt: bool = False
) -> bool:
    """Set ``values`` on the ``held`` account if it is still held.

    ``count_attempt`` adds one to ``attempt_count``. Returns whether the account was written.
    """
    return _execute(*_account_update_held(held, values, count_attempt=count_attempt)) > 0


def post_account_start_call(
    *, held: HeldAccount, values: Mapping[str, Any], action: str, started_at: datetime
) -> int | None:
    """Mark the account (``values``, one more attempt; conditional as ``post_account_update_held``) and, only
    if it was marked, open an IN_PROGRESS attempt; one transaction. Returns the attempt's id, or None."""
    update, update_params = _account_update_held(held, values, count_attempt=True)
    columns, placeholders, insert_params = _attempt_insert(action=action, started_at=started_at)
    attempts, account_id = _table(PublishAttempt), _column(ScheduledPostAccount, "id")
    returning = f"RETURNING {_column(PublishAttempt, 'id')}"
    if _one_statement():
        sql = (
            f"WITH marked AS ({update} RETURNING {account_id}) "
            f"INSERT INTO {attempts} ({columns}) SELECT {account_id}, {placeholders} FROM marked {returning}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, update_params + insert_params)
            row = cursor.fetchone()
        return None if row is None else row[0]
    # In a batch (``post_accounts_start_calls``) the caller's transaction holds every account's pair.
    with (
        transaction.atomic() if connection.get_autocommit() else nullcontext(),
        connection.cursor() as cursor,
    ):
        cursor.execute(update, update_params)
        if cursor.rowcount < 1:
            return None
        cursor.execute(
            f"INSERT INTO {attempts} ({columns}) VALUES (%s, {placeholders}) {returning}",
            [held.post_account_id, *insert_params],
        )
        return cursor.fetchone()[0]


def post_account_finish_call(
    *,
    post_account_id: int,
    post_id: int,
    lease_token: UUID,
    values: Mapping[str, Any],
    attempt_id: int,
    attempt_values: Mapping[str, Any],
) -> bool:
    """Close the attempt with ``attempt_values`` (always: the call happened, whoever holds the post now) and
    set ``values`` on the account if it is still PUBLISHING under ``lease_token``; one transaction.
    Returns whether the account was written."""
    close, close_params = _attempt_close(attempt_id=attempt_id, values=attempt_values)
    held = HeldAccount(post_account_id, post_id, lease_token, AccountStatus.PUBLISHING)
    update, update_params = _account_update_held(held, values, count_attempt=False)
    if _one_statement():
        return _execute(f"WITH closed AS ({close}) {update}", close_params + update_params) > 0
    with transaction.atomic():
        _execute(close, close_params)
        return _execute(update, update_params) > 0


def attempt_open(*, post_account_id: int, action: str, started_at: datetime) -> int:
    """Insert an IN_PROGRESS attempt; returns its id."""
    columns, placeholders, params = _attempt_insert(action=action, started_at=started_at)
    sql = (
        f"INSERT INTO {_table(PublishAttempt)} ({columns}) VALUES (%s, {placeholders}) "
        f"RETURNING {_column(PublishAttempt, 'id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [post_account_id, *params])
        return cursor.fetchone()[0]


def attempt_close(*, attempt_id: int, values: Mapping[str, Any]) -> None:
    """Record what became of a call (``finished_at``, ``outcome``, ``error_kind``, ``http_status``,
    ``error_message``). Unconditional: the call happened, whoever holds the post now."""
    _execute(*_attempt_close(attempt_id=attempt_id, values=values))


@cache
def _post_update_held_sql(vendor: str, names: tuple[str, ...]) -> str:
    post = ScheduledPost
    return (
        f"UPDATE {_table(post)} SET {', '.join(_set(post, names))} "
        f"WHERE {_column(post, 'id')} = %s AND {_column(post, 'status')} = %s "
        f"AND {_column(post, 'lease_token')} = %s"
    )


def post_update_held(*, post_id: int, lease_token: UUID, values: Mapping[str, Any]) -> bool:
    """Set ``values`` on the post if it is still PUBLISHING under ``lease_token``."""
    post = ScheduledPost
    sql = _post_update_held_sql(connection.vendor, tuple(values))
    params = [
        *_params(post, values),
        post_id,
        PostStatus.PUBLISHING,
        _value(post, "lease_token", lease_token),
    ]
    return _execute(sql, params) > 0


# --- batches: many accounts in one statement (group commit) ------------------------------------------


def _cast(model: type[Model], name: str) -> str:
    """A typed placeholder, so that a VALUES list has its columns' types (PostgreSQL)."""
    return f"%s::{model._meta.get_field(name).cast_db_type(connection)}"


def post_accounts_start_calls(
    *, post_accounts: list[tuple[int, int]], lease_token: UUID, started_at: datetime, keep_state: bool = False
) -> dict[int, int]:
    """Mark many PENDING accounts PUBLISHING (one more attempt each) and open a PUBLISH attempt for each one
    marked; ``post_accounts`` are (account id, post id) pairs. Each account is marked only while PENDING and
    its post still under ``lease_token``. Returns {account id: attempt id} for the accounts marked. Their
    ``publish_state`` is cleared, unless ``keep_state`` (the calls go on from it).

    On PostgreSQL one statement for the whole batch; elsewhere a statement pair per account, in one
    transaction. Only once this has returned (committed) may those calls go out.
    """
    if not post_accounts:
        return {}
    values: dict[str, Any] = {"status": AccountStatus.PUBLISHING, "updated_at": started_at}
    if not keep_state:
        values["publish_state"] = {}
    if not _one_statement():
        started = {}
        with transaction.atomic():
            for post_account_id, post_id in post_accounts:
                attempt_id = post_account_start_call(
                    held=HeldAccount(post_account_id, post_id, lease_token, AccountStatus.PENDING),
                    values=values,
                    action=AttemptAction.PUBLISH,
                    started_at=started_at,
                )
                if attempt_id is not None:
                    started[post_account_id] = attempt_id
        return started
    account, post = ScheduledPostAccount, ScheduledPost
    attempts_count = _column(account, "attempt_count")
    account_id = _column(account, "id")
    columns, placeholders, insert_params = _attempt_insert(
        action=AttemptAction.PUBLISH, started_at=started_at
    )
    sql = (
        f"WITH marked AS (UPDATE {_table(account)} AS t SET {', '.join(_set(account, tuple(values)))}, "
        f"{attempts_count} = t.{attempts_count} + 1 "
        f"WHERE t.{account_id} = ANY(%s) AND t.{_column(account, 'status')} = %s "
        f"AND t.{_column(account, 'post')} IN (SELECT {_column(post, 'id')} FROM {_table(post)} "
        f"WHERE {_column(post, 'id')} = ANY(%s) AND {_column(post, 'status')} = %s "
        f"AND {_column(post, 'lease_token')} = %s) RETURNING t.{account_id}) "
        f"INSERT INTO {_table(PublishAttempt)} ({columns}) SELECT {account_id}, {placeholders} FROM marked "
        f"RETURNING {_column(PublishAttempt, 'id')}, {_column(PublishAttempt, 'post_account')}"
    )
    params = [
        *_params(account, values),
        [pa for pa, _ in post_accounts],
        AccountStatus.PENDING,
        sorted({post_id for _, post_id in post_accounts}),
        PostStatus.PUBLISHING,
        _value(post, "lease_token", lease_token),
        *insert_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {post_account_id: attempt_id for attempt_id, post_account_id in cursor.fetchall()}


@dataclass(frozen=True)
class AccountResult:
    """What to write for one account: its new values, and how its attempt (if any) ends."""

    post_account_id: int
    post_id: int
    from_status: str
    values: Mapping[str, Any]  # status, error_kind, error_message, updated_at; on success the post's id,
    attempt_id: int | None = None  # url and published_at
    attempt_values: Mapping[str, Any] | None = None


_RESULT_ACCOUNT_FIELDS = ("status", "error_kind", "error_message", "updated_at", "processing_since")
_RESULT_PUBLISHED_FIELDS = ("platform_post_id", "platform_post_url", "published_at")
_RESULT_ATTEMPT_FIELDS = ("finished_at", "outcome", "error_kind", "http_status", "error_message")


def post_accounts_record(*, results: list[AccountResult], lease_token: UUID) -> set[int]:
    """Write many accounts' results: every attempt is closed (the call happened, whoever holds the post
    now); each account is written only while still ``from_status`` under ``lease_token``. Returns the
    ids of the accounts written. One statement on PostgreSQL; elsewhere one or two per account, in one
    transaction."""
    if not results:
        return set()
    if not _one_statement():
        written = set()
        with transaction.atomic():
            for result in results:
                if result.attempt_id is not None:
                    attempt_close(attempt_id=result.attempt_id, values=result.attempt_values or {})
                held = HeldAccount(result.post_account_id, result.post_id, lease_token, result.from_status)
                if post_account_update_held(held=held, values=result.values):
                    written.add(result.post_account_id)
        return written
    account, post, attempt = ScheduledPostAccount, ScheduledPost, PublishAttempt
    row = ", ".join(
        [
            _cast(account, "id"),
            "%s::text",
            *(_cast(account, name) for name in (*_RESULT_ACCOUNT_FIELDS, *_RESULT_PUBLISHED_FIELDS)),
            _cast(attempt, "id"),
            *(_cast(attempt, name) for name in _RESULT_ATTEMPT_FIELDS),
        ]
    )
    names = [
        "pa_id",
        "from_status",
        *(f"a_{name}" for name in (*_RESULT_ACCOUNT_FIELDS, *_RESULT_PUBLISHED_FIELDS)),
        "attempt_id",
        *(f"t_{name}" for name in _RESULT_ATTEMPT_FIELDS),
    ]
    params: list[Any] = []
    for result in results:
        params += [result.post_account_id, result.from_status]
        # A result that does not name processing_since clears it: the account is no longer processing.
        params += [_value(account, name, result.values.get(name)) for name in _RESULT_ACCOUNT_FIELDS]
        params += [
            _value(account, name, result.values[name]) if name in result.values else None
            for name in _RESULT_PUBLISHED_FIELDS
        ]
        params.append(result.attempt_id)
        attempt_values = result.attempt_values or {}
        params += [_value(attempt, name, attempt_values.get(name)) for name in _RESULT_ATTEMPT_FIELDS]
    account_sets = [f"{_column(account, name)} = r.a_{name}" for name in _RESULT_ACCOUNT_FIELDS] + [
        f"{_column(account, name)} = COALESCE(r.a_{name}, t.{_column(account, name)})"
        for name in _RESULT_PUBLISHED_FIELDS
    ]
    attempt_sets = [f"{_column(attempt, name)} = r.t_{name}" for name in _RESULT_ATTEMPT_FIELDS]
    account_id = _column(account, "id")
    sql = (
        f"WITH r ({', '.join(names)}) AS (VALUES {', '.join(f'({row})' for _ in results)}), "
        f"closed AS (UPDATE {_table(attempt)} AS a SET {', '.join(attempt_sets)} FROM r "
        f"WHERE a.{_column(attempt, 'id')} = r.attempt_id) "
        f"UPDATE {_table(account)} AS t SET {', '.join(account_sets)} FROM r "
        f"WHERE t.{account_id} = r.pa_id AND t.{_column(account, 'status')} = r.from_status "
        f"AND t.{_column(account, 'post')} IN (SELECT {_column(post, 'id')} FROM {_table(post)} "
        f"WHERE {_column(post, 'id')} = ANY(%s) AND {_column(post, 'status')} = %s "
        f"AND {_column(post, 'lease_token')} = %s) "
        f"RETURNING t.{account_id}"
    )
    params += [
        sorted({result.post_id for result in results}),
        PostStatus.PUBLISHING,
        _value(post, "lease_token", lease_token),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
