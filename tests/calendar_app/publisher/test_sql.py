"""The publisher's raw SQL (``sql.py``), statement by statement: the stale-writer guard on both databases.

Every account write is conditional on the state its writer read and on the post still being under the
writer's lease; a writer whose lease was taken over writes nothing, however many accounts its batch holds.
"""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.publisher.sql import AccountResult
from calendar_app.publisher.sql import HeldAccount
from calendar_app.publisher.sql import post_account_update_held
from calendar_app.publisher.sql import post_accounts_record
from calendar_app.publisher.sql import post_accounts_start_calls
from calendar_app.publisher.sql import post_update_held

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(make_account, make_post):
    """Two posts of one run (its lease) with two accounts each, and a third post another run holds."""
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    posts = [make_post(x, facebook) for _ in range(3)]
    for post, token in zip(posts, (ours, ours, theirs), strict=True):
        ScheduledPost.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHING, lease_token=token)
    accounts = list(ScheduledPostAccount.objects.filter(post__in=posts).order_by("post_id", "id"))
    return ours, theirs, posts, accounts


def test_start_calls__marks_only_pending_accounts_of_posts_under_the_lease(held):
    ours, _, posts, accounts = held
    already = accounts[1]
    ScheduledPostAccount.objects.filter(pk=already.pk).update(status=AccountStatus.PUBLISHED)

    started = post_accounts_start_calls(
        post_accounts=[(pa.pk, pa.post_id) for pa in accounts], lease_token=ours, started_at=timezone.now()
    )

    expected = {pa.pk for pa in accounts[:4]} - {already.pk}
    assert set(started) == expected, "not the PUBLISHED one, not the other run's post"
    marked = ScheduledPostAccount.objects.filter(pk__in=expected)
    assert set(marked.values_list("status", "attempt_count")) == {(AccountStatus.PUBLISHING, 1)}
    attempts = PublishAttempt.objects.filter(pk__in=started.values())
    assert {a.post_account_id: a.pk for a in attempts} == started
    assert {a.outcome for a in attempts} == {AttemptOutcome.IN_PROGRESS}
    untouched = ScheduledPostAccount.objects.filter(post=posts[2])
    assert set(untouched.values_list("status", flat=True)) == {AccountStatus.PENDING}


def test_record__writes_only_while_the_lease_holds_and_always_closes_the_attempt(held):
    ours, _, posts, accounts = held
    started = post_accounts_start_calls(
        post_accounts=[(pa.pk, pa.post_id) for pa in accounts[:4]],
        lease_token=ours,
        started_at=timezone.now(),
    )
    newer = uuid.uuid4()
    ScheduledPost.objects.filter(pk=posts[1].pk).update(lease_token=newer)  # taken over by another run
    now = timezone.now()

    def published(pa) -> AccountResult:
        return AccountResult(
            post_account_id=pa.pk,
            post_id=pa.post_id,
            from_status=AccountStatus.PUBLISHING,
            values={
                "status": AccountStatus.PUBLISHED,
                "error_kind": "",
                "error_message": "",
                "updated_at": now,
                "platform_post_id": f"id-{pa.pk}",
                "platform_post_url": "",
                "published_at": now,
            },
            attempt_id=started[pa.pk],
            attempt_values={
                "finished_at": now,
                "outcome": AttemptOutcome.PUBLISHED,
                "error_kind": "",
                "http_status": None,
                "error_message": "",
            },
        )

    written = post_accounts_record(results=[published(pa) for pa in accounts[:4]], lease_token=ours)

    assert written == {accounts[0].pk, accounts[1].pk}
    assert ScheduledPostAccount.objects.get(pk=accounts[2].pk).status == AccountStatus.PUBLISHING
    assert ScheduledPostAccount.objects.get(pk=accounts[0].pk).platform_post_id == f"id-{accounts[0].pk}"
    # The calls happened: every attempt is closed, the taken-over post's too.
    outcomes = PublishAttempt.objects.filter(pk__in=started.values()).values_list("outcome", flat=True)
    assert set(outcomes) == {AttemptOutcome.PUBLISHED}


def test_update_held__a_stale_writer_writes_nothing(held):
    ours, theirs, posts, accounts = held
    values = {"error_message": "stale", "updated_at": timezone.now()}

    # Another run's post, then an account in another writer's state (it is PENDING), then the post's own run.
    assert not post_account_update_held(
        held=HeldAccount(accounts[4].pk, posts[2].pk, ours, AccountStatus.PENDING), values=values
    )
    assert not post_account_update_held(
        held=HeldAccount(accounts[0].pk, posts[0].pk, ours, AccountStatus.PUBLISHING), values=values
    )
    assert post_account_update_held(
        held=HeldAccount(accounts[4].pk, posts[2].pk, theirs, AccountStatus.PENDING), values=values
    )
    assert not post_update_held(post_id=posts[2].pk, lease_token=ours, values={"status": PostStatus.FAILED})
    assert ScheduledPost.objects.get(pk=posts[2].pk).status == PostStatus.PUBLISHING
