"""The publisher's per-account and per-post writes, as plain SQL.

Every account of every post costs a few single-row writes. Compiled through the ORM each time, such a
write costs several times the CPU of its database round trip (about 0.7 to 1.3 ms against 0.1 ms for the
same statement on a 2-core machine), and the publisher's threads share one interpreter lock, so the ORM
alone would cap a run's throughput well below what the platforms allow. These statements are simple and
portable (PostgreSQL and SQLite): they are written from the models' metadata, and every value goes through
its field's own database preparation (UUIDs, aware datetimes, JSON).

Each write is conditional, like its ORM twin would be: an account is written only while it is in the state
the caller read and its post is still under the caller's lease. The account's own conditions stay on the
updated row (the lease is checked in a subquery), so when two writers race, PostgreSQL re-checks them
against the row as the first writer left it, and the second writer updates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Model

from calendar_app.models import (
    AttemptOutcome,
    PostStatus,
    PublishAttempt,
    ScheduledPost,
    ScheduledPostAccount,
)


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _value(model: type[Model], name: str, value: Any) -> Any:
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def post_account_update_held(
    *,
    post_account_id: int,
    post_id: int,
    lease_token: UUID,
    from_status: str,
    values: Mapping[str, Any],
    count_attempt: bool = False,
) -> bool:
    """Set ``values`` on the account if it is still ``from_status`` and its post still under ``lease_token``.

    ``count_attempt`` adds one to ``attempt_count``. Returns whether the account was written.
    """
    account, post = ScheduledPostAccount, ScheduledPost
    assignments = [f"{_column(account, name)} = %s" for name in values]
    if count_attempt:
        attempts = _column(account, "attempt_count")
        assignments.append(f"{attempts} = {attempts} + 1")
    sql = (
        f"UPDATE {_table(account)} SET {', '.join(assignments)} "  # noqa: S608 (names from model metadata, values as parameters)
        f"WHERE {_column(account, 'id')} = %s AND {_column(account, 'status')} = %s "
        f"AND {_column(account, 'post')} IN (SELECT {_column(post, 'id')} FROM {_table(post)} "
        f"WHERE {_column(post, 'id')} = %s AND {_column(post, 'status')} = %s AND {_column(post, 'lease_token')} = %s)"
    )
    params = [_value(account, name, value) for name, value in values.items()]
    params += [
        post_account_id,
        from_status,
        post_id,
        PostStatus.PUBLISHING,
        _value(post, "lease_token", lease_token),
    ]
    return _execute(sql, params) > 0


def attempt_open(*, post_account_id: int, action: str, started_at: datetime) -> int:
    """Insert an IN_PROGRESS attempt; returns its id."""
    attempt = PublishAttempt
    columns = ("post_account", "action", "started_at", "outcome", "error_kind", "error_message")
    values = (
        post_account_id,
        action,
        _value(attempt, "started_at", started_at),
        AttemptOutcome.IN_PROGRESS,
        "",
        "",
    )
    sql = (
        f"INSERT INTO {_table(attempt)} ({', '.join(_column(attempt, name) for name in columns)}) "  # noqa: S608 (names from model metadata, values as parameters)
        f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {_column(attempt, 'id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(values))
        return cursor.fetchone()[0]


def attempt_close(
    *,
    attempt_id: int,
    finished_at: datetime,
    outcome: str,
    error_kind: str = "",
    http_status: int | None = None,
    error_message: str = "",
) -> None:
    """Record what became of a call. Unconditional: the call happened, whoever holds the post now."""
    attempt = PublishAttempt
    values = {
        "finished_at": finished_at,
        "outcome": outcome,
        "error_kind": error_kind,
        "http_status": http_status,
        "error_message": error_message,
    }
    sql = (
        f"UPDATE {_table(attempt)} SET {', '.join(f'{_column(attempt, name)} = %s' for name in values)} "  # noqa: S608 (names from model metadata, values as parameters)
        f"WHERE {_column(attempt, 'id')} = %s"
    )
    _execute(sql, [*(_value(attempt, name, value) for name, value in values.items()), attempt_id])


def post_update_held(*, post_id: int, lease_token: UUID, values: Mapping[str, Any]) -> bool:
    """Set ``values`` on the post if it is still PUBLISHING under ``lease_token``."""
    post = ScheduledPost
    sql = (
        f"UPDATE {_table(post)} SET {', '.join(f'{_column(post, name)} = %s' for name in values)} "  # noqa: S608 (names from model metadata, values as parameters)
        f"WHERE {_column(post, 'id')} = %s AND {_column(post, 'status')} = %s AND {_column(post, 'lease_token')} = %s"
    )
    params = [_value(post, name, value) for name, value in values.items()]
    params += [post_id, PostStatus.PUBLISHING, _value(post, "lease_token", lease_token)]
    return _execute(sql, params) > 0
