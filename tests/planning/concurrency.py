"""Run the same work from several threads released at the same moment, as overlapping runs would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together[T](work: Callable[[], T], *, times: int = 2) -> list[T]:
    """``work`` in ``times`` threads started together; their results, or the first exception raised."""
    start = threading.Barrier(times)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
