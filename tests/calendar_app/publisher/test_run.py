"""The publisher run, rule by rule, with fake platforms at the client boundary and real rows.

Runs use ``concurrency=1`` (the pool runs each account in the test's thread and transaction) unless a test
is about threads; those use ``transaction=True``.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.publisher import publish_due_posts
from social.models import SocialAccount
from social.platforms.registry import enabled_specs
from tests.fakes import fail
from tests.fakes import slow
from tests.platform_overrides import provider_overridden

from .helpers import NoRefreshProvider
from .helpers import make_due_again
from .helpers import post_account
from .helpers import run

pytestmark = pytest.mark.django_db


# --- the happy path and the summary -----------------------------------------------------------------


def test_publish__every_account_published(fake_platform, make_account, make_post):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook, content="Hello world")

    summary = run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.lease_token is None and post.lease_expires_at is None
    assert post.last_attempt_at is not None
    for account in (x, facebook):
        row = post_account(post, account)
        assert row.status == AccountStatus.PUBLISHED
        assert row.platform_post_id.startswith("fake-")
        assert row.platform_post_url == f"https://fake.example/{row.platform_post_id}"
        assert row.attempt_count == 1 and row.published_at is not None
        assert list(row.attempts.values_list("action", "outcome")) == [
            (AttemptAction.PUBLISH, AttemptOutcome.PUBLISHED)
        ]
    assert post.published_at == max(post_account(post, a).published_at for a in (x, facebook))
    assert fake_platform.texts_sent_to(x) == ["Hello world"]
    assert fake_platform.texts_sent_to(facebook) == ["Hello world"]
    assert (summary.processed, summary.succeeded, summary.claimed) == (1, 1, 1)
    assert summary.line() == "Processed 1 posts: 1 succeeded, 0 partial, 0 failed, 0 retrying, 0 needs review"


def test_publish__per_platform_text_and_media_are_sent(fake_platform, make_account, make_post):
    x, linkedin = make_account("TWITTER"), make_account("LINKEDIN")
    make_post(
        x,
        linkedin,
        content="The long version for LinkedIn",
        metadata={"platforms": {"TWITTER": {"content": "short for X"}}},
    )

    run()

    assert fake_platform.texts_sent_to(x) == ["short for X"]
    assert fake_platform.texts_sent_to(linkedin) == ["The long version for LinkedIn"]


def test_publish__drafts_future_and_cancelled_posts_are_left_alone(fake_platform, make_account, make_post):
    account = make_account()
    draft = make_post(account, status=PostStatus.DRAFT)
    cancelled = make_post(account, status=PostStatus.CANCELLED)
    future = make_post(account, ago=-timedelta(minutes=5))

    summary = run()

    assert summary.processed == 0 and fake_platform.calls == []
    for post, status in (
        (draft, PostStatus.DRAFT),
        (cancelled, PostStatus.CANCELLED),
        (future, PostStatus.SCHEDULED),
    ):
        post.refresh_from_db()
        assert post.status == status


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("concurrency", [1, 16], ids=["inline", "batched-on-lanes"])
def test_publish__marks_the_account_publishing_and_commits_before_the_call(
    fake_platform, make_account, make_post, concurrency
):
    """What another connection sees during each platform call: PUBLISHING and an open attempt, whether the
    run starts one account at a time or many in one batch."""
    accounts = [make_account("TWITTER"), make_account("FACEBOOK")]
    posts = [make_post(*accounts) for _ in range(6)]
    seen = []

    def look_from_another_connection(platform, client, payload):
        def look():
            row = ScheduledPostAccount.objects.get(post__content=payload.text, account=client.account)
            seen.append((row.status, list(row.attempts.values_list("outcome", flat=True))))
            connection.close()

        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
        return platform.create(client, payload)

    for account in accounts:
        fake_platform.will(account, *[look_from_another_connection] * len(posts))
    run(concurrency=concurrency)

    assert seen == [(AccountStatus.PUBLISHING, [AttemptOutcome.IN_PROGRESS])] * 12
    assert {pa.status for post in posts for pa in post.post_accounts.all()} == {AccountStatus.PUBLISHED}


# --- retries ----------------------------------------------------------------------------------------


def test_publish__retry_only_the_failed_account(fake_platform, make_account, make_post):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook)
    fake_platform.will(facebook, fail(ErrorKind.TRANSIENT, "503 Service Unavailable", http_status=503))

    first = run()

    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.retry_count == 1
    assert post.next_attempt_at > timezone.now() and post.lease_token is None
    assert post_account(post, x).status == AccountStatus.PUBLISHED
    waiting = post_account(post, facebook)
    assert (waiting.status, waiting.error_kind, waiting.error_message) == (
        AccountStatus.PENDING,
        ErrorKind.TRANSIENT,
        "503 Service Unavailable",
    )
    assert waiting.attempts.get().http_status == 503
    assert (first.processed, first.retrying) == (1, 1)

    assert run().processed == 0  # not due before the backoff

    make_due_again(post)
    second = run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and second.succeeded == 1
    assert len(fake_platform.calls_to(x)) == 1, "a published account is never sent again"
    assert len(fake_platform.calls_to(facebook)) == 2
    assert post_account(post, facebook).attempt_count == 2


def test_publish__backoff_grows_with_each_round_and_has_jitter(
    fake_platform, make_account, make_post, settings
):
    settings.PUBLISH_RETRY_BASE_SECONDS = 100
    settings.PUBLISH_RETRY_MAX_SECONDS = 10_000
    account = make_account()
    post = make_post(account, max_retries=5)
    fake_platform.will(account, *[fail(ErrorKind.TRANSIENT)] * 3)

    delays = []
    for _ in range(3):
        before = timezone.now()
        run()
        post.refresh_from_db()
        delays.append((post.next_attempt_at - before).total_seconds())
        make_due_again(post)

    # Equal jitter: somewhere in the upper half of base * 2**round.
    for round_, delay in enumerate(delays):
        assert 100 * 2**round_ / 2 - 1 <= delay <= 100 * 2**round_ + 1, (round_, delays)


def test_publish__backoff_never_undercuts_retry_after(fake_platform, make_account, make_post, settings):
    settings.PUBLISH_RETRY_BASE_SECONDS = 60
    settings.PUBLISH_RETRY_MAX_SECONDS = 600
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook)
    fake_platform.will(
        x, fail(ErrorKind.TRANSIENT, "429 Too Many Requests", http_status=429, retry_after=900)
    )
    fake_platform.will(facebook, fail(ErrorKind.TRANSIENT, "rate limited", retry_after=120))

    before = timezone.now()
    run()

    post.refresh_from_db()
    # The largest Retry-After of the round wins, even beyond the backoff cap.
    assert post.next_attempt_at >= before + timedelta(seconds=900)
    assert post.next_attempt_at <= before + timedelta(seconds=905)


def test_publish__after_max_retries_the_post_fails_with_the_last_error(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account, max_retries=2)
    fake_platform.will(account, *[fail(ErrorKind.TRANSIENT, f"attempt {n} timed out") for n in (1, 2, 3, 4)])

    summaries = [run()]
    for _ in range(2):
        make_due_again(post)
        summaries.append(run())

    post.refresh_from_db()
    assert post.status == PostStatus.FAILED and post.retry_count == 2
    assert post.lease_token is None and post.next_attempt_at is None
    row = post_account(post, account)
    assert (row.status, row.error_kind, row.error_message) == (
        AccountStatus.FAILED,
        ErrorKind.TRANSIENT,
        "attempt 3 timed out",
    )
    assert len(fake_platform.calls_to(account)) == 3
    assert [s.retrying for s in summaries] == [1, 1, 0] and summaries[-1].failed == 1
    assert run().processed == 0


def test_publish__partial_when_some_accounts_end_failed(fake_platform, make_account, make_post):
    x, linkedin = make_account("TWITTER"), make_account("LINKEDIN")
    post = make_post(x, linkedin)
    fake_platform.will(linkedin, fail(ErrorKind.INVALID, "422 DUPLICATE_POST", http_status=422))

    summary = run()

    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED
    assert post.published_at == post_account(post, x).published_at
    assert (summary.partial, summary.failed, summary.succeeded) == (1, 0, 0)


def test_publish__failed_when_every_account_fails(fake_platform, make_account, make_post):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook)
    fake_platform.will(x, fail(ErrorKind.INVALID, "text too long"))
    fake_platform.will(facebook, fail(ErrorKind.INVALID, "(#506) Duplicate status message"))

    summary = run()

    post.refresh_from_db()
    assert post.status == PostStatus.FAILED and post.published_at is None
    assert post.retry_count == 0, "an INVALID failure is never retried"
    assert summary.failed == 1


@pytest.mark.parametrize(
    ("kind", "post_status", "account_status", "category"),
    [
        (ErrorKind.TRANSIENT, PostStatus.SCHEDULED, AccountStatus.PENDING, "retrying"),
        (ErrorKind.AUTH, PostStatus.FAILED, AccountStatus.FAILED, "failed"),
        (ErrorKind.INVALID, PostStatus.FAILED, AccountStatus.FAILED, "failed"),
    ],
)
def test_publish__each_error_kind(
    fake_platform, make_account, make_post, kind, post_status, account_status, category
):
    # LinkedIn tokens cannot be refreshed here, so an AUTH refusal is final.
    account = make_account("LINKEDIN", refresh_token="")
    post = make_post(account)
    fake_platform.will(account, fail(kind, f"a {kind} failure"))

    with provider_overridden("LINKEDIN", NoRefreshProvider):
        summary = run()

    post.refresh_from_db()
    row = post_account(post, account)
    assert (post.status, row.status, row.error_kind) == (post_status, account_status, kind)
    assert getattr(summary, category) == 1
    assert len(fake_platform.calls_to(account)) == 1


# --- missed posts -----------------------------------------------------------------------------------


def test_publish__a_post_due_too_long_ago_is_missed_not_sent(
    fake_platform, make_account, make_post, settings
):
    settings.PUBLISH_MISSED_AFTER = 3600
    account = make_account()
    post = make_post(account, ago=timedelta(hours=2))
    on_time = make_post(account, ago=timedelta(minutes=59))

    summary = run()

    post.refresh_from_db()
    row = post_account(post, account)
    assert post.status == PostStatus.FAILED
    assert (row.status, row.error_kind) == (AccountStatus.FAILED, ErrorKind.MISSED)
    assert "more than 1 hours ago" in row.error_message
    assert not row.attempts.exists()
    assert fake_platform.texts_sent_to(account) == [on_time.content]
    assert (summary.failed, summary.succeeded) == (1, 1)


def test_publish__a_missed_retry_keeps_what_was_published(fake_platform, make_account, make_post, settings):
    settings.PUBLISH_MISSED_AFTER = 3600
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook, ago=timedelta(hours=5))
    ScheduledPost.objects.filter(pk=post.pk).update(
        retry_count=1, next_attempt_at=timezone.now() - timedelta(hours=2)
    )
    ScheduledPostAccount.objects.filter(post=post, account=x).update(
        status=AccountStatus.PUBLISHED, platform_post_id="1", published_at=timezone.now() - timedelta(hours=5)
    )

    summary = run()

    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED and summary.partial == 1
    assert post_account(post, facebook).error_kind == ErrorKind.MISSED
    assert fake_platform.calls == []


# --- operator problems ------------------------------------------------------------------------------


def test_publish__an_undecryptable_token_keeps_the_post_and_sends_the_rest(
    fake_platform, make_account, make_post
):
    broken, fine = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(broken, fine)
    with connection.cursor() as cursor:  # raw SQL: the ORM would encrypt whatever is written
        cursor.execute(
            f"UPDATE {SocialAccount._meta.db_table} SET access_token = %s WHERE id = %s",  # noqa: S608
            ["enc:v1:deadbeef:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", broken.pk],
        )

    summary = run()

    row = post_account(post, broken)
    assert (row.status, row.error_kind) == (AccountStatus.PENDING, ErrorKind.TRANSIENT)
    assert "social.E003" in row.error_message
    assert post_account(post, fine).status == AccountStatus.PUBLISHED
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and summary.retrying == 1
    assert fake_platform.calls_to(broken) == []


def test_publish__a_platform_without_a_client_is_retried_not_lost(
    fake_platform, make_account, make_post, monkeypatch
):
    monkeypatch.delitem(enabled_specs(), "YOUTUBE")  # as if the platform were turned off
    account = make_account("YOUTUBE")
    post = make_post(account)

    run()

    row = post_account(post, account)
    assert (row.status, row.error_kind) == (AccountStatus.PENDING, ErrorKind.TRANSIENT)
    assert "No client is registered for platform 'YOUTUBE'" in row.error_message


def test_publish__a_post_without_accounts_fails(fake_platform, make_post):
    post = make_post()

    summary = run()

    post.refresh_from_db()
    assert post.status == PostStatus.FAILED and summary.failed == 1


def test_publish__bad_arguments_and_settings_are_refused_before_claiming(make_account, make_post, settings):
    post = make_post(make_account())
    for bad in ({"limit": 0}, {"concurrency": 0}, {"max_seconds": -1}):
        with pytest.raises(ValueError):
            publish_due_posts(**bad)
    settings.PUBLISH_LEASE_SECONDS = 0
    with pytest.raises(ImproperlyConfigured, match="PUBLISH_LEASE_SECONDS"):
        publish_due_posts()
    settings.PUBLISH_LEASE_SECONDS = 600
    settings.ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEY"):
        publish_due_posts()
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED


# --- limits, budget and selection ---------------------------------------------------------------


def test_publish__limit_caps_the_posts_taken(fake_platform, make_account, make_post):
    account = make_account()
    posts = [make_post(account, ago=timedelta(minutes=10 - i)) for i in range(5)]

    summary = run(limit=3)

    assert summary.processed == 3
    statuses = list(
        ScheduledPost.objects.filter(pk__in=[p.pk for p in posts])
        .order_by("scheduled_at")
        .values_list("status", flat=True)
    )
    assert statuses == [PostStatus.PUBLISHED] * 3 + [PostStatus.SCHEDULED] * 2, "the longest-waiting first"


def test_publish__post_ids_restrict_the_run(fake_platform, make_account, make_post):
    account = make_account()
    chosen, other = make_post(account), make_post(account)

    summary = run(post_ids=[chosen.pk])

    assert summary.processed == 1
    assert fake_platform.texts_sent_to(account) == [chosen.content]
    other.refresh_from_db()
    assert other.status == PostStatus.SCHEDULED


def test_publish__no_new_claims_after_the_time_budget(fake_platform, make_account, make_post):
    account = make_account()
    posts = [make_post(account) for _ in range(10)]
    fake_platform.will(account, *[slow(0.15)] * 10)

    summary = run(max_seconds=0.2)

    assert 1 <= summary.processed < 10
    by_status = dict.fromkeys(PostStatus.values, 0)
    for status in ScheduledPost.objects.filter(pk__in=[p.pk for p in posts]).values_list("status", flat=True):
        by_status[status] += 1
    # What was claimed was finished; nothing is left PUBLISHING; the rest waits for the next run.
    assert by_status[PostStatus.PUBLISHED] == summary.processed
    assert by_status[PostStatus.PUBLISHING] == 0
    assert by_status[PostStatus.SCHEDULED] == 10 - summary.processed


# --- queries --------------------------------------------------------------------------------------


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
