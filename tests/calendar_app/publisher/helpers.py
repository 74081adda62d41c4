"""What the publisher's rule-by-rule tests share: one run in the test's thread, and reading rows back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.publisher import PublishRunSummary
from calendar_app.publisher import publish_due_posts
from social.models import SocialAccount
from social.platforms import OAuthProvider


class NoRefreshProvider(OAuthProvider):
    platform = "LINKEDIN"
    supports_refresh = False


def run(**options) -> PublishRunSummary:
    options.setdefault("concurrency", 1)
    return publish_due_posts(**options)


def runs_at_once(count: int, **options) -> list[PublishRunSummary]:
    """``count`` publisher runs started together in threads, each on its own database connection."""
    start = threading.Barrier(count)

    def one_run(_) -> PublishRunSummary:
        start.wait()
        try:
            return publish_due_posts(**options)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as runs:
        return list(runs.map(one_run, range(count)))


def make_due_again(post: ScheduledPost) -> None:
    """Skip the backoff wait: the retry is due now."""
    ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def post_account(post: ScheduledPost, account: SocialAccount) -> ScheduledPostAccount:
    return ScheduledPostAccount.objects.get(post=post, account=account)


@contextmanager
def database_refusing(*, table: str, operation: str, when: str = "") -> Iterator[None]:
    """A real fault in the database, as a full disk would cause: a trigger that rejects ``operation``
    (``INSERT`` or ``UPDATE``) on ``table``, for the rows matching ``when`` (SQL on ``NEW``) or all."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_writes() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f'CREATE TRIGGER refuse_writes BEFORE {operation} ON "{table}" FOR EACH ROW '
                + (f"WHEN ({when}) " if when else "")
                + "EXECUTE FUNCTION refuse_writes()"
            )
        else:
            cursor.execute(
                f'CREATE TRIGGER refuse_writes BEFORE {operation} ON "{table}" FOR EACH ROW '
                + (f"WHEN {when} " if when else "")
                + "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER refuse_writes ON "{table}"')
                cursor.execute("DROP FUNCTION refuse_writes()")
            else:
                cursor.execute("DROP TRIGGER refuse_writes")
