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
from tests.fakes import slow

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
