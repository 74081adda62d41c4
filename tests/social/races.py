"""Several publisher runs doing the same thing at the same moment, each on its own database connection."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

from social.models import SocialAccount
from social.services import social_account_refresh_token


def at_once[T](call: Callable[[], T], *, runs: int = 2) -> list[T | Exception]:
    """What ``call`` gave each of ``runs`` threads started together, each on its own database
    connection: its result, or the exception it raised."""
    start = threading.Barrier(runs)
    results: list[T | Exception | None] = [None] * runs

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = call()
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


def refresh_at_once(
    *, account_id: int, rejected_access_token: str, runs: int = 2
) -> list[SocialAccount | Exception]:
    """What ``social_account_refresh_token`` gave each of ``runs`` publisher runs started together."""
    return at_once(
        lambda: social_account_refresh_token(
            account_id=account_id, rejected_access_token=rejected_access_token
        ),
        runs=runs,
    )


class SpentOnce:
    """A refresh endpoint that takes each refresh token once, as X (rotation) and Bluesky (refresh JWT)
    do: a token offered again is refused with ``refused``. The first answer comes slowly, so another run
    reaches the account meanwhile. ``spent`` lists the tokens offered, in order."""

    def __init__(self, token_of: Callable[[Any], str], *, refused: dict, accepted: dict) -> None:
        self.token_of = token_of
        self.refused = refused
        self.accepted = accepted
        self.spent: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request) -> tuple[int, dict, str]:
        token = self.token_of(request)
        with self.lock:
            reused = token in self.spent
            self.spent.append(token)
        if reused:
            return 400, {}, json.dumps(self.refused)
        time.sleep(0.3)  # the other run reaches the account meanwhile
        return 200, {}, json.dumps(self.accepted)
