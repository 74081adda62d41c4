"""What a publisher run costs the database: a constant number of queries per post, a fixed after-run step,
claims in batches of the concurrency, and one HTTP session per worker.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calendar_app.models import AccountStatus
from calendar_app.publisher import publish_due_posts

from .helpers import post_account
from .helpers import run

pytestmark = pytest.mark.django_db


# With concurrency 1 each post is claimed alone: claim (savepoint, select, update, release) 4, load
# (posts, their accounts, the distinct SocialAccounts) 3, finalize 1 and the one INSERT of its event, in the
# finalize batch's transaction (savepoint and release in tests; a wider run ends many posts per batch, one
# INSERT for all). Each account starts its call (marks the account, opens the attempt) and ends it (closes
# the attempt, records the account): on PostgreSQL one statement each; elsewhere two in a transaction
# (savepoint and release in tests). A run also tries recovery and a last claim: 6, its PublisherRun row is
# inserted, completed and old rows pruned: 3, and the quota ledger pruned: 1. A start of an account whose
# platform caps posts (X) also locks the quotas' scopes, counts their slots and takes one (3), in one
# transaction with the mark (a savepoint and its release in tests).
QUERIES_PER_ACCOUNT = {"postgresql": 2}.get(connection.vendor, 2 * 4)
QUERIES_PER_QUOTA_START = 3 + 2
QUERIES_PER_FINALIZE_BATCH = 2 + 1  # savepoint and release, the events' INSERT
QUERIES_PER_POST = 4 + 3 + 2 * QUERIES_PER_ACCOUNT + QUERIES_PER_QUOTA_START + 1 + QUERIES_PER_FINALIZE_BATCH
QUERIES_PER_RUN = 6 + 3 + 1


def test_publish__a_constant_number_of_queries_per_post(
    fake_platform, make_account, make_post, django_assert_max_num_queries
):
    for posts in (10, 100):
        # New accounts each time: X takes 100 posts per 15 minutes per account (the quota is kept).
        x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
        for _ in range(posts):
            make_post(x, facebook)
        with django_assert_max_num_queries(QUERIES_PER_RUN + posts * QUERIES_PER_POST):
            summary = run(after_run=False)
        assert summary.succeeded == posts


def test_publish__the_after_run_step_costs_the_same_queries_however_many_posts_ended(
    fake_platform, make_account, make_post
):
    """Recurring posts, the health check, token warnings and a delivery pass: a fixed cost per run."""
    costs = []
    for posts in (10, 100):
        # New accounts for each run: X takes 100 posts per 15 minutes per account (the quota is kept).
        x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
        for _ in range(posts):
            make_post(x, facebook)
        with CaptureQueriesContext(connection) as alone:
            run(after_run=False)
        x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
        for _ in range(posts):
            make_post(x, facebook)
        with CaptureQueriesContext(connection) as followed:
            summary = run()
        assert summary.succeeded == posts
        costs.append(len(followed) - len(alone))
    assert costs[0] == costs[1], costs
    assert costs[0] <= 30, costs


@pytest.mark.django_db(transaction=True)
def test_publish__claims_in_batches_of_the_concurrency(fake_platform, make_account, make_post, all_queries):
    account = make_account()
    for _ in range(12):
        make_post(account)

    with all_queries() as queries:
        summary = publish_due_posts(concurrency=4)

    claims = [sql for sql in queries.sql if sql.startswith("UPDATE") and '"last_attempt_at" = ' in sql]
    assert summary.succeeded == 12
    assert len(claims) == 3, "12 posts claimed 4 at a time"


def test_publish__clients_of_one_worker_share_its_http_session_within_a_run(
    fake_platform, make_account, make_post
):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    posts = [make_post(x, facebook) for _ in range(2)]
    sessions = []

    def remember_session(platform, client, payload):
        sessions.append(client.session)
        return platform.create(client, payload)

    fake_platform.will(x, remember_session, remember_session)
    fake_platform.will(facebook, remember_session, remember_session)
    run()
    first_run = set(map(id, sessions))
    make_post(x)
    fake_platform.will(x, remember_session)
    run()

    assert len(sessions) == 5 and all(sessions)
    assert len(first_run) == 1, "one worker: one connection pool for every account it sends"
    assert id(sessions[-1]) not in first_run, "a run's sessions end with the run"
    assert all(post_account(post, x).status == AccountStatus.PUBLISHED for post in posts)
