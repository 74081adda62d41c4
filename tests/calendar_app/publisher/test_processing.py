"""A platform still processing what was sent: the account stays PUBLISHING with its progress, the worker is
freed, a later run resumes it (``client.resume``), never sends it again, never counts a retry round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import QuotaSlot
from calendar_app.models import ScheduledPost
from social.platforms import NotFound
from social.platforms import PublishError
from tests.fakes import FakePlatform
from tests.fakes import fail
from tests.fakes import processing
from tests.fakes import progress
from tests.fakes import resume_fails
from tests.fakes import still_processing

from .helpers import make_due_again
from .helpers import post_account
from .helpers import run

CONTAINER = {"container_id": "17889455560051444"}


@pytest.fixture
def platform():
    """Fake X, Facebook and LinkedIn, and an Instagram whose client resumes."""
    with FakePlatform().registered(resuming=("INSTAGRAM",)) as platform:
        yield platform


def check_is_due(post: ScheduledPost) -> None:
    """The time to check the processing account has come: its lease has run out."""
    ScheduledPost.objects.filter(pk=post.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_processing__the_account_stays_publishing_with_its_progress_and_the_post_is_handed_on(
    platform, make_account, make_post
):
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    platform.will(instagram, processing(CONTAINER, check_after=90))

    summary = run()

    post.refresh_from_db()
    entry = post_account(post, instagram)
    assert (entry.status, entry.publish_state) == (AccountStatus.PUBLISHING, CONTAINER)
    assert entry.processing_since is not None and entry.error_kind == ""
    assert "still processing" in entry.error_message
    (attempt,) = PublishAttempt.objects.filter(post_account=entry)
    assert (attempt.outcome, attempt.finished_at is not None) == (AttemptOutcome.PROCESSING, True)
    # Released for a later run's recovery, at the check time; no retry round.
    assert (post.status, post.lease_token, post.retry_count) == (PostStatus.PUBLISHING, None, 0)
    assert 85 <= (post.lease_expires_at - timezone.now()).total_seconds() <= 90
    assert (summary.processing, summary.retrying) == (1, 1)
    assert QuotaSlot.objects.filter(post_account=entry).count() == 1, "its quota slot stays taken"


def test_processing__a_later_run_resumes_it_with_the_saved_progress_and_never_sends_it_again(
    platform, make_account, make_post
):
    instagram, x = make_account("INSTAGRAM"), make_account("TWITTER")
    post = make_post(instagram, x)
    platform.will(instagram, processing(CONTAINER))
    run()
    assert run().processed == 0, "nothing to do before the check time"

    check_is_due(post)
    summary = run()

    post.refresh_from_db()
    entry = post_account(post, instagram)
    assert summary.recovered == 1
    assert post.status == PostStatus.PUBLISHED and post.retry_count == 0
    assert (entry.status, entry.processing_since) == (AccountStatus.PUBLISHED, None)
    assert len(platform.calls_to(instagram)) == 2, "the first call, then the resume that published"
    ((account_id, attempt),) = platform.resumes
    assert (account_id, dict(attempt.state)) == (instagram.pk, CONTAINER)
    assert [(a.action, a.outcome) for a in PublishAttempt.objects.filter(post_account=entry)] == [
        (AttemptAction.PUBLISH, AttemptOutcome.PROCESSING),
        (AttemptAction.PUBLISH, AttemptOutcome.PUBLISHED),
    ]
    assert platform.texts_sent_to(x) == [post.content], "the other account went out in the first run"


def test_processing__still_processing_again_keeps_waiting_since_the_first_time(
    platform, make_account, make_post
):
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    platform.will(instagram, processing(CONTAINER))
    platform.will_resume(instagram, still_processing(check_after=120))
    run()
    since = post_account(post, instagram).processing_since

    check_is_due(post)
    run()

    post.refresh_from_db()
    entry = post_account(post, instagram)
    assert (entry.status, entry.processing_since) == (AccountStatus.PUBLISHING, since)
    assert post.retry_count == 0 and 115 <= (post.lease_expires_at - timezone.now()).total_seconds() <= 120


def test_processing__gives_up_after_the_platforms_longest_processing_time(platform, make_account, make_post):
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    platform.will(instagram, processing(CONTAINER))
    platform.will_resume(instagram, still_processing())
    run()
    post_account(post, instagram).__class__.objects.filter(post=post).update(
        processing_since=timezone.now() - timedelta(hours=25)
    )

    check_is_due(post)
    run()

    post.refresh_from_db()
    entry = post_account(post, instagram)
    assert (post.status, entry.status, entry.error_kind) == (
        PostStatus.FAILED,
        AccountStatus.FAILED,
        "INVALID",
    )
    assert "more than 24 hours" in entry.error_message and "nothing was published" in entry.error_message
    assert QuotaSlot.objects.filter(post_account=entry).count() == 0, "nothing was published: slot given back"


def test_processing__a_resume_that_fails_ends_the_account_failed(platform, make_account, make_post):
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    platform.will(instagram, processing(CONTAINER))
    platform.will_resume(instagram, resume_fails(ErrorKind.INVALID, "Instagram could not process the media"))
    run()
    check_is_due(post)
    run()

    post.refresh_from_db()
    assert post.status == PostStatus.FAILED
    assert post_account(post, instagram).error_message == "Instagram could not process the media"


def test_processing__a_retry_goes_on_from_the_saved_progress_instead_of_starting_over(
    platform, make_account, make_post
):
    """An account sent again after a failure whose call saved progress (a container) resumes it."""
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    platform.will(instagram, progress(CONTAINER, then=fail(ErrorKind.TRANSIENT, "code 4, throttled")))
    run()
    assert post_account(post, instagram).publish_state == CONTAINER

    make_due_again(post)
    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    ((_, attempt),) = platform.resumes
    assert dict(attempt.state) == CONTAINER
    assert len(platform.calls_to(instagram)) == 2, "the failed call and the resume, no new publish"


def test_processing__pending_accounts_of_a_held_post_wait_for_their_own_retry_time(
    platform, make_account, make_post
):
    instagram, linkedin = make_account("INSTAGRAM"), make_account("LINKEDIN")
    post = make_post(instagram, linkedin)
    platform.will(instagram, processing(CONTAINER, check_after=1))
    platform.will(linkedin, fail(ErrorKind.TRANSIENT, "503", retry_after=3600))
    platform.will_resume(instagram, still_processing(check_after=1))
    run()
    post.refresh_from_db()
    assert (post.status, post.retry_count) == (PostStatus.PUBLISHING, 1)
    assert post.next_attempt_at > timezone.now() + timedelta(minutes=59)

    check_is_due(post)
    run()

    assert len(platform.calls_to(linkedin)) == 1, "not sent again before its retry time"
    post.refresh_from_db()
    assert (post.status, post.retry_count) == (PostStatus.PUBLISHING, 1)

    check_is_due(post)  # Instagram finishes; LinkedIn still waits for its time
    run()
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.retry_count == 1
    assert post_account(post, instagram).status == AccountStatus.PUBLISHED
    assert len(platform.calls_to(linkedin)) == 1

    make_due_again(post)
    run()
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_processing__a_resume_cut_off_mid_call_is_reconciled_never_resumed_blind(
    platform, make_account, make_post
):
    """A run that died during a resume left its attempt open: whether that call published is asked."""
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    platform.will(instagram, processing(CONTAINER))
    run()
    entry = post_account(post, instagram)
    PublishAttempt.objects.create(
        post_account=entry,
        action=AttemptAction.PUBLISH,
        started_at=timezone.now(),
        outcome=AttemptOutcome.IN_PROGRESS,
    )
    platform.will_reconcile(instagram, NotFound("the container is FINISHED, not published"))

    check_is_due(post)
    run()

    entry.refresh_from_db()
    assert [account_id for account_id, _ in platform.reconciles] == [instagram.pk]
    assert platform.resumes == []
    assert (entry.status, entry.publish_state, entry.processing_since) == (
        AccountStatus.PENDING,
        CONTAINER,
        None,
    )

    make_due_again(post)
    run()
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert [dict(attempt.state) for _, attempt in platform.resumes] == [CONTAINER], "the same container"


def test_processing__a_resume_whose_answer_is_lost_is_reconciled_at_once(platform, make_account, make_post):
    instagram = make_account("INSTAGRAM")
    post = make_post(instagram)
    platform.will(instagram, processing(CONTAINER))

    def published_then_lost(fake, client, attempt):
        fake.create(client, attempt.payload)
        raise PublishError(ErrorKind.UNKNOWN, "read timeout on media_publish")

    platform.will_resume(instagram, published_then_lost)
    run()
    check_is_due(post)
    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert platform.texts_sent_to(instagram) == [post.content]
    assert [account_id for account_id, _ in platform.reconciles] == [instagram.pk]


# A resumed post costs its recovery (4) and load (3 + the last-call lookup 1), the resume's start and its
# result (1 each on PostgreSQL; elsewhere a savepoint, the two writes and the release: 4 each), and its
# finalize (1) with its event, in the finalize batch's transaction (savepoint, release, INSERT: 3).
QUERIES_PER_RESUMED_POST = 4 + 4 + 2 * {"postgresql": 1}.get(connection.vendor, 4) + 1 + 3
QUERIES_PER_RUN = 10


def test_processing__a_resumed_post_costs_a_fixed_number_of_queries(
    platform, make_account, make_post, django_assert_max_num_queries
):
    accounts = [make_account("INSTAGRAM") for _ in range(6)]
    posts = [make_post(account) for account in accounts]
    for account in accounts:
        platform.will(account, processing(CONTAINER))
    run()
    ScheduledPost.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    with django_assert_max_num_queries(QUERIES_PER_RUN + len(posts) * QUERIES_PER_RESUMED_POST):
        summary = run(after_run=False)

    assert summary.recovered == summary.succeeded == len(posts)
