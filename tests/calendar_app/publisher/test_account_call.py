"""One account's call, rule by rule: token refresh, unknown outcomes and reconciliation, what never calls,
and what a message may contain. Fake platforms at the client boundary, real rows; runs in the test's
thread (``concurrency=1``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from social.models import SocialAccountStatus
from social.platforms import CannotTell
from social.platforms import PublishResult
from social.platforms import TokenRefreshError
from social.platforms import TokenRevokedError
from tests.fakes import crash
from tests.fakes import created_then_lost
from tests.fakes import lost_before_creating
from tests.fakes import progress

from .helpers import make_due_again
from .helpers import post_account
from .helpers import run

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(
    ("refresh", "status", "kind", "message", "account_status", "figure"),
    [
        (
            TokenRevokedError("invalid_grant"),
            AccountStatus.FAILED,
            ErrorKind.AUTH,
            "reconnect the account",
            SocialAccountStatus.NEEDS_RECONNECT,
            "failed",
        ),
        (
            TokenRefreshError("token endpoint answered 503"),
            AccountStatus.PENDING,
            ErrorKind.TRANSIENT,
            "token endpoint answered 503",
            SocialAccountStatus.ACTIVE,
            "retrying",
        ),
    ],
    ids=["revoked_grant_fails_the_account_and_asks_for_a_reconnect", "a_failing_token_endpoint_is_transient"],
)
def test_publish__a_refresh_that_fails_after_an_auth_refusal(
    fake_platform,
    token_endpoint,
    make_account,
    make_post,
    refresh,
    status,
    kind,
    message,
    account_status,
    figure,
):
    account = make_account("TWITTER", access_token="stale-access")
    post = make_post(account)
    fake_platform.revoked_tokens.add("stale-access")
    token_endpoint.will(refresh)

    summary = run()

    row = post_account(post, account)
    assert (row.status, row.error_kind) == (status, kind)
    assert message in row.error_message
    account.refresh_from_db()
    assert account.status == account_status
    assert len(fake_platform.calls_to(account)) == 1, "no call with a token that could not be refreshed"
    assert getattr(summary, figure) == 1


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


# --- what the platform says of a published post -----------------------------------------------------


def test_publish__a_notice_from_the_platform_is_kept_on_the_published_account(
    fake_platform, make_account, make_post
):
    """YouTube made the video private, for example: the author reads it on the post's page."""
    account = make_account("TWITTER")
    post = make_post(account)
    notice = "YouTube made the video private although public was asked"

    def published_with_a_notice(platform, client, payload):
        result = platform.create(client, payload)
        return PublishResult(result.platform_post_id, result.platform_post_url, notice=notice)

    fake_platform.will(account, published_with_a_notice)
    run()

    entry = post_account(post, account)
    assert (entry.status, entry.error_kind, entry.error_message) == (AccountStatus.PUBLISHED, "", notice)
    assert entry.attempts.get().error_message == notice
