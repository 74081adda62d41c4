import pytest

from calendar_app.models import AccountStatus as A
from calendar_app.models import PostStatus as P
from calendar_app.rules import RunCategory, post_run_category, post_status_rollup, retry_delay_seconds


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([A.PUBLISHED, A.PUBLISHED], P.PUBLISHED),
        ([A.PUBLISHED, A.FAILED], P.PARTIALLY_PUBLISHED),
        ([A.PUBLISHED, A.NEEDS_REVIEW], P.PARTIALLY_PUBLISHED),
        ([A.FAILED, A.NEEDS_REVIEW], P.FAILED),
        ([A.FAILED], P.FAILED),
        ([A.PUBLISHED, A.PENDING], None),
        ([A.PUBLISHING, A.FAILED], None),
        ([], None),
    ],
)
def test_post_status_rollup(statuses, expected):
    assert post_status_rollup(statuses) == expected


@pytest.mark.parametrize(
    ("retry_count", "jitter", "expected"),
    [
        (0, 0.0, 30.0),  # the lower end of round 0: half of base
        (0, 1.0, 60.0),  # the upper end: base
        (1, 0.5, 90.0),  # round 1: 120 with the jitter in the upper half
        (3, 1.0, 480.0),
        (10, 1.0, 1000.0),  # capped
        (10, 0.0, 500.0),
    ],
)
def test_retry_delay_seconds__exponential_capped_with_equal_jitter(retry_count, jitter, expected):
    delay = retry_delay_seconds(
        retry_count=retry_count, base_seconds=60, max_seconds=1000, jitter=lambda: jitter
    )
    assert delay == expected


def test_retry_delay_seconds__jitter_spreads_runs_that_failed_together():
    delays = {retry_delay_seconds(retry_count=2, base_seconds=60, max_seconds=3600) for _ in range(50)}
    assert len(delays) > 40
    assert all(120 <= delay <= 240 for delay in delays)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        (None, 60.0),
        (10, 60.0),  # a shorter Retry-After does not shorten the backoff
        (300, 300.0),  # a longer one wins
        (86_400, 86_400.0),  # even beyond the cap (a daily quota)
    ],
)
def test_retry_delay_seconds__never_sooner_than_retry_after(retry_after, expected):
    delay = retry_delay_seconds(
        retry_count=0, base_seconds=60, max_seconds=3600, retry_after=retry_after, jitter=lambda: 1.0
    )
    assert delay == expected


@pytest.mark.parametrize(
    ("post_status", "accounts", "category"),
    [
        (P.SCHEDULED, [A.PUBLISHED, A.PENDING], RunCategory.RETRYING),
        (P.SCHEDULED, [A.NEEDS_REVIEW, A.PENDING], RunCategory.RETRYING),
        (P.PUBLISHED, [A.PUBLISHED], RunCategory.SUCCEEDED),
        (P.PARTIALLY_PUBLISHED, [A.PUBLISHED, A.FAILED], RunCategory.PARTIAL),
        (P.PARTIALLY_PUBLISHED, [A.PUBLISHED, A.NEEDS_REVIEW], RunCategory.NEEDS_REVIEW),
        (P.FAILED, [A.FAILED], RunCategory.FAILED),
        (P.FAILED, [A.FAILED, A.NEEDS_REVIEW], RunCategory.NEEDS_REVIEW),
    ],
)
def test_post_run_category(post_status, accounts, category):
    assert post_run_category(post_status=post_status, account_statuses=accounts) == category
