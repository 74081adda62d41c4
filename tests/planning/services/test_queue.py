"""The queue: next free slot for all of a post's accounts, add, shuffle, move, pause and resume."""

from __future__ import annotations

import random
import threading
import time as clock
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db import transaction

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from planning.models import QueueEntry
from planning.services.queue import queue_add
from planning.services.queue import queue_move
from planning.services.queue import queue_next_free_slot
from planning.services.queue import queue_shuffle
from planning.services.queue import schedule_pause
from planning.services.queue import schedule_resume

from ..concurrency import run_together
from ..factories import every_day
from ..factories import make_group
from ..factories import make_schedule
from ..factories import write_post

pytestmark = pytest.mark.django_db

# Friday 29 March 2030, noon in Paris; the clocks spring forward on Sunday 31 March.
NOW = datetime(2030, 3, 29, 11, 0, tzinfo=UTC)
SAT_0900 = datetime(2030, 3, 30, 8, 0, tzinfo=UTC)  # CET
SUN_0900 = datetime(2030, 3, 31, 7, 0, tzinfo=UTC)  # CEST
MON_0900 = datetime(2030, 4, 1, 7, 0, tzinfo=UTC)
TUE_0900 = datetime(2030, 4, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def brand_a(x_account, linkedin_account, facebook_account):
    group = make_group("Brand A", x_account, linkedin_account, facebook_account)
    return make_schedule(group=group, zone="Europe/Paris", slots=every_day(time(9, 0)))


def test_queue_add__three_posts_take_the_next_three_slots_across_the_dst_change(
    author, brand_a, x_account, linkedin_account
):
    posts = [write_post(author, x_account, linkedin_account, text=f"Tip {n}") for n in (1, 2, 3)]
    for post in posts:
        queue_add(post_id=post.pk, now=NOW)
    for post in posts:
        post.refresh_from_db()
    assert [post.scheduled_at for post in posts] == [SAT_0900, SUN_0900, MON_0900]
    assert {post.status for post in posts} == {PostStatus.SCHEDULED}
    assert set(QueueEntry.objects.values_list("schedule_id", flat=True)) == {brand_a.pk}


def test_queue_add__the_slot_must_be_free_for_every_account(
    author, brand_a, x_account, linkedin_account, facebook_account
):
    # LinkedIn already has a post at Saturday's slot, X one at Sunday's (added by hand, 20 seconds past).
    write_post(author, linkedin_account, at=SAT_0900, status=PostStatus.SCHEDULED)
    write_post(author, x_account, at=SUN_0900 + timedelta(seconds=20), status=PostStatus.SCHEDULED)
    both = write_post(author, x_account, linkedin_account)
    facebook_only = write_post(author, facebook_account)

    assert queue_next_free_slot(account_ids=[x_account.pk, linkedin_account.pk], after=NOW) == MON_0900
    queue_add(post_id=both.pk, now=NOW)
    queue_add(post_id=facebook_only.pk, now=NOW)
    both.refresh_from_db()
    facebook_only.refresh_from_db()
    assert both.scheduled_at == MON_0900
    assert facebook_only.scheduled_at == SAT_0900


@pytest.mark.parametrize("status", [PostStatus.CANCELLED, PostStatus.PUBLISHED, PostStatus.FAILED])
def test_queue_add__a_cancelled_or_final_post_does_not_hold_its_slot(author, brand_a, x_account, status):
    other = write_post(author, x_account, at=SAT_0900, status=PostStatus.SCHEDULED)
    ScheduledPost.objects.filter(pk=other.pk).update(status=status)
    post = write_post(author, x_account)
    assert queue_add(post_id=post.pk, now=NOW).scheduled_at == SAT_0900


def test_queue_add__an_account_schedule_wins_over_its_group(author, brand_a, x_account):
    own = make_schedule(account=x_account, zone="America/New_York", slots=every_day(time(7, 15)))
    post = write_post(author, x_account)
    queue_add(post_id=post.pk, now=NOW)
    assert QueueEntry.objects.get(post=post).schedule == own
    post.refresh_from_db()
    assert post.scheduled_at == datetime(2030, 3, 29, 11, 15, tzinfo=UTC)  # 07:15 EDT
    # The post keeps its author's zone for display.
    assert post.timezone == "Europe/Paris"


def test_queue_add__runs_the_post_checks(author, brand_a, x_account):
    post = write_post(author, x_account, text="x" * 281)
    with pytest.raises(ValidationError, match="280"):
        queue_add(post_id=post.pk, now=NOW)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT and not QueueEntry.objects.exists()


@pytest.mark.parametrize(
    "status",
    [PostStatus.PUBLISHING, PostStatus.PUBLISHED, PostStatus.PARTIALLY_PUBLISHED, PostStatus.CANCELLED],
)
def test_queue_add__refuses_a_post_being_published_done_or_cancelled(author, brand_a, x_account, status):
    post = write_post(author, x_account, at=SAT_0900, status=PostStatus.SCHEDULED)
    ScheduledPost.objects.filter(pk=post.pk).update(status=status)
    with pytest.raises(ValidationError, match="keeps its time"):
        queue_add(post_id=post.pk, now=NOW)
    post.refresh_from_db()
    assert (post.status, post.scheduled_at) == (status, SAT_0900)


def test_queue_add__refuses_a_post_already_sent_to_an_account(author, brand_a, x_account, linkedin_account):
    post = write_post(author, x_account, linkedin_account)
    ScheduledPostAccount.objects.filter(post=post, account=x_account).update(status=AccountStatus.PUBLISHED)
    with pytest.raises(ValidationError, match="already sent"):
        queue_add(post_id=post.pk, now=NOW)


def test_queue_add__no_schedule_or_no_slots_is_a_clear_error(author, x_account, linkedin_account):
    post = write_post(author, x_account)
    with pytest.raises(ValidationError, match="No posting schedule plans for all"):
        queue_add(post_id=post.pk, now=NOW)
    make_schedule(account=x_account, slots=[])
    with pytest.raises(ValidationError, match="has no slots yet"):
        queue_add(post_id=post.pk, now=NOW)


def test_queue_add__into_a_paused_schedule_holds_the_post_as_a_draft(author, brand_a, x_account):
    schedule_pause(schedule_id=brand_a.pk, now=NOW)
    post = write_post(author, x_account)
    queue_add(post_id=post.pk, now=NOW)
    post.refresh_from_db()
    assert (post.status, post.scheduled_at) == (PostStatus.DRAFT, SAT_0900)
    assert QueueEntry.objects.get(post=post).is_held


def queued(author, accounts, count, *, now=NOW) -> list[ScheduledPost]:
    posts = []
    for number in range(1, count + 1):
        post = write_post(author, *accounts, text=f"Queued {number}")
        posts.append(queue_add(post_id=post.pk, now=now))
    return posts


def times_of(posts) -> list[datetime]:
    return [ScheduledPost.objects.get(pk=post.pk).scheduled_at for post in posts]


def test_queue_shuffle__deals_the_same_slots_in_another_order(author, brand_a, x_account):
    posts = queued(author, [x_account], 4)
    before = times_of(posts)
    moved = queue_shuffle(schedule_id=brand_a.pk, rng=random.Random(7), now=NOW)
    after = times_of(posts)
    assert moved >= 2 and after != before
    assert sorted(after) == sorted(before)


def test_queue_shuffle__never_moves_a_post_being_published_or_done(author, brand_a, x_account):
    posts = queued(author, [x_account], 4)
    before = times_of(posts)
    # The publisher holds one (a run claimed it early, say) and another is published.
    ScheduledPost.objects.filter(pk=posts[0].pk).update(status=PostStatus.PUBLISHING)
    ScheduledPost.objects.filter(pk=posts[1].pk).update(status=PostStatus.PUBLISHED)
    for seed in range(5):
        queue_shuffle(schedule_id=brand_a.pk, rng=random.Random(seed), now=NOW)
        after = times_of(posts)
        assert after[:2] == before[:2]
        assert sorted(after[2:]) == sorted(before[2:])


def test_queue_move__swaps_with_its_neighbour(author, brand_a, x_account):
    first, second, third = queued(author, [x_account], 3)
    queue_move(post_id=third.pk, direction="up", now=NOW)
    assert times_of([first, second, third]) == [SAT_0900, MON_0900, SUN_0900]
    queue_move(post_id=first.pk, direction="down", now=NOW)
    assert times_of([first, second, third]) == [SUN_0900, MON_0900, SAT_0900]


def test_queue_move__first_and_last_cannot_go_further(author, brand_a, x_account):
    first, last = queued(author, [x_account], 2)
    with pytest.raises(ValidationError, match="already first"):
        queue_move(post_id=first.pk, direction="up", now=NOW)
    with pytest.raises(ValidationError, match="already last"):
        queue_move(post_id=last.pk, direction="down", now=NOW)


def test_queue_move__refuses_to_swap_with_a_post_being_published(author, brand_a, x_account):
    first, second = queued(author, [x_account], 2)
    ScheduledPost.objects.filter(pk=first.pk).update(status=PostStatus.PUBLISHING)
    with pytest.raises(ValidationError, match=r"cannot move up: .* is being published"):
        queue_move(post_id=second.pk, direction="up", now=NOW)
    with pytest.raises(ValidationError, match="is being published right now, so it keeps its time"):
        queue_move(post_id=first.pk, direction="down", now=NOW)
    assert times_of([first, second]) == [SAT_0900, SUN_0900]


@pytest.mark.parametrize("status", [PostStatus.PUBLISHED, PostStatus.FAILED, PostStatus.CANCELLED])
def test_queue_move__a_final_post_has_left_the_queue_and_never_moves(author, brand_a, x_account, status):
    first, second, third = queued(author, [x_account], 3)
    ScheduledPost.objects.filter(pk=first.pk).update(status=status)
    with pytest.raises(ValidationError, match="keeps its time"):
        queue_move(post_id=first.pk, direction="down", now=NOW)
    with pytest.raises(ValidationError, match="already first"):
        queue_move(post_id=second.pk, direction="up", now=NOW)
    queue_move(post_id=third.pk, direction="up", now=NOW)
    assert times_of([first, second, third]) == [SAT_0900, MON_0900, SUN_0900]


def test_schedule_pause__holds_queued_posts_and_touches_nothing_published(author, brand_a, x_account):
    published, publishing, waiting = queued(author, [x_account], 3)
    ScheduledPost.objects.filter(pk=published.pk).update(status=PostStatus.PUBLISHED)
    ScheduledPost.objects.filter(pk=publishing.pk).update(status=PostStatus.PUBLISHING)

    assert schedule_pause(schedule_id=brand_a.pk, now=NOW) == 1
    statuses = dict(ScheduledPost.objects.values_list("pk", "status"))
    assert statuses == {
        published.pk: PostStatus.PUBLISHED,
        publishing.pk: PostStatus.PUBLISHING,
        waiting.pk: PostStatus.DRAFT,
    }
    assert times_of([published, publishing, waiting]) == [SAT_0900, SUN_0900, MON_0900]
    assert schedule_pause(schedule_id=brand_a.pk, now=NOW) == 0  # already paused


def test_schedule_resume__keeps_slots_still_ahead_and_refills_passed_ones(author, brand_a, x_account):
    first, second = queued(author, [x_account], 2)
    schedule_pause(schedule_id=brand_a.pk, now=NOW)
    # Resumed on Sunday at noon: Saturday's slot has passed, Sunday 09:00 too; Monday's is next.
    later = datetime(2030, 3, 31, 10, 0, tzinfo=UTC)
    assert schedule_resume(schedule_id=brand_a.pk, now=later) == 2
    assert set(ScheduledPost.objects.values_list("status", flat=True)) == {PostStatus.SCHEDULED}
    assert not QueueEntry.objects.filter(is_held=True).exists()
    # In their queue order: the first queued goes first.
    assert times_of([first, second]) == [MON_0900, TUE_0900]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_queue_move__waits_for_the_publisher_lock_then_refuses(author, brand_a, x_account):
    """The publisher claims the post while a person moves it: the move waits on the row lock, re-reads the
    post and refuses; nothing is swapped."""
    first, second = queued(author, [x_account], 2)
    claimed = threading.Event()

    def publisher_claims() -> None:
        try:
            with transaction.atomic():
                ScheduledPost.objects.select_for_update().get(pk=first.pk)
                ScheduledPost.objects.filter(pk=first.pk, status=PostStatus.SCHEDULED).update(
                    status=PostStatus.PUBLISHING
                )
                claimed.set()
                clock.sleep(0.5)
        finally:
            connection.close()

    claimer = threading.Thread(target=publisher_claims)
    claimer.start()
    assert claimed.wait(5)
    started = clock.monotonic()
    with pytest.raises(ValidationError, match="being published"):
        queue_move(post_id=second.pk, direction="up", now=NOW)
    claimer.join()
    assert clock.monotonic() - started > 0.2, "the move did not wait for the publisher's lock"
    assert times_of([first, second]) == [SAT_0900, SUN_0900]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_queue_add__four_people_at_once_get_four_slots(author, brand_a, x_account, linkedin_account):
    posts = [write_post(author, x_account, linkedin_account, text=f"At once {n}") for n in (1, 2, 3, 4)]
    pending = list(posts)
    lock = threading.Lock()

    def add_one() -> None:
        with lock:
            post = pending.pop()
        queue_add(post_id=post.pk, now=NOW)

    run_together(add_one, times=len(posts))
    assert sorted(times_of(posts)) == [SAT_0900, SUN_0900, MON_0900, TUE_0900]
