from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.publisher.leases import _posts_take
from calendar_app.publisher.leases import posts_claim_due
from calendar_app.publisher.leases import posts_claim_expired
from calendar_app.publisher.leases import posts_extend_lease
from calendar_app.selectors import posts_held_by_run

pytestmark = pytest.mark.django_db


def make(user, *, minutes_ago: float = 1, status=PostStatus.SCHEDULED, **fields) -> ScheduledPost:
    return ScheduledPost.objects.create(
        content="x",
        scheduled_at=timezone.now() - timedelta(minutes=minutes_ago),
        status=status,
        created_by=user,
        **fields,
    )


@contextmanager
def row_locked_by_another_transaction(post: ScheduledPost) -> Iterator[None]:
    """While inside, another connection's open transaction holds ``post``'s row lock (another run's
    claim, or this run's finalize batch)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            list(ScheduledPost.objects.select_for_update().filter(pk=post.pk))
            holding.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(5)
        yield
    finally:
        release.set()
        thread.join()


def held_by(token) -> list[int]:
    return list(ScheduledPost.objects.filter(lease_token=token).order_by("pk").values_list("pk", flat=True))


def test_posts_claim_due__the_longest_waiting_first_under_a_lease(user):
    newest, oldest, middle = make(user, minutes_ago=1), make(user, minutes_ago=30), make(user, minutes_ago=10)
    retry_due = make(
        user, minutes_ago=60, next_attempt_at=timezone.now() - timedelta(minutes=5), retry_count=1
    )
    token = uuid.uuid4()
    before = timezone.now()

    tried = posts_claim_due(lease_token=token, lease_seconds=600, limit=3)

    assert tried == [oldest.pk, middle.pk, retry_due.pk]
    for post in (oldest, middle, retry_due):
        post.refresh_from_db()
        assert (post.status, post.lease_token) == (PostStatus.PUBLISHING, token)
        assert (
            before + timedelta(seconds=598)
            <= post.lease_expires_at
            <= timezone.now() + timedelta(seconds=602)
        )
        assert post.last_attempt_at is not None
    newest.refresh_from_db()
    assert newest.status == PostStatus.SCHEDULED and newest.lease_token is None


def test_posts_claim_due__never_takes_a_post_another_run_holds(user):
    posts = [make(user) for _ in range(3)]
    first, second = uuid.uuid4(), uuid.uuid4()

    posts_claim_due(lease_token=first, lease_seconds=600, limit=2)
    posts_claim_due(lease_token=second, lease_seconds=600, limit=10)

    assert held_by(first) == [posts[0].pk, posts[1].pk]
    assert held_by(second) == [posts[2].pk]


def test_posts_claim_due__only_the_given_posts(user):
    wanted, other = make(user), make(user)
    token = uuid.uuid4()

    posts_claim_due(lease_token=token, lease_seconds=600, limit=10, post_ids=[wanted.pk])

    assert held_by(token) == [wanted.pk]
    other.refresh_from_db()
    assert other.status == PostStatus.SCHEDULED


def test_posts_take__a_candidate_taken_in_between_is_not_won(user):
    """The conditional update is what makes a claim atomic without row locks (SQLite)."""
    free = make(user)
    taken = make(user, minutes_ago=5, status=PostStatus.PUBLISHING, lease_token=uuid.uuid4())
    token = uuid.uuid4()

    # Candidates chosen as if before the other run's claim: both look takeable.
    tried = _posts_take(
        candidates=ScheduledPost.objects.order_by("scheduled_at"),
        still_takeable=Q(status=PostStatus.SCHEDULED),
        lease_token=token,
        lease_seconds=600,
        limit=10,
        post_ids=None,
    )

    assert tried == [taken.pk, free.pk]
    won = posts_held_by_run(lease_token=token, post_ids=tried, missed_after_seconds=3600)
    assert [post.pk for post in won] == [free.pk]
    before = taken.lease_token
    taken.refresh_from_db()
    assert taken.lease_token == before


def test_posts_claim_expired__only_publishing_posts_whose_lease_ran_out(user):
    expired = make(
        user,
        status=PostStatus.PUBLISHING,
        lease_token=uuid.uuid4(),
        lease_expires_at=timezone.now() - timedelta(seconds=5),
    )
    no_lease = make(user, status=PostStatus.PUBLISHING)
    live = make(
        user,
        status=PostStatus.PUBLISHING,
        lease_token=uuid.uuid4(),
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )
    make(user)  # due, but recovery is not a claim
    token = uuid.uuid4()

    posts_claim_expired(lease_token=token, lease_seconds=600, limit=10)

    assert held_by(token) == sorted([expired.pk, no_lease.pk])
    live_token = live.lease_token
    live.refresh_from_db()
    assert live.lease_token == live_token
    # Taken over, the post has a fresh lease: a second recovery finds nothing.
    assert posts_claim_expired(lease_token=uuid.uuid4(), lease_seconds=600, limit=10) == []


def assert_lease_extended(post: ScheduledPost, *, not_extended: ScheduledPost, still_ends_at) -> None:
    """``post``'s lease was extended by 600 s; ``not_extended``'s still ends when it did."""
    post.refresh_from_db()
    not_extended.refresh_from_db()
    assert post.lease_expires_at > timezone.now() + timedelta(seconds=590)
    assert not_extended.lease_expires_at == still_ends_at


def test_posts_extend_lease__only_this_runs_posts(user):
    token, other = uuid.uuid4(), uuid.uuid4()
    soon = timezone.now() + timedelta(seconds=10)
    mine = make(user, status=PostStatus.PUBLISHING, lease_token=token, lease_expires_at=soon)
    theirs = make(user, status=PostStatus.PUBLISHING, lease_token=other, lease_expires_at=soon)

    assert posts_extend_lease(lease_token=token, lease_seconds=600) == 1

    assert_lease_extended(mine, not_extended=theirs, still_ends_at=soon)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_posts_extend_lease__skips_a_post_being_ended_instead_of_waiting_for_it(user):
    """The run's finalize batch locks several posts in one transaction; a heartbeat that waited for one of
    them while holding others could deadlock with it. It skips the locked post: the batch ends it."""
    token = uuid.uuid4()
    soon = timezone.now() + timedelta(seconds=10)
    ending, other = (
        make(user, status=PostStatus.PUBLISHING, lease_token=token, lease_expires_at=soon) for _ in range(2)
    )
    with row_locked_by_another_transaction(ending), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting would fail this, not hang
        extended = posts_extend_lease(lease_token=token, lease_seconds=600)

    assert extended == 1
    assert_lease_extended(other, not_extended=ending, still_ends_at=soon)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_posts_claim_due__skips_rows_locked_by_another_run_without_waiting(user):
    locked, free = make(user, minutes_ago=10), make(user, minutes_ago=5)
    with row_locked_by_another_transaction(locked):
        token = uuid.uuid4()
        started = time.monotonic()
        tried = posts_claim_due(lease_token=token, lease_seconds=600, limit=10)
        waited = time.monotonic() - started

    assert tried == [free.pk]
    assert waited < 1, "SKIP LOCKED: the claim does not queue behind the other run"
    locked.refresh_from_db()
    assert locked.status == PostStatus.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_posts_claim_due__concurrent_claims_never_share_a_post(user):
    due = timezone.now() - timedelta(minutes=1)
    posts = ScheduledPost.objects.bulk_create(
        ScheduledPost(content="x", scheduled_at=due, status=PostStatus.SCHEDULED, created_by=user)
        for _ in range(300)
    )
    start = threading.Barrier(6)

    def claim_until_none() -> list[int]:
        token, won = uuid.uuid4(), []
        start.wait()
        try:
            while tried := posts_claim_due(lease_token=token, lease_seconds=600, limit=3):
                won += [
                    p.pk
                    for p in posts_held_by_run(lease_token=token, post_ids=tried, missed_after_seconds=3600)
                ]
        finally:
            connection.close()
        return won

    with ThreadPoolExecutor(max_workers=6) as runs:
        claimed = [pk for won in runs.map(lambda _: claim_until_none(), range(6)) for pk in won]

    assert sorted(claimed) == sorted(post.pk for post in posts), "each post won by exactly one run"
