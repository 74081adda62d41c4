"""The events a publisher run records in the notifications' outbox: in the transaction of the change that
causes them, from what the run holds in memory. Real rows, fake platforms at the client boundary."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from calendar_app.models import AccountStatus
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import PublisherRun
from calendar_app.models import ScheduledPost
from calendar_app.publisher import finalize
from calendar_app.publisher import publish_due_posts
from calendar_app.publisher import run as run_module
from notifications.models import Event
from notifications.models import EventType
from social.platforms import CannotTell

from ...fakes import created_then_lost
from ...fakes import fail
from ...fakes import lost_before_creating
from .helpers import database_refusing
from .helpers import make_due_again
from .helpers import post_account
from .helpers import run
from .test_recovery import hold_as_dead_run

pytestmark = pytest.mark.django_db


def events_of(post: ScheduledPost) -> list[Event]:
    return list(Event.objects.filter(post_id=post.pk).order_by("created_at", "type"))


def the_event(post: ScheduledPost) -> Event:
    [event] = events_of(post)
    return event


def last_run_key() -> str:
    return str(PublisherRun.objects.order_by("-started_at", "-id").values_list("pk", flat=True).first())


# --- each end of a post has its event --------------------------------------------------------------


def test_events__a_published_post_records_post_published_with_every_account(
    fake_platform, make_account, make_post
):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook, content="Launch day")

    run()

    event = the_event(post)
    assert event.type == EventType.POST_PUBLISHED
    assert event.group_key == last_run_key(), "a run's events are grouped by the run"
    assert event.data["status"] == PostStatus.PUBLISHED
    assert event.data["post_id"] == post.pk
    accounts = {entry["account_id"]: entry for entry in event.data["accounts"]}
    assert set(accounts) == {x.pk, facebook.pk}
    assert all(entry["status"] == AccountStatus.PUBLISHED for entry in accounts.values())
    assert accounts[x.pk]["platform_post_url"] == post_account(post, x).platform_post_url
    assert accounts[x.pk]["account_name"] == x.name and accounts[x.pk]["platform"] == "TWITTER"


def test_events__a_failed_post_says_which_account_failed_and_why(fake_platform, make_account, make_post):
    account = make_account("LINKEDIN")
    post = make_post(account)
    fake_platform.will(account, fail(ErrorKind.INVALID, "422 text too long", http_status=422))

    run()

    event = the_event(post)
    assert (event.type, event.account_id) == (EventType.POST_FAILED, account.pk)
    assert (event.data["error_kind"], event.data["error_message"]) == (ErrorKind.INVALID, "422 text too long")
    assert event.data["account_name"] == account.name


def test_events__a_partial_post_names_the_failed_account_and_keeps_earlier_rounds(
    fake_platform, make_account, make_post
):
    """Round 1 publishes X and leaves LinkedIn to retry; round 2 fails LinkedIn: the event of round 2 still
    carries X's post URL from round 1 (loaded with the claim, no query of its own)."""
    x, linkedin = make_account("TWITTER"), make_account("LINKEDIN")
    post = make_post(x, linkedin)
    fake_platform.will(linkedin, fail(ErrorKind.TRANSIENT, "503"), fail(ErrorKind.INVALID, "422 DUPLICATE"))

    run()
    assert events_of(post) == [], "a retry is no end: no event"
    make_due_again(post)
    run()

    event = the_event(post)
    assert event.type == EventType.POST_PARTIALLY_PUBLISHED
    assert (event.account_id, event.data["error_message"]) == (linkedin.pk, "422 DUPLICATE")
    entries = {entry["account_id"]: entry for entry in event.data["accounts"]}
    assert entries[x.pk]["status"] == AccountStatus.PUBLISHED
    assert entries[x.pk]["platform_post_url"] == post_account(post, x).platform_post_url != ""
    assert entries[linkedin.pk]["status"] == AccountStatus.FAILED


def test_events__out_of_retries_the_event_carries_the_last_failure(fake_platform, make_account, make_post):
    account = make_account()
    post = make_post(account, max_retries=1)
    fake_platform.will(
        account, fail(ErrorKind.TRANSIENT, "first 503"), fail(ErrorKind.TRANSIENT, "second 503")
    )

    run()
    make_due_again(post)
    run()

    event = the_event(post)
    assert event.type == EventType.POST_FAILED
    assert event.data["accounts"][0]["status"] == AccountStatus.FAILED
    assert (event.data["error_kind"], event.data["error_message"]) == (ErrorKind.TRANSIENT, "second 503")


def test_events__a_missed_post_fails_with_kind_missed(fake_platform, make_account, make_post, settings):
    settings.PUBLISH_MISSED_AFTER = 60
    account = make_account()
    post = make_post(account, ago=timedelta(hours=2))

    run()

    event = the_event(post)
    assert (event.type, event.data["error_kind"]) == (EventType.POST_FAILED, ErrorKind.MISSED)
    assert "PUBLISH_MISSED_AFTER" in event.data["error_message"]


def test_events__an_account_that_needs_review_is_told_then_its_post_ends(
    fake_platform, make_account, make_post
):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook)
    fake_platform.will(x, lost_before_creating)
    fake_platform.will_reconcile(x, CannotTell("the timeline cannot be read"))

    run()

    review, ended = events_of(post)[0], events_of(post)[-1]
    assert [event.type for event in events_of(post)] == [
        EventType.POST_ACCOUNT_NEEDS_REVIEW,
        EventType.POST_PARTIALLY_PUBLISHED,
    ]
    assert (review.account_id, review.data["status"]) == (x.pk, AccountStatus.NEEDS_REVIEW)
    assert "cannot be told" in review.data["error_message"]
    assert review.group_key == ended.group_key == last_run_key(), "one email for the run's news"
    assert post_account(post, x).status == AccountStatus.NEEDS_REVIEW


def test_events__an_unknown_outcome_found_on_the_platform_needs_no_review(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account)
    fake_platform.will(account, created_then_lost)

    run()

    assert [event.type for event in events_of(post)] == [EventType.POST_PUBLISHED]


# --- nothing for what did not happen ---------------------------------------------------------------


def test_events__a_rolled_back_finalize_emits_nothing_and_the_post_is_recovered_with_one_event(
    fake_platform, make_account, make_post
):
    """The outbox refuses the INSERT (a real database trigger, as a full disk would): the post's end rolls
    back with it, so the post is neither ended nor announced; once the outbox takes rows again, recovery
    ends it, once."""
    account = make_account()
    post = make_post(account)
    with database_refusing(table=Event._meta.db_table, operation="INSERT"):
        summary = run()

    assert (summary.processed, summary.errors) == (0, 1)
    assert Event.objects.count() == 0
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING, "left to recovery, not ended without its event"
    assert post_account(post, account).status == AccountStatus.PUBLISHED, "the call's result is kept"

    hold_as_dead_run(post)  # its lease runs out
    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert [event.type for event in events_of(post)] == [EventType.POST_PUBLISHED]
    assert len(fake_platform.calls_to(account)) == 1, "recovery ends it without sending again"


@pytest.mark.django_db(transaction=True)
def test_events__one_post_whose_end_fails_costs_the_others_nothing(
    fake_platform, make_account, make_post, monkeypatch
):
    """A finalize batch that fails is ended again post by post: the others end with their events.

    The first post to end waits until every post has settled, so the others queue up and end as a batch
    of several; the second post to end breaks, inside that batch."""
    account = make_account()
    posts = [make_post(account) for _ in range(4)]
    settled, lock = threading.Event(), threading.Lock()
    outcomes, order, tried = [], [], []
    real_on_outcome, real_end_posts = run_module._Run._on_outcome, run_module._Run._end_posts
    real_finalize = finalize.post_finalize

    def counting_outcomes(self, post, target, outcome):
        real_on_outcome(self, post, target, outcome)
        with lock:
            outcomes.append(post.post_id)
            if len(outcomes) == len(posts):
                settled.set()

    def first_batch_waiting_for_the_others(self, rounds):
        if not order:  # before its transaction: the others' results must still be written meanwhile
            assert settled.wait(10)
        return real_end_posts(self, rounds)

    def finalize_breaking_the_second(*, round_, lease_token, config):
        post_id = round_.ref.post_id
        if post_id not in order:
            order.append(post_id)
        tried.append(post_id)
        if len(order) > 1 and post_id == order[1]:
            raise RuntimeError("a bug in one post's roll-up")
        return real_finalize(round_=round_, lease_token=lease_token, config=config)

    monkeypatch.setattr(run_module._Run, "_on_outcome", counting_outcomes)
    monkeypatch.setattr(run_module._Run, "_end_posts", first_batch_waiting_for_the_others)
    monkeypatch.setattr(run_module, "post_finalize", finalize_breaking_the_second)
    summary = publish_due_posts(concurrency=4, after_run=False)

    broken = order[1]
    assert (summary.succeeded, summary.errors) == (3, 1)
    assert tried.count(broken) == 2, "tried in its batch, then alone"
    for post in posts:
        expected = [] if post.pk == broken else [EventType.POST_PUBLISHED]
        assert [event.type for event in events_of(post)] == expected
    assert ScheduledPost.objects.get(pk=broken).status == PostStatus.PUBLISHING, "left to recovery"
