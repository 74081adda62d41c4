"""Several publisher runs doing the same thing at the same moment, each on its own database connection."""

from __future__ import annotations

import threading

from django.db import connection

from social.models import SocialAccount
from social.services import social_account_refresh_token


def refresh_at_once(
    *, account_id: int, rejected_access_token: str, runs: int = 2
) -> list[SocialAccount | Exception]:
    """What ``social_account_refresh_token`` gave each of ``runs`` threads started together: the account,
    or the exception it raised."""
    start = threading.Barrier(runs)
    results: list[SocialAccount | Exception | None] = [None] * runs

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = social_account_refresh_token(
                account_id=account_id, rejected_access_token=rejected_access_token
            )
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results  # type: ignore[return-value]
