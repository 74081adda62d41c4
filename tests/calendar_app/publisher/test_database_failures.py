"""The publisher when PostgreSQL refuses connections: real processes, a real role with a connection limit.

Three runs start together, each allowed ``PUBLISH_DB_CONNECTIONS=2``, as a role that PostgreSQL lets hold
only two connections in all: at least one run is refused. A refused run must not stall what it claimed for
the lease (600 s): it gives back what it had not started at once, says so in one line and exits non-zero;
nothing is sent twice and a later run publishes the rest.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.publisher import publish_due_posts
from tests.fakes import FakePlatform
from tests.subprocesses import database_url_for_subprocess
from tests.subprocesses import subprocess_env

from .processes import run_together
from .test_run_concurrency import make_backlog

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres_only(reason="roles, CONNECTION LIMIT"),
]

PROJECT_ROOT = Path(django_settings.BASE_DIR)
LIMITED_ROLE = "sched_engine_limited"


@pytest.fixture
def limited_role():
    """A login role of this test's own that may hold two connections; dropped afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {LIMITED_ROLE}")
        cursor.execute(f"CREATE ROLE {LIMITED_ROLE} LOGIN CONNECTION LIMIT 2")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {LIMITED_ROLE}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {LIMITED_ROLE}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {LIMITED_ROLE}")
    try:
        yield database_url_for_subprocess().replace("postgres://postgres@", f"postgres://{LIMITED_ROLE}@", 1)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [LIMITED_ROLE]
            )
            cursor.execute(f"DROP OWNED BY {LIMITED_ROLE}")
            cursor.execute(f"DROP ROLE {LIMITED_ROLE}")


def test_exhaustion__refused_runs_give_back_their_claims_at_once_and_nothing_is_lost_or_doubled(
    user, make_account, limited_role, tmp_path
):
    accounts = [make_account("TWITTER"), make_account("FACEBOOK")]
    posts = make_backlog(user, posts=40, accounts=accounts)
    sends_file = tmp_path / "sends.log"
    env = subprocess_env(
        database_url=limited_role,
        FAKE_SENDS_FILE=str(sends_file),
        FAKE_LATENCY="0.3",
        PUBLISH_ARGS="--concurrency 8",
        PUBLISH_DB_CONNECTIONS="2",
    )
    results = run_together(
        "tests.calendar_app.publisher.command_process", count=3, env=env, barrier=tmp_path / "barrier"
    )
    ended = timezone.now()

    refused = []
    for returncode, _, stderr in results:
        assert "Traceback" not in stderr, stderr
        if returncode:
            assert returncode == 1
            errors = [line for line in stderr.splitlines() if line.startswith("CommandError: ")]
            assert len(errors) == 1, stderr
            assert "too many connections" in errors[0], stderr
            refused.append(errors[0])
    assert refused, "the role's limit refused at least one of the three runs"
    # Nothing waits for a lease: whatever a run could not finish is queued again or open to recovery.
    held = ScheduledPost.objects.filter(status=PostStatus.PUBLISHING, lease_expires_at__gt=ended)
    assert not held.exists(), list(held.values("pk", "lease_expires_at"))
    sends = Counter(sends_file.read_text().splitlines()) if sends_file.exists() else Counter()
    assert set(sends.values()) <= {1}, "nothing sent twice"

    with FakePlatform(sends_file=sends_file).registered():
        publish_due_posts(concurrency=8)

    sends = Counter(sends_file.read_text().splitlines())
    assert len(sends) == 40 * 2 and set(sends.values()) == {1}
    assert set(
        ScheduledPost.objects.filter(pk__in=[p.pk for p in posts]).values_list("status", flat=True)
    ) == {PostStatus.PUBLISHED}
