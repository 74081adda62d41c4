"""The publisher run's retries: only the failed accounts go again, after a backoff that grows, has jitter and
honours Retry-After; each error kind's outcome; partial and failed posts.

Runs use ``concurrency=1`` (the pool runs each account in the test's thread and transaction).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from tests.fakes import fail
from tests.platform_overrides import provider_overridden

from .helpers import NoRefreshProvider
from .helpers import make_due_again
from .helpers import post_account
from .helpers import run

pytestmark = pytest.mark.django_db


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
