"""Posting quotas: a post over a platform's limit is deferred until the window frees, never failed, never a
retry round; overlapping runs together never exceed a limit; a call that made nothing gives its slot back."""

from __future__ import annotations

from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import QuotaScope
from calendar_app.models import QuotaSlot
from calendar_app.models import ScheduledPost
from social.platforms import CannotTell
from social.platforms import NotFound
from tests.fakes import FakePlatform
from tests.fakes import created_then_lost
from tests.fakes import fail
from tests.fakes import lost_before_creating

from .helpers import make_due_again
from .helpers import post_account
from .helpers import run
from .helpers import runs_at_once


def fill(account, count: int, *, ago: timedelta = timedelta(minutes=5)) -> None:
    """``count`` posts already made from ``account`` ``ago``."""
    QuotaSlot.objects.bulk_create(
        QuotaSlot(account=account, platform=account.platform, taken_at=timezone.now() - ago)
        for _ in range(count)
    )


def time_passes(delta: timedelta) -> None:
    """For the ledger and the posts alike."""
    for slot in QuotaSlot.objects.all():
        QuotaSlot.objects.filter(pk=slot.pk).update(taken_at=slot.taken_at - delta)
    for post in ScheduledPost.objects.exclude(next_attempt_at=None):
        ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=post.next_attempt_at - delta)


def test_quota__a_post_over_an_accounts_limit_is_deferred_then_goes_out_when_the_window_frees(
    fake_platform, make_account, make_post
):
    x = make_account("TWITTER")
    fill(x, 60, ago=timedelta(minutes=10))
    fill(x, 40, ago=timedelta(minutes=2))
    post = make_post(x)

    summary = run()

    post.refresh_from_db()
    entry = post_account(post, x)
    assert fake_platform.calls_to(x) == [], "nothing was sent over the limit"
    assert (post.status, post.retry_count) == (PostStatus.SCHEDULED, 0)
    assert (entry.status, entry.error_kind) == (AccountStatus.PENDING, ErrorKind.QUOTA)
    assert "X allows 100 posts per 15 minutes per account" in entry.error_message
    # The window frees when the 60 posts of 10 minutes ago leave it: 5 minutes from now.
    wait = (post.next_attempt_at - timezone.now()).total_seconds()
    assert 4 * 60 < wait <= 5 * 60 + 5
    assert not PublishAttempt.objects.filter(post_account=entry).exists(), "no call, no attempt"
    assert (summary.retrying, summary.deferred, summary.failed) == (1, 1, 0)

    time_passes(timedelta(minutes=5, seconds=1))
    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and post.retry_count == 0
    assert fake_platform.texts_sent_to(x) == [post.content]
    assert QuotaSlot.objects.filter(account=x, post_account=post_account(post, x)).count() == 1


def test_quota__a_deferral_never_spends_a_retry_round_nor_fails_a_post_out_of_retries(
    fake_platform, make_account, make_post
):
    x, linkedin = make_account("TWITTER"), make_account("LINKEDIN")
    fill(x, 100)
    post = make_post(x, linkedin, retry_count=3, max_retries=3)
    fake_platform.will(linkedin, fail("TRANSIENT", "503"))

    run()

    post.refresh_from_db()
    # LinkedIn's transient failure had no round left: it ends failed; X is only waiting for its window.
    assert post_account(post, linkedin).status == AccountStatus.FAILED
    assert post_account(post, x).status == AccountStatus.PENDING
    assert (post.status, post.retry_count) == (PostStatus.SCHEDULED, 3)

    time_passes(timedelta(minutes=15))
    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED
    assert post_account(post, x).status == AccountStatus.PUBLISHED


def test_quota__a_transient_failure_beside_a_deferral_is_one_retry_round(
    fake_platform, make_account, make_post
):
    x, linkedin = make_account("TWITTER"), make_account("LINKEDIN")
    fill(x, 100)
    post = make_post(x, linkedin)
    fake_platform.will(linkedin, fail("TRANSIENT", "503", retry_after=30))

    run()

    post.refresh_from_db()
    assert (post.status, post.retry_count) == (PostStatus.SCHEDULED, 1)
    # The retry's backoff (about a minute, never sooner than the 30 s asked), not X's 15-minute window: the
    # deferred account goes with that round and is deferred again, at no cost, if its window is still full.
    assert 30 <= (post.next_attempt_at - timezone.now()).total_seconds() + 1 <= 61


def test_quota__the_apps_limit_counts_every_account_of_the_platform(make_account, make_post):
    """YouTube's videos.insert quota is the API project's: 100 a day, reset at midnight Pacific."""
    platform = FakePlatform()
    channel, other_channel = make_account("YOUTUBE"), make_account("YOUTUBE")
    fill(other_channel, 100, ago=timedelta(seconds=1))
    post = make_post(channel)

    with platform.registered(("YOUTUBE",)):
        run()

    post.refresh_from_db()
    entry = post_account(post, channel)
    assert platform.calls == []
    assert entry.error_kind == ErrorKind.QUOTA and "for the whole app" in entry.error_message
    assert post.next_attempt_at > timezone.now()
    # Midnight Pacific (a moment later: the wait is counted from when the post is given back).
    assert (
        time(0, 0) <= post.next_attempt_at.astimezone(ZoneInfo("America/Los_Angeles")).time() < time(0, 0, 5)
    )


@pytest.mark.parametrize(
    ("behaviour", "reconciled", "kept"),
    [
        (fail("TRANSIENT", "503"), None, 0),
        (fail("INVALID", "bad"), None, 0),
        (lost_before_creating, NotFound("not there"), 0),
        (lost_before_creating, CannotTell("no idea"), 1),
        (created_then_lost, None, 1),
    ],
    ids=["transient", "invalid", "confirmed-absent", "cannot-tell", "found"],
)
def test_quota__a_call_that_made_nothing_gives_its_slot_back(
    fake_platform, make_account, make_post, behaviour, reconciled, kept
):
    x = make_account("TWITTER")
    post = make_post(x)
    fake_platform.will(x, behaviour)
    if reconciled is not None:
        fake_platform.will_reconcile(x, reconciled)

    run()

    assert QuotaSlot.objects.filter(post_account=post_account(post, x)).count() == kept


def test_quota__a_platforms_limit_refusal_defers_the_accounts_other_posts_until_its_reset(
    fake_platform, make_account, make_post
):
    x = make_account("TWITTER")
    first = make_post(x)
    refusal = fail("TRANSIENT", "429 Too Many Requests", http_status=429, retry_after=600, limit="account")
    fake_platform.will(x, refusal)

    run()
    second = make_post(x)
    make_due_again(first)
    run()

    first.refresh_from_db()
    second.refresh_from_db()
    assert len(fake_platform.calls_to(x)) == 1, "only the refused call: the rest waited for the reset"
    assert first.retry_count == 1, "the 429 itself is a retry round, as before"
    assert second.retry_count == 0
    entry = post_account(second, x)
    assert (
        entry.error_kind == ErrorKind.QUOTA and "refused more posts from this account" in entry.error_message
    )
    assert 590 <= (second.next_attempt_at - timezone.now()).total_seconds() <= 600
    assert QuotaScope.objects.get(key=f"account:{x.pk}").blocked_until > timezone.now()


def test_quota__off_keeps_no_ledger_and_defers_nothing(fake_platform, make_account, make_post, settings):
    settings.PUBLISH_QUOTAS = False
    x = make_account("TWITTER")
    fill(x, 100)
    post = make_post(x)

    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert QuotaSlot.objects.count() == 100


@pytest.mark.postgres_only(reason="overlapping runs on their own connections")
@pytest.mark.django_db(transaction=True)
def test_quota__overlapping_runs_together_never_exceed_an_accounts_limit(user, make_account, make_post):
    x = make_account("TWITTER")
    fill(x, 90)
    posts = [make_post(x) for _ in range(40)]
    platform = FakePlatform(latency=0.002)

    with platform.registered():
        summaries = runs_at_once(4, concurrency=8)

    assert len(platform.sends) == 10, "90 made before, 10 more fit in X's 100 per 15 minutes"
    assert sum(s.claimed for s in summaries) == 40 and sum(1 for s in summaries if s.claimed) >= 2
    statuses = [p.status for p in ScheduledPost.objects.filter(pk__in=[p.pk for p in posts])]
    assert statuses.count(PostStatus.PUBLISHED) == 10
    assert statuses.count(PostStatus.SCHEDULED) == 30
    assert QuotaSlot.objects.filter(account=x).count() == 100
    assert not ScheduledPost.objects.filter(retry_count__gt=0).exists()


# With concurrency 1 each post is claimed alone. A deferred post costs its claim (4) and load (3), its
# start (the scopes' lock, the count, the frees-at lookup of the full window; a savepoint and its release
# in tests: 5; no mark, no slot), its deferral's write (2 on PostgreSQL, elsewhere a savepoint, the write
# and the release: 3) and its finalize (1) in the finalize batch's transaction (savepoint and release: 2; no
# event for a post that waits); a run costs what test_run.py counts (10).
QUERIES_PER_DEFERRED_POST = 4 + 3 + 5 + {"postgresql": 1}.get(connection.vendor, 3) + 1 + 2
QUERIES_PER_RUN = 10


def test_quota__a_deferred_post_costs_a_fixed_number_of_queries(
    fake_platform, make_account, make_post, django_assert_max_num_queries
):
    x = make_account("TWITTER")
    fill(x, 100)
    for posts in (5, 20):
        ScheduledPost.objects.update(next_attempt_at=None)
        for _ in range(posts):
            make_post(x)
        with django_assert_max_num_queries(
            QUERIES_PER_RUN + ScheduledPost.objects.count() * QUERIES_PER_DEFERRED_POST
        ):
            summary = run(after_run=False)
        assert summary.deferred == ScheduledPost.objects.count()
    assert fake_platform.calls == []
