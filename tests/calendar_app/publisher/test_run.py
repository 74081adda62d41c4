"""The publisher run, rule by rule, with fake platforms at the client boundary and real rows.

Runs use ``concurrency=1`` (the pool runs each account in the test's thread and transaction) unless a test
is about threads; those use ``transaction=True``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.utils import timezone

from calendar_app.models import (
    AccountStatus,
    AttemptAction,
    AttemptOutcome,
    ErrorKind,
    PostStatus,
    PublishAttempt,
    ScheduledPost,
    ScheduledPostAccount,
)
from calendar_app.publisher import PublishRunSummary, publish_due_posts
from social.clients import CannotTell, PublishError, PublishPayload
from social.clients import registry as client_registry
from social.models import SocialAccount, SocialAccountStatus
from social.oauth import OAuthProvider, TokenRefreshError, TokenRevokedError
from social.oauth import registry as oauth_registry
from tests.fakes import crash, created_then_lost, fail, lost_before_creating, progress, slow

pytestmark = pytest.mark.django_db


class NoRefreshProvider(OAuthProvider):
    platform = "LINKEDIN"
    supports_refresh = False


def run(**options) -> PublishRunSummary:
    options.setdefault("concurrency", 1)
    return publish_due_posts(**options)


def make_due_again(post: ScheduledPost) -> None:
    """Skip the backoff wait: the retry is due now."""
    ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def post_account(post: ScheduledPost, account: SocialAccount) -> ScheduledPostAccount:
    return ScheduledPostAccount.objects.get(post=post, account=account)


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


# --- retries ----------------------------------------------------------------------------------------


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

    with oauth_registry.override("LINKEDIN", NoRefreshProvider):
        summary = run()

    post.refresh_from_db()
    row = post_account(post, account)
    assert (post.status, row.status, row.error_kind) == (post_status, account_status, kind)
    assert getattr(summary, category) == 1
    assert len(fake_platform.calls_to(account)) == 1


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


# --- authentication -------------------------------------------------------------------------------


def test_publish__auth_refusal_refreshes_the_token_and_retries_once(
    fake_platform, token_endpoint, make_account, make_post
):
    account = make_account("TWITTER", access_token="stale-access", refresh_token="old-refresh")
    post = make_post(account)
    fake_platform.revoked_tokens.add("stale-access")
    token_endpoint.will(token_endpoint.fresh("fresh-access", "rotated-refresh"))

    summary = run()

    assert token_endpoint.refreshes == ["old-refresh"]
    assert [call.access_token for call in fake_platform.calls_to(account)] == ["stale-access", "fresh-access"]
    row = post_account(post, account)
    assert row.status == AccountStatus.PUBLISHED and row.attempt_count == 2
    assert list(row.attempts.values_list("outcome", "error_kind", "http_status")) == [
        (AttemptOutcome.FAILED, ErrorKind.AUTH, 401),
        (AttemptOutcome.PUBLISHED, "", None),
    ]
    account.refresh_from_db()
    assert (account.access_token, account.refresh_token) == ("fresh-access", "rotated-refresh")
    assert summary.succeeded == 1


def test_publish__auth_refused_again_after_a_refresh_fails_the_account(
    fake_platform, token_endpoint, make_account, make_post
):
    account = make_account("TWITTER", access_token="stale-access")
    post = make_post(account)
    fake_platform.revoked_tokens.update({"stale-access", "fresh-access"})
    token_endpoint.will(token_endpoint.fresh("fresh-access"))

    run()

    row = post_account(post, account)
    assert (row.status, row.error_kind) == (AccountStatus.FAILED, ErrorKind.AUTH)
    assert "reconnect the account" in row.error_message
    assert len(fake_platform.calls_to(account)) == 2, "retried once, not more"
    assert len(token_endpoint.refreshes) == 1
    account.refresh_from_db()
    assert account.status == SocialAccountStatus.NEEDS_RECONNECT


def test_publish__revoked_grant_fails_the_account_and_asks_for_a_reconnect(
    fake_platform, token_endpoint, make_account, make_post
):
    account = make_account("TWITTER", access_token="stale-access")
    post = make_post(account)
    fake_platform.revoked_tokens.add("stale-access")
    token_endpoint.will(TokenRevokedError("invalid_grant"))

    summary = run()

    row = post_account(post, account)
    assert (row.status, row.error_kind) == (AccountStatus.FAILED, ErrorKind.AUTH)
    account.refresh_from_db()
    assert account.status == SocialAccountStatus.NEEDS_RECONNECT
    assert len(fake_platform.calls_to(account)) == 1
    assert summary.failed == 1


def test_publish__a_failing_token_endpoint_is_transient(
    fake_platform, token_endpoint, make_account, make_post
):
    account = make_account("TWITTER", access_token="stale-access")
    post = make_post(account)
    fake_platform.revoked_tokens.add("stale-access")
    token_endpoint.will(TokenRefreshError("token endpoint answered 503"))

    summary = run()

    row = post_account(post, account)
    assert (row.status, row.error_kind) == (AccountStatus.PENDING, ErrorKind.TRANSIENT)
    assert "token endpoint answered 503" in row.error_message
    account.refresh_from_db()
    assert account.status == SocialAccountStatus.ACTIVE
    assert summary.retrying == 1


def test_publish__a_token_about_to_expire_is_refreshed_before_the_call(
    fake_platform, token_endpoint, make_account, make_post
):
    account = make_account(
        "TWITTER", access_token="expiring-access", token_expires_at=timezone.now() + timedelta(minutes=2)
    )
    post = make_post(account)
    token_endpoint.will(token_endpoint.fresh("fresh-access"))

    run()

    assert [call.access_token for call in fake_platform.calls_to(account)] == ["fresh-access"]
    assert post_account(post, account).status == AccountStatus.PUBLISHED


def test_publish__a_token_valid_for_long_is_not_refreshed(
    fake_platform, token_endpoint, make_account, make_post
):
    account = make_account(
        "TWITTER", access_token="good-access", token_expires_at=timezone.now() + timedelta(hours=1)
    )
    make_post(account)

    run()

    assert token_endpoint.refreshes == []
    assert [call.access_token for call in fake_platform.calls_to(account)] == ["good-access"]


@pytest.mark.parametrize(
    ("account_status", "kind", "message"),
    [
        (SocialAccountStatus.NEEDS_RECONNECT, ErrorKind.AUTH, "reconnect the account"),
        (SocialAccountStatus.DISABLED, ErrorKind.INVALID, "disabled"),
    ],
)
def test_publish__an_unusable_account_fails_without_a_call(
    fake_platform, make_account, make_post, account_status, kind, message
):
    unusable, fine = make_account("TWITTER", status=account_status), make_account("FACEBOOK")
    post = make_post(unusable, fine)

    run()

    row = post_account(post, unusable)
    assert (row.status, row.error_kind) == (AccountStatus.FAILED, kind)
    assert message in row.error_message
    assert fake_platform.calls_to(unusable) == [] and not row.attempts.exists()
    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED


def test_publish__validation_problems_fail_the_account_without_a_call(fake_platform, make_account, make_post):
    x, linkedin = make_account("TWITTER"), make_account("LINKEDIN")
    post = make_post(x, linkedin, content="y" * 300)

    run()

    assert fake_platform.calls == []
    row = post_account(post, x)
    assert (row.status, row.error_kind) == (AccountStatus.FAILED, ErrorKind.INVALID)
    assert row.error_message == "FakeTwitter: 300 characters, the limit is 280"
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


# --- unknown outcomes -------------------------------------------------------------------------------


def test_publish__unknown_outcome_found_by_reconciliation_is_published_not_resent(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account)
    fake_platform.will(account, created_then_lost)

    summary = run()

    row = post_account(post, account)
    assert len(fake_platform.sends) == 1
    assert row.status == AccountStatus.PUBLISHED and row.platform_post_id == fake_platform.sends[0].created
    assert list(row.attempts.values_list("action", "outcome", "error_kind")) == [
        (AttemptAction.PUBLISH, AttemptOutcome.FAILED, ErrorKind.UNKNOWN),
        (AttemptAction.RECONCILE, AttemptOutcome.PUBLISHED, ""),
    ]
    assert summary.succeeded == 1
    make_due_again(post)
    run()
    assert len(fake_platform.calls_to(account)) == 1


def test_publish__unknown_outcome_confirmed_absent_is_retried(fake_platform, make_account, make_post):
    account = make_account()
    post = make_post(account)
    fake_platform.will(account, lost_before_creating)

    summary = run()

    row = post_account(post, account)
    assert (row.status, row.error_kind) == (AccountStatus.PENDING, ErrorKind.UNKNOWN)
    assert row.attempts.filter(action=AttemptAction.RECONCILE).get().outcome == AttemptOutcome.NOT_FOUND
    assert summary.retrying == 1
    make_due_again(post)
    run()
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert len(fake_platform.sends) == 1


def test_publish__unknown_outcome_that_cannot_be_told_needs_review(fake_platform, make_account, make_post):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook)
    fake_platform.will(x, created_then_lost)
    fake_platform.will_reconcile(x, CannotTell("the timeline lookup failed"))

    summary = run()

    row = post_account(post, x)
    assert (row.status, row.error_kind) == (AccountStatus.NEEDS_REVIEW, ErrorKind.UNKNOWN)
    assert "the timeline lookup failed" in row.error_message
    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED
    assert (summary.needs_review, summary.partial) == (1, 0), "counted under needs review only"
    make_due_again(post)
    run()
    assert len(fake_platform.calls_to(x)) == 1


def test_publish__an_unexpected_client_exception_is_an_unknown_outcome(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account)
    fake_platform.will(account, crash(KeyError("data")))

    run()

    row = post_account(post, account)
    first = row.attempts.get(action=AttemptAction.PUBLISH)
    assert (first.error_kind, first.error_message) == (
        ErrorKind.UNKNOWN,
        "The call failed unexpectedly (KeyError: 'data').",
    )
    # Reconciliation found nothing on the platform, so it is retried.
    assert row.status == AccountStatus.PENDING
    assert len(fake_platform.reconciles) == 1


def test_publish__a_failing_reconciliation_needs_review(fake_platform, make_account, make_post):
    account = make_account()
    post = make_post(account)
    fake_platform.will(account, created_then_lost)
    fake_platform.will_reconcile(account, ConnectionError("lookup refused"))

    summary = run()

    row = post_account(post, account)
    assert row.status == AccountStatus.NEEDS_REVIEW
    assert "ConnectionError: lookup refused" in row.error_message
    assert summary.needs_review == 1


def test_publish__progress_is_saved_and_given_to_reconciliation(fake_platform, make_account, make_post):
    account = make_account("LINKEDIN")
    post = make_post(account)
    fake_platform.will(account, progress({"upload_session": "https://upload/abc"}, then=created_then_lost))

    run()

    assert post_account(post, account).publish_state == {"upload_session": "https://upload/abc"}
    [(_, in_doubt)] = fake_platform.reconciles
    assert in_doubt.state == {"upload_session": "https://upload/abc"}
    assert in_doubt.payload.text == post.content
    assert in_doubt.started_at == post_account(post, account).attempts.first().started_at


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
    monkeypatch.delitem(client_registry._clients, "YOUTUBE")  # as if its module failed to load
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


# --- secrets ----------------------------------------------------------------------------------------


def test_publish__tokens_never_reach_messages_or_logs(fake_platform, make_account, make_post, caplog):
    account = make_account("FACEBOOK", access_token="EAAB-secret-page-token")
    post = make_post(account)
    leaky = RuntimeError(
        "HTTPSConnectionPool: /v25.0/1/feed?access_token=EAAB-secret-page-token&x=1 "
        "(Authorization: Bearer EAAB-secret-page-token)"
    )
    fake_platform.will(account, crash(leaky))
    fake_platform.will_reconcile(account, CannotTell("lookup failed for token EAAB-secret-page-token"))
    caplog.set_level(logging.DEBUG)

    run()

    row = post_account(post, account)
    stored = [row.error_message, *row.attempts.values_list("error_message", flat=True)]
    assert any("[redacted]" in message for message in stored)
    for text in [*stored, caplog.text]:
        assert "EAAB-secret-page-token" not in text


# --- recovery and the stale-writer guard ------------------------------------------------------------


def hold_as_dead_run(post: ScheduledPost, *, expired: bool = True) -> uuid.UUID:
    """Leave ``post`` as a run that was killed would: PUBLISHING under a lease that ran out."""
    token = uuid.uuid4()
    ScheduledPost.objects.filter(pk=post.pk).update(
        status=PostStatus.PUBLISHING,
        lease_token=token,
        lease_expires_at=timezone.now() + timedelta(minutes=-1 if expired else 10),
    )
    return token


def test_recovery__a_call_in_flight_is_reconciled_not_resent(fake_platform, make_account, make_post):
    in_flight, pending = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(in_flight, pending, content="Launch day")
    hold_as_dead_run(post)
    # The dead run had marked one account and called the platform, which created the post.
    fake_platform.create(fake_platform.client_class("TWITTER")(in_flight), PublishPayload(text="Launch day"))
    started = timezone.now() - timedelta(minutes=11)
    ScheduledPostAccount.objects.filter(post=post, account=in_flight).update(
        status=AccountStatus.PUBLISHING, attempt_count=1, publish_state={"step": "create"}
    )
    dangling = PublishAttempt.objects.create(post_account=post_account(post, in_flight), started_at=started)

    summary = run()

    assert summary.recovered == 1 and summary.claimed == 0 and summary.succeeded == 1
    assert len(fake_platform.calls_to(in_flight)) == 1, "only the dead run's call"
    assert fake_platform.texts_sent_to(pending) == ["Launch day"]
    [(_, in_doubt)] = fake_platform.reconciles
    assert in_doubt.started_at == started and in_doubt.state == {"step": "create"}
    dangling.refresh_from_db()
    assert (dangling.outcome, dangling.error_kind) == (AttemptOutcome.FAILED, ErrorKind.UNKNOWN)
    assert dangling.finished_at is not None
    row = post_account(post, in_flight)
    assert row.status == AccountStatus.PUBLISHED and row.attempt_count == 1
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_recovery__an_in_flight_call_that_never_landed_is_retried_later(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account)
    hold_as_dead_run(post)
    ScheduledPostAccount.objects.filter(post=post).update(status=AccountStatus.PUBLISHING)

    summary = run()

    assert fake_platform.calls == [], "reconciled in this run, sent again only in a later round"
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and summary.retrying == 1
    make_due_again(post)
    run()
    assert len(fake_platform.sends) == 1


def test_recovery__a_run_that_died_before_finalizing_is_rolled_up_without_calls(
    fake_platform, make_account, make_post
):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    post = make_post(x, facebook)
    hold_as_dead_run(post)
    ScheduledPostAccount.objects.filter(post=post, account=x).update(
        status=AccountStatus.PUBLISHED, platform_post_id="1", published_at=timezone.now()
    )
    ScheduledPostAccount.objects.filter(post=post, account=facebook).update(
        status=AccountStatus.FAILED, error_kind=ErrorKind.INVALID
    )

    summary = run()

    assert fake_platform.calls == [] and fake_platform.reconciles == []
    post.refresh_from_db()
    assert post.status == PostStatus.PARTIALLY_PUBLISHED and post.lease_token is None
    assert (summary.recovered, summary.partial) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_recovery__a_post_whose_result_could_not_be_written_is_reconciled_not_resent(
    fake_platform, make_account, make_post, caplog
):
    """The database refuses the result of a call that did publish: the post goes to recovery at once."""
    account = make_account()
    post = make_post(account)
    row = post_account(post, account)
    table = ScheduledPostAccount._meta.db_table
    with database_refusing_published(table=table, post_account_id=row.pk):
        summary = publish_due_posts(concurrency=2)

    assert (summary.processed, summary.errors) == (0, 1)
    assert len(fake_platform.sends) == 1
    assert "could not be written" in caplog.text or "failed" in caplog.text
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING
    assert post.lease_token is None and post.lease_expires_at <= timezone.now(), "released at once"
    assert post_account(post, account).status == AccountStatus.PUBLISHING, "the call may have landed"

    summary = publish_due_posts(concurrency=2)

    assert (summary.recovered, summary.succeeded) == (1, 1)
    assert len(fake_platform.sends) == 1, "reconciled: found on the platform, never sent again"
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


@contextmanager
def database_refusing_published(*, table: str, post_account_id: int):
    """A real fault in the database: a trigger that rejects marking this account PUBLISHED."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_published() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_published BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN (NEW.status = 'PUBLISHED' AND NEW.id = {int(post_account_id)}) "
                "EXECUTE FUNCTION refuse_published()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_published BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN NEW.status = 'PUBLISHED' AND NEW.id = {int(post_account_id)} "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER refuse_published ON {table}")
                cursor.execute("DROP FUNCTION refuse_published()")
            else:
                cursor.execute("DROP TRIGGER refuse_published")


def test_recovery__a_live_lease_is_left_alone(fake_platform, make_account, make_post):
    account = make_account()
    post = make_post(account)
    token = hold_as_dead_run(post, expired=False)

    summary = run()

    assert summary.processed == 0 and fake_platform.calls == []
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHING and post.lease_token == token


def test_stale_writer__a_run_that_lost_its_post_does_not_overwrite_the_new_holder(
    fake_platform, make_account, make_post
):
    account = make_account()
    post = make_post(account)
    newer = uuid.uuid4()

    def taken_over_during_the_call(platform, client, payload):
        # Meanwhile another run recovered the post (this run looked dead) and is checking the account.
        ScheduledPost.objects.filter(pk=post.pk).update(lease_token=newer)
        return platform.create(client, payload)

    fake_platform.will(account, taken_over_during_the_call)

    summary = run()

    assert (summary.processed, summary.lost) == (0, 1)
    post.refresh_from_db()
    assert (post.status, post.lease_token) == (PostStatus.PUBLISHING, newer)
    row = post_account(post, account)
    assert row.status == AccountStatus.PUBLISHING, "left for the run that holds the post"
    # The call's answer is history and is kept.
    assert row.attempts.get().outcome == AttemptOutcome.PUBLISHED


@pytest.mark.postgres_only  # SQLite locks the whole database: the takeover cannot fall between two writes
@pytest.mark.django_db(transaction=True)
def test_stale_writer__finalize_does_not_touch_a_post_taken_over(fake_platform, make_account, make_post):
    """Another run takes the post over between the account's result and the post's roll-up: real threads.

    This test holds the post's row lock while the run records the account's result, so the run's roll-up
    waits on the lock; the test then takes the post over (a new lease) and commits, and the roll-up, which
    PostgreSQL re-checks against the row as the test left it, must update nothing.
    """
    account = make_account()
    post = make_post(account, max_retries=0)
    called, answer = threading.Event(), threading.Event()

    def transient_after_a_pause(platform, client, payload):
        called.set()
        answer.wait(10)
        platform.record(client, payload, created=None)
        raise PublishError(ErrorKind.TRANSIENT, "503")

    fake_platform.will(account, transient_after_a_pause)
    newer = uuid.uuid4()
    results = []
    run_thread = threading.Thread(target=lambda: results.append(publish_due_posts(concurrency=2)))
    run_thread.start()
    try:
        assert called.wait(10)
        with transaction.atomic():
            ScheduledPost.objects.select_for_update().get(pk=post.pk)
            answer.set()
            wait_until_a_backend_waits_for_a_lock()
            ScheduledPost.objects.filter(pk=post.pk).update(lease_token=newer)
    finally:
        answer.set()
        run_thread.join(20)

    [summary] = results
    assert (summary.processed, summary.failed, summary.lost) == (0, 0, 1)
    post.refresh_from_db()
    assert (post.status, post.lease_token) == (PostStatus.PUBLISHING, newer)
    assert post_account(post, account).status == AccountStatus.PENDING, "not ended FAILED by the stale run"


def wait_until_a_backend_waits_for_a_lock(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction otherwise sees one snapshot
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the run never waited for the post's row lock")


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


# --- dry run --------------------------------------------------------------------------------------


def test_dry_run__lists_what_would_be_sent_and_claims_nothing(fake_platform, make_account, make_post):
    x, facebook = make_account("TWITTER", name="brand"), make_account("FACEBOOK", name="page")
    post = make_post(
        x,
        facebook,
        content="z" * 290,
        metadata={
            "media": [{"url": "https://cdn.example.com/a.jpg", "type": "image", "alt_text": "a cat"}],
            "platforms": {"FACEBOOK": {"content": "Facebook text"}},
        },
    )

    summary = publish_due_posts(dry_run=True)

    text = "\n".join(summary.dry_run_lines)
    assert f"Post {post.pk}: due" in text
    assert "-> X (Twitter): brand:" in text and "-> Facebook Page: page:" in text
    assert "text: 'Facebook text'" in text
    assert "media: image https://cdn.example.com/a.jpg (alt: 'a cat')" in text
    assert "problem: FakeTwitter: 290 characters, the limit is 280" in text
    assert summary.dry_run and summary.processed == 0
    assert fake_platform.calls == []
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.lease_token is None
    assert not PublishAttempt.objects.exists()


# --- queries --------------------------------------------------------------------------------------


# With concurrency 1 each post is claimed alone: claim (savepoint, select, update, release) 4, load
# (posts, their accounts, the distinct SocialAccounts) 3, finalize 1. Each account starts its call (marks the account,
# opens the attempt) and ends it (closes the attempt, records the account): on PostgreSQL one statement
# each; elsewhere two in a transaction (savepoint and release in tests). A run also tries recovery and a
# last claim: 6, and its PublisherRun row is inserted, completed and old rows pruned: 3.
QUERIES_PER_ACCOUNT = {"postgresql": 2}.get(connection.vendor, 2 * 4)
QUERIES_PER_POST = 4 + 3 + 2 * QUERIES_PER_ACCOUNT + 1
QUERIES_PER_RUN = 6 + 3


def test_publish__a_constant_number_of_queries_per_post(
    fake_platform, make_account, make_post, django_assert_max_num_queries
):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    for posts in (10, 100):
        for _ in range(posts):
            make_post(x, facebook)
        with django_assert_max_num_queries(QUERIES_PER_RUN + posts * QUERIES_PER_POST):
            summary = run()
        assert summary.succeeded == posts


@pytest.mark.django_db(transaction=True)
def test_publish__claims_in_batches_of_the_concurrency(fake_platform, make_account, make_post, all_queries):
    account = make_account()
    for _ in range(12):
        make_post(account)

    with all_queries() as queries:
        summary = publish_due_posts(concurrency=4)

    claims = [sql for sql in queries.sql if sql.startswith("UPDATE") and '"last_attempt_at" = ' in sql]
    assert summary.succeeded == 12
    assert len(claims) == 3, "12 posts claimed 4 at a time"


def test_publish__clients_of_one_worker_share_its_http_session_within_a_run(
    fake_platform, make_account, make_post
):
    x, facebook = make_account("TWITTER"), make_account("FACEBOOK")
    posts = [make_post(x, facebook) for _ in range(2)]
    sessions = []

    def remember_session(platform, client, payload):
        sessions.append(client.session)
        return platform.create(client, payload)

    fake_platform.will(x, remember_session, remember_session)
    fake_platform.will(facebook, remember_session, remember_session)
    run()
    first_run = set(map(id, sessions))
    make_post(x)
    fake_platform.will(x, remember_session)
    run()

    assert len(sessions) == 5 and all(sessions)
    assert len(first_run) == 1, "one worker: one connection pool for every account it sends"
    assert id(sessions[-1]) not in first_run, "a run's sessions end with the run"
    assert all(post_account(post, x).status == AccountStatus.PUBLISHED for post in posts)
