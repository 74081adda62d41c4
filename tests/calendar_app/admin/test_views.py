"""The post page's publishing part and the review of an account whose outcome is unknown."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.selectors import post_due_queryset
from social.models import Platform

from ..factories import add_attempt
from ..factories import make_account
from ..factories import make_post
from .pages import CALENDAR
from .pages import FUTURE
from .pages import LIST
from .pages import change_url
from .pages import page_messages
from .pages import review_url

pytestmark = pytest.mark.django_db


# --- The post page ------------------------------------------------------------------------------------


def test_post_page__each_account_with_its_link_and_error_and_the_full_history_in_the_authors_zone(
    staff_client, staff_user
):
    x = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    facebook = make_account(staff_user, platform=Platform.FACEBOOK, name="Acme Page")
    post = make_post(
        staff_user,
        accounts={x: AccountStatus.PUBLISHED, facebook: AccountStatus.FAILED},
        status=PostStatus.PARTIALLY_PUBLISHED,
        scheduled_at=FUTURE,
        tz="Europe/Paris",
    )
    x_row, facebook_row = post.post_accounts.get(account=x), post.post_accounts.get(account=facebook)
    x_row.platform_post_id, x_row.platform_post_url = (
        "1790000000000000001",
        "https://x.com/acme/status/1790000000000000001",
    )
    x_row.save()
    facebook_row.error_kind, facebook_row.error_message = "AUTH", "Error validating access token (code 190)"
    facebook_row.save()
    add_attempt(
        facebook_row,
        started_at=FUTURE,
        error_kind="TRANSIENT",
        http_status=503,
        error_message="Service Unavailable",
    )
    add_attempt(x_row, started_at=FUTURE + timedelta(seconds=1), outcome=AttemptOutcome.PUBLISHED)
    add_attempt(
        facebook_row,
        started_at=FUTURE + timedelta(minutes=2),
        error_kind="AUTH",
        http_status=401,
        error_message="Error validating access token (code 190)",
    )
    add_attempt(
        facebook_row,
        started_at=FUTURE + timedelta(minutes=3),
        action=AttemptAction.RECONCILE,
        outcome="NOT_FOUND",
    )

    response = staff_client.get(change_url(post))
    body = response.content.decode()
    assert (
        '<a href="https://x.com/acme/status/1790000000000000001" target="_blank" rel="noopener noreferrer">'
        "1790000000000000001</a>" in body
    )
    assert "Authentication</span> Error validating access token (code 190)" in body
    history = re.search(r'<table class="post-attempts-table">(.*?)</table>', body, re.S).group(1)
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr class=\"attempt-row.*?</tr>", history, re.S)
    ]
    assert rows == [
        "Facebook Page: Acme Page Publish 2030-07-01 09:30:00 CEST 2030-07-01 09:30:01 CEST Failed Transient 503 Service Unavailable",
        "X (Twitter): @acme Publish 2030-07-01 09:30:01 CEST 2030-07-01 09:30:02 CEST Published",
        "Facebook Page: Acme Page Publish 2030-07-01 09:32:00 CEST 2030-07-01 09:32:01 CEST Failed Authentication 401 Error validating access token (code 190)",
        "Facebook Page: Acme Page Reconcile 2030-07-01 09:33:00 CEST 2030-07-01 09:33:01 CEST Confirmed not published",
    ]


def test_post_page__a_fixed_number_of_queries_however_long_the_history(staff_client, staff_user):
    def post_with_history(accounts: int, attempts_each: int) -> ScheduledPost:
        post = make_post(
            staff_user,
            accounts={make_account(staff_user): AccountStatus.FAILED for _ in range(accounts)},
            status=PostStatus.FAILED,
        )
        for row in post.post_accounts.all():
            for minute in range(attempts_each):
                add_attempt(row, started_at=FUTURE + timedelta(minutes=minute), error_kind="TRANSIENT")
        return post

    def count_queries(post: ScheduledPost) -> int:
        staff_client.get(change_url(post))  # warm Django's caches (content types)
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(change_url(post)).status_code == 200
        return len(queries)

    assert count_queries(post_with_history(1, 1)) == count_queries(post_with_history(5, 6))


def test_post_page__never_shows_a_token(staff_client, staff_user):
    account = make_account(staff_user)
    post = make_post(staff_user, accounts={account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    for url in (change_url(post), LIST, CALENDAR + "?month=" + post.scheduled_at.strftime("%Y-%m")):
        body = staff_client.get(url).content.decode()
        assert "SECRET" not in body and "enc:v1:" not in body


@pytest.mark.parametrize(
    ("post_status", "account_status", "buttons"),
    [
        (
            PostStatus.DRAFT,
            AccountStatus.PENDING,
            ["Publish now", "Add to queue", "Cancel", "Duplicate as a new draft"],
        ),
        (
            PostStatus.SCHEDULED,
            AccountStatus.PENDING,
            ["Publish now", "Add to queue", "Cancel", "Duplicate as a new draft"],
        ),
        (PostStatus.PUBLISHING, AccountStatus.PUBLISHING, ["Duplicate as a new draft"]),
        (PostStatus.FAILED, AccountStatus.FAILED, ["Retry failed accounts", "Duplicate as a new draft"]),
        (PostStatus.PUBLISHED, AccountStatus.PUBLISHED, ["Duplicate as a new draft"]),
        (PostStatus.CANCELLED, AccountStatus.PENDING, ["Publish now", "Duplicate as a new draft"]),
    ],
)
def test_post_page__offers_the_actions_that_fit_the_state(
    staff_client, staff_user, post_status, account_status, buttons
):
    post = make_post(staff_user, accounts={make_account(staff_user): account_status}, status=post_status)
    body = staff_client.get(change_url(post)).content.decode()
    assert (
        re.findall(r'<button type="submit" class="button post-action-\w+">([^<]+)</button>', body) == buttons
    )
    assert 'name="CHANGE_FORM-action"' in body or not buttons


# --- Reviewing an account whose outcome is unknown ----------------------------------------------------


@pytest.fixture
def post_in_review(staff_user):
    published, in_doubt = make_account(staff_user), make_account(staff_user, name="@in_doubt")
    post = make_post(
        staff_user,
        accounts={published: AccountStatus.PUBLISHED, in_doubt: AccountStatus.NEEDS_REVIEW},
        status=PostStatus.PARTIALLY_PUBLISHED,
        scheduled_at=timezone.now() - timedelta(hours=1),
    )
    return post, post.post_accounts.get(account=in_doubt)


def test_review__the_post_page_links_to_it(staff_client, post_in_review):
    post, row = post_in_review
    assert (
        f'href="{review_url(post, row)}">Review…</a>' in staff_client.get(change_url(post)).content.decode()
    )


def test_review__mark_as_published_with_its_id(staff_client, post_in_review):
    post, row = post_in_review
    response = staff_client.post(
        review_url(post, row),
        {
            "mark_published": "1",
            "mark-platform_post_id": "1790",
            "mark-platform_post_url": "https://x.com/i/status/1790",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == change_url(post)
    assert "X (Twitter): @in_doubt: marked as published on" in page_messages(response)[0]
    row.refresh_from_db()
    post.refresh_from_db()
    assert (row.status, row.platform_post_id, post.status) == (
        AccountStatus.PUBLISHED,
        "1790",
        PostStatus.PUBLISHED,
    )


def test_review__a_bad_address_is_a_form_error_that_keeps_the_input(staff_client, post_in_review):
    post, row = post_in_review
    response = staff_client.post(
        review_url(post, row),
        {"mark_published": "1", "mark-platform_post_id": "1790", "mark-platform_post_url": "nope"},
    )
    assert response.status_code == 200
    assert response.context["mark_form"].errors == {"platform_post_url": ["Enter a valid URL."]}
    assert 'value="1790"' in response.content.decode()
    row.refresh_from_db()
    assert row.status == AccountStatus.NEEDS_REVIEW


def test_review__send_again_needs_the_confirmation(staff_client, post_in_review):
    post, row = post_in_review
    response = staff_client.post(review_url(post, row), {"send_again": "1"})
    assert response.status_code == 200 and response.context["send_form"].errors["confirm"]
    row.refresh_from_db()
    assert row.status == AccountStatus.NEEDS_REVIEW

    staff_client.post(review_url(post, row), {"send_again": "1", "send-confirm": "on"})
    row.refresh_from_db()
    assert row.status == AccountStatus.PENDING
    assert list(post_due_queryset()) == [post]


def test_review__nothing_to_review_goes_back_to_the_post(staff_client, staff_user):
    post = make_post(
        staff_user, accounts={make_account(staff_user): AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED
    )
    response = staff_client.get(review_url(post, post.post_accounts.get()))
    assert response.status_code == 302 and response["Location"] == change_url(post)
