"""What people do to posts (services/posts.py), never racing the publisher."""

from __future__ import annotations

import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError
from django.db import connection
from django.db import transaction
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import QuotaSlot
from calendar_app.models import ScheduledPost
from calendar_app.rules import post_edit_refusal
from calendar_app.selectors import post_account_statuses
from calendar_app.selectors import post_due_queryset
from calendar_app.services.posts import post_account_mark_published
from calendar_app.services.posts import post_account_send_again
from calendar_app.services.posts import post_cancel
from calendar_app.services.posts import post_create
from calendar_app.services.posts import post_delete
from calendar_app.services.posts import post_duplicate
from calendar_app.services.posts import post_publish_now
from calendar_app.services.posts import post_retry_failed_accounts
from calendar_app.services.posts import post_update
from social.models import Platform
from social.models import SocialAccountStatus

from ..factories import add_attempt
from ..factories import ended_partially_published
from ..factories import make_account
from ..factories import make_post
from ..factories import post_input
from ..factories import post_with

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * 312


# --- Create and update --------------------------------------------------------------------------------


def test_post_create__stores_utc_the_zone_the_metadata_and_pending_accounts(user, fake_clients):
    x, facebook = make_account(user), make_account(user, platform=Platform.FACEBOOK)
    post = post_create(
        created_by=user,
        data=post_input(
            content="Launch day",
            account_ids=(x.pk, facebook.pk),
            timezone_name="America/New_York",
            local_time=datetime(2030, 7, 1, 9, 30),
            platform_options={"TWITTER": {"content": "Launch!"}},
        ),
    )
    post.refresh_from_db()
    assert post.scheduled_at == datetime(2030, 7, 1, 13, 30, tzinfo=UTC)
    assert (post.timezone, post.status, post.created_by) == ("America/New_York", PostStatus.SCHEDULED, user)
    assert post.metadata == {"platforms": {"TWITTER": {"content": "Launch!"}}}
    assert sorted(post.post_accounts.values_list("account_id", "status")) == [
        (x.pk, AccountStatus.PENDING),
        (facebook.pk, AccountStatus.PENDING),
    ]


def test_post_create__refuses_bad_input_and_saves_nothing(user, fake_clients):
    x = make_account(user)
    with pytest.raises(ValidationError) as error:
        post_create(created_by=user, data=post_input(content=TOO_LONG, account_ids=(x.pk,)))
    assert error.value.message_dict == {NON_FIELD_ERRORS: ["X: 312 characters, the limit is 280"]}
    assert not ScheduledPost.objects.exists()


def test_post_create__publish_now_makes_it_due_at_once(user):
    x = make_account(user)
    post = post_create(
        created_by=user, data=post_input(account_ids=(x.pk,), local_time=None, publish_now=True)
    )
    assert list(post_due_queryset()) == [post]


def test_post_create__a_draft_is_never_due(user):
    x = make_account(user)
    past = (timezone.now() - timedelta(hours=1)).replace(tzinfo=None)
    post_create(
        created_by=user, data=post_input(account_ids=(x.pk,), local_time=past, status=PostStatus.DRAFT)
    )
    assert not post_due_queryset().exists()


def test_post_update__adds_and_removes_accounts_and_keeps_the_state_of_the_others(user):
    kept, removed, added = make_account(user), make_account(user), make_account(user)
    post = make_post(user, accounts={kept: AccountStatus.FAILED, removed: AccountStatus.PENDING})
    kept_row = post.post_accounts.get(account=kept)
    kept_row.error_message = "kept as it was"
    kept_row.save()
    post_update(post_id=post.pk, data=post_input(content="Edited", account_ids=(kept.pk, added.pk)))
    post.refresh_from_db()
    assert post.content == "Edited"
    assert sorted(post.post_accounts.values_list("account_id", "status", "error_message")) == sorted(
        [(kept.pk, AccountStatus.FAILED, "kept as it was"), (added.pk, AccountStatus.PENDING, "")]
    )


def test_post_update__an_account_with_history_cannot_be_removed(user):
    kept, with_history = make_account(user), make_account(user, name="@history")
    post = make_post(user, accounts=[kept, with_history])
    add_attempt(post.post_accounts.get(account=with_history), started_at=timezone.now())
    with pytest.raises(ValidationError) as error:
        post_update(post_id=post.pk, data=post_input(account_ids=(kept.pk,)))
    assert error.value.message_dict["account_ids"] == [
        "X (Twitter): @history has publishing history and cannot be removed from this post."
    ]
    assert post.post_accounts.count() == 2


@pytest.mark.parametrize(
    "status", [PostStatus.PUBLISHING, PostStatus.PUBLISHED, PostStatus.FAILED, PostStatus.PARTIALLY_PUBLISHED]
)
def test_post_update__refused_once_publishing_started(user, status):
    account = make_account(user)
    post = make_post(user, accounts=[account], status=status, content="Original")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        post_update(post_id=post.pk, data=post_input(content="Rewritten", account_ids=(account.pk,)))
    post.refresh_from_db()
    assert post.content == "Original"


def test_post_update__refused_when_an_account_already_went_out(user):
    sent, waiting = make_account(user), make_account(user)
    # Waiting for a retry: still SCHEDULED, but one account is published, so the text is part of history.
    post = make_post(user, accounts={sent: AccountStatus.PUBLISHED, waiting: AccountStatus.PENDING})
    assert post_edit_refusal(post=post, account_statuses=post_account_statuses(post_id=post.pk))
    with pytest.raises(ValidationError, match="already sent to"):
        post_update(post_id=post.pk, data=post_input(content="Rewritten", account_ids=(sent.pk, waiting.pk)))


def test_post_update__a_new_time_clears_a_pending_retry(user):
    account = make_account(user)
    post = make_post(
        user,
        accounts=[account],
        scheduled_at=timezone.now() - timedelta(minutes=30),
        next_attempt_at=timezone.now() + timedelta(minutes=5),
        retry_count=2,
    )
    new_time = (timezone.now() + timedelta(days=3)).replace(tzinfo=None, second=0, microsecond=0)
    post_update(post_id=post.pk, data=post_input(account_ids=(account.pk,), local_time=new_time))
    post.refresh_from_db()
    assert (post.next_attempt_at, post.retry_count) == (None, 0)
    assert post.scheduled_at == new_time.replace(tzinfo=UTC)


def test_post_update__an_unchanged_past_time_of_a_waiting_post_is_kept(user):
    account = make_account(user)
    scheduled_at = (timezone.now() - timedelta(minutes=30)).replace(microsecond=0)
    retry_at = timezone.now() + timedelta(minutes=5)
    post = make_post(
        user, accounts=[account], scheduled_at=scheduled_at, next_attempt_at=retry_at, retry_count=1
    )
    post_update(
        post_id=post.pk,
        data=post_input(
            content="Typo fixed",
            account_ids=(account.pk,),
            local_time=scheduled_at.replace(tzinfo=None, second=0),
        ),
    )
    post.refresh_from_db()
    assert (post.content, post.scheduled_at, post.next_attempt_at, post.retry_count) == (
        "Typo fixed",
        scheduled_at,
        retry_at,
        1,
    )


def test_post_delete__keeps_a_post_with_history(user):
    account = make_account(user)
    draft = make_post(user, accounts=[account], status=PostStatus.DRAFT)
    published = make_post(user, accounts={account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    post_delete(post_id=draft.pk)
    with pytest.raises(ValidationError):
        post_delete(post_id=published.pk)
    assert list(ScheduledPost.objects.all()) == [published]


# --- Publish now, retry, cancel, duplicate ------------------------------------------------------------


def test_post_publish_now__a_future_post_becomes_due_now(user):
    account = make_account(user)
    post = make_post(user, accounts=[account], scheduled_at=timezone.now() + timedelta(days=2))
    before = timezone.now()
    post_publish_now(post_id=post.pk)
    post.refresh_from_db()
    assert before <= post.scheduled_at <= timezone.now()
    assert list(post_due_queryset()) == [post]


def test_post_publish_now__a_post_waiting_for_a_retry_goes_now_and_keeps_its_time(user):
    account = make_account(user)
    scheduled_at = timezone.now() - timedelta(minutes=20)
    post = make_post(
        user,
        accounts=[account],
        scheduled_at=scheduled_at,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    post_publish_now(post_id=post.pk)
    post.refresh_from_db()
    assert (post.scheduled_at, post.next_attempt_at) == (scheduled_at, None)
    assert list(post_due_queryset()) == [post]


def test_post_publish_now__a_draft_is_scheduled_now(user):
    account = make_account(user)
    post = make_post(
        user, accounts=[account], status=PostStatus.DRAFT, scheduled_at=timezone.now() - timedelta(days=7)
    )
    post_publish_now(post_id=post.pk)
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert timezone.now() - post.scheduled_at < timedelta(seconds=5)


@pytest.mark.parametrize("status", [PostStatus.PUBLISHING, PostStatus.PUBLISHED, PostStatus.FAILED])
def test_post_publish_now__refused_for_a_post_in_flight_or_done(user, status):
    account = make_account(user)
    post = make_post(user, accounts=[account], status=status)
    with pytest.raises(ValidationError, match="only drafts, scheduled and cancelled posts"):
        post_publish_now(post_id=post.pk)
    post.refresh_from_db()
    assert post.status == status


def test_post_publish_now__refused_when_a_platform_would_refuse_it(user, fake_clients):
    account = make_account(user)
    post = make_post(user, accounts=[account], status=PostStatus.DRAFT, content=TOO_LONG)
    with pytest.raises(ValidationError) as error:
        post_publish_now(post_id=post.pk)
    assert error.value.messages == ["X: 312 characters, the limit is 280"]
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_post_retry_failed_accounts__sends_only_the_failed_ones_again_now(user):
    post, (failed, published) = ended_partially_published(
        user, AccountStatus.FAILED, AccountStatus.PUBLISHED, hours_ago=3
    )
    post.post_accounts.filter(pk=failed.pk).update(
        error_kind="TRANSIENT", error_message="503", publish_state={"x": 1}
    )
    post.post_accounts.filter(pk=published.pk).update(platform_post_id="111")

    assert post_retry_failed_accounts(post_id=post.pk) == 1

    post.refresh_from_db()
    assert (post.status, post.retry_count) == (PostStatus.SCHEDULED, 0)
    assert list(post_due_queryset()) == [post]
    failed.refresh_from_db()
    published.refresh_from_db()
    assert (failed.status, failed.error_kind, failed.error_message, failed.publish_state) == (
        "PENDING",
        "",
        "",
        {},
    )
    assert (published.status, published.platform_post_id) == ("PUBLISHED", "111")


def test_post_retry_failed_accounts__refused_while_the_account_needs_reconnecting(user):
    account = make_account(user, name="@expired", status=SocialAccountStatus.NEEDS_RECONNECT)
    post = make_post(user, accounts={account: AccountStatus.FAILED}, status=PostStatus.FAILED)
    with pytest.raises(ValidationError) as error:
        post_retry_failed_accounts(post_id=post.pk)
    assert error.value.messages == ["X (Twitter): @expired needs reconnecting; reconnect it first."]
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


def test_post_retry_failed_accounts__refused_when_it_would_fail_validation_again(user, fake_clients):
    account = make_account(user)
    post = make_post(
        user, accounts={account: AccountStatus.FAILED}, status=PostStatus.FAILED, content=TOO_LONG
    )
    with pytest.raises(ValidationError) as error:
        post_retry_failed_accounts(post_id=post.pk)
    assert error.value.messages[0] == "X: 312 characters, the limit is 280"
    assert "duplicate it as a new draft" in error.value.messages[1]


@pytest.mark.parametrize("status", [PostStatus.SCHEDULED, PostStatus.PUBLISHING, PostStatus.PUBLISHED])
def test_post_retry_failed_accounts__only_for_ended_posts_with_failures(user, status):
    account = make_account(user)
    post = make_post(user, accounts={account: AccountStatus.FAILED}, status=status)
    with pytest.raises(ValidationError):
        post_retry_failed_accounts(post_id=post.pk)
    assert post.post_accounts.get().status == AccountStatus.FAILED


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.SCHEDULED])
def test_post_cancel__cancels_drafts_and_scheduled_posts(user, status):
    post = make_post(user, accounts=[make_account(user)], status=status, next_attempt_at=timezone.now())
    post_cancel(post_id=post.pk)
    post.refresh_from_db()
    assert (post.status, post.next_attempt_at) == (PostStatus.CANCELLED, None)
    assert not post_due_queryset().exists()


@pytest.mark.parametrize("status", [PostStatus.PUBLISHING, PostStatus.PUBLISHED, PostStatus.CANCELLED])
def test_post_cancel__refused_once_publishing_started(user, status):
    post = make_post(user, accounts=[make_account(user)], status=status)
    with pytest.raises(ValidationError, match="only drafts and scheduled posts can be cancelled"):
        post_cancel(post_id=post.pk)
    post.refresh_from_db()
    assert post.status == status


def test_post_duplicate__is_a_new_draft_of_the_person_who_asked(user, staff_user):
    a, b = make_account(user), make_account(user)
    original = make_post(
        user,
        accounts={a: AccountStatus.PUBLISHED, b: AccountStatus.FAILED},
        status=PostStatus.PARTIALLY_PUBLISHED,
        scheduled_at=timezone.now() - timedelta(days=1),
        tz="Europe/Paris",
        metadata={"platforms": {"TWITTER": {"content": "short"}}},
    )
    copy_ = post_duplicate(post_id=original.pk, created_by=staff_user)
    assert copy_.pk != original.pk
    assert (copy_.status, copy_.created_by, copy_.content, copy_.metadata, copy_.timezone) == (
        PostStatus.DRAFT,
        staff_user,
        original.content,
        original.metadata,
        "Europe/Paris",
    )
    assert sorted(copy_.post_accounts.values_list("account_id", "status")) == sorted(
        [(a.pk, AccountStatus.PENDING), (b.pk, AccountStatus.PENDING)]
    )
    # The original's time has passed: the copy is placed at the next full hour.
    assert copy_.scheduled_at > timezone.now() and copy_.scheduled_at.minute == 0
    original.refresh_from_db()
    assert original.status == PostStatus.PARTIALLY_PUBLISHED


# --- Accounts needing review --------------------------------------------------------------------------


def test_post_account_mark_published__records_the_id_and_finishes_the_post(user):
    post, (_published, row) = post_with(
        user, AccountStatus.PUBLISHED, AccountStatus.NEEDS_REVIEW, status=PostStatus.PARTIALLY_PUBLISHED
    )
    post_account_mark_published(
        post_account_id=row.pk,
        platform_post_id=" 1790000000000000001 ",
        platform_post_url="https://x.com/a/status/1",
    )
    row.refresh_from_db()
    post.refresh_from_db()
    assert (row.status, row.platform_post_id, row.platform_post_url) == (
        AccountStatus.PUBLISHED,
        "1790000000000000001",
        "https://x.com/a/status/1",
    )
    assert row.published_at is not None
    assert post.status == PostStatus.PUBLISHED


def test_post_account_mark_published__a_failed_post_becomes_partially_published(user):
    post, (_failed, in_doubt) = post_with(
        user, AccountStatus.FAILED, AccountStatus.NEEDS_REVIEW, status=PostStatus.FAILED
    )
    post_account_mark_published(post_account_id=in_doubt.pk, platform_post_id="9")
    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED and post.published_at is not None


def test_post_account_mark_published__refuses_a_missing_id_or_a_bad_url(user):
    _post, (row,) = post_with(user, AccountStatus.NEEDS_REVIEW, status=PostStatus.FAILED)
    with pytest.raises(ValidationError) as error:
        post_account_mark_published(
            post_account_id=row.pk, platform_post_id="  ", platform_post_url="not a url"
        )
    assert set(error.value.message_dict) == {"platform_post_id", "platform_post_url"}
    row.refresh_from_db()
    assert row.status == AccountStatus.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("account_status", "post_status", "refusal"),
    [
        pytest.param(
            AccountStatus.NEEDS_REVIEW,
            PostStatus.PUBLISHING,
            "being published right now",
            id="while_the_publisher_holds_the_post",
        ),
        pytest.param(
            AccountStatus.FAILED,
            PostStatus.FAILED,
            "not waiting for review",
            id="an_account_not_needing_review",
        ),
    ],
)
def test_post_account_mark_published__refused(user, account_status, post_status, refusal):
    _post, (row,) = post_with(user, account_status, status=post_status)
    with pytest.raises(ValidationError, match=refusal):
        post_account_mark_published(post_account_id=row.pk, platform_post_id="1")
    row.refresh_from_db()
    assert row.status == account_status


def test_post_account_send_again__an_ended_post_becomes_due_now(user):
    post, (published, row) = ended_partially_published(
        user, AccountStatus.PUBLISHED, AccountStatus.NEEDS_REVIEW, hours_ago=1
    )
    row.error_kind, row.publish_state = "UNKNOWN", {"container_id": "c1"}
    row.save()
    post_account_send_again(post_account_id=row.pk)
    row.refresh_from_db()
    post.refresh_from_db()
    assert (row.status, row.error_kind, row.publish_state) == (AccountStatus.PENDING, "", {})
    assert (post.status, post.retry_count) == (PostStatus.SCHEDULED, 0)
    assert list(post_due_queryset()) == [post]
    published.refresh_from_db()
    assert published.status == AccountStatus.PUBLISHED


def test_post_account_send_again__gives_back_the_quota_slot_of_the_call_in_doubt(user):
    """The person checked: the call made nothing, so it no longer counts against the platform's quota."""
    _post, (row,) = post_with(user, AccountStatus.NEEDS_REVIEW, status=PostStatus.FAILED)
    older = QuotaSlot.objects.create(
        account=row.account, platform=row.account.platform, taken_at=timezone.now()
    )
    QuotaSlot.objects.create(
        account=row.account, platform=row.account.platform, post_account=row, taken_at=timezone.now()
    )

    post_account_send_again(post_account_id=row.pk)

    assert list(QuotaSlot.objects.all()) == [older]


def test_post_account_send_again__a_post_waiting_for_a_retry_keeps_its_retry_time(user):
    retry_at = timezone.now() + timedelta(minutes=10)
    post, (_pending, in_doubt) = post_with(
        user,
        AccountStatus.PENDING,
        AccountStatus.NEEDS_REVIEW,
        scheduled_at=timezone.now() - timedelta(minutes=5),
        next_attempt_at=retry_at,
        retry_count=1,
    )
    post_account_send_again(post_account_id=in_doubt.pk)
    post.refresh_from_db()
    assert (post.status, post.next_attempt_at, post.retry_count) == (PostStatus.SCHEDULED, retry_at, 1)


# --- Never racing the publisher -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_post_cancel__waits_for_a_publisher_claim_and_then_refuses(user):
    """A run that claims the post while a person cancels it wins; the cancel must not overwrite PUBLISHING."""
    post = make_post(user, accounts=[make_account(user)], scheduled_at=timezone.now() - timedelta(seconds=5))
    locked = threading.Event()

    def publisher_claims() -> None:
        try:
            with transaction.atomic():
                ScheduledPost.objects.select_for_update().get(pk=post.pk)
                locked.set()
                time.sleep(0.5)  # the cancel arrives while the claim is in flight
                ScheduledPost.objects.filter(pk=post.pk, status=PostStatus.SCHEDULED).update(
                    status=PostStatus.PUBLISHING
                )
        finally:
            connection.close()

    claimer = threading.Thread(target=publisher_claims)
    claimer.start()
    assert locked.wait(5)
    with pytest.raises(ValidationError, match="is publishing"):
        post_cancel(post_id=post.pk)
    claimer.join()
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING
