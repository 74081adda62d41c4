"""What the publisher's tests share: counting the statements of every thread of a run."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db import connections
from django.db.backends.signals import connection_created


class AllQueries:
    """The statements every connection ran while counting (a run's lanes open their own)."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.sql.append(sql)
        return execute(sql, params, many, context)

    def __len__(self) -> int:
        return len(self.sql)


@contextmanager
def all_queries_counted():
    counter = AllQueries()

    def install(sender, connection, **kwargs):
        connection.execute_wrappers.append(counter)

    connection_created.connect(install, weak=False)
    connection.ensure_connection()
    connection.execute_wrappers.append(counter)
    try:
        yield counter
    finally:
        connection_created.disconnect(install)
        connection.execute_wrappers.remove(counter)


@pytest.fixture
def all_queries():
    """A context manager counting every thread's statements."""
    return all_queries_counted


@pytest.fixture
def backends_of_this_database():
    """How many client connections PostgreSQL has open to the test database, now."""

    def count() -> int:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    return count
