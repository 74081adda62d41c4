"""The post actions, on the list and on the post page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.selectors import post_due_queryset

from ..factories import make_account
from ..factories import make_post
from ..factories import post_with
from .pages import change_url
from .pages import page_messages
from .pages import run_on_list
from .pages import run_on_page

pytestmark = pytest.mark.django_db


# --- Actions ------------------------------------------------------------------------------------------


def test_post_page_action__retry_failed_accounts(staff_client, staff_user):
    post, _rows = post_with(
        staff_user,
        AccountStatus.FAILED,
        AccountStatus.PUBLISHED,
        status=PostStatus.PARTIALLY_PUBLISHED,
        scheduled_at=timezone.now() - timedelta(hours=1),
    )
    response = run_on_page(staff_client, post, "retry_failed_accounts")
    assert response.redirect_chain[-1][0] == change_url(post)
    assert f"{post}: 1 failed account(s) will be retried by the next publisher run." in page_messages(
        response
    )
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert list(post_due_queryset()) == [post]


def test_list_action__cancel_reports_each_refusal_with_its_reason(staff_client, staff_user):
    account = make_account(staff_user)
    scheduled = make_post(staff_user, accounts=[account])
    published = make_post(
        staff_user, accounts={account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED
    )
    response = run_on_list(staff_client, [scheduled, published], "cancel_posts")
    assert page_messages(response) == [
        f"{scheduled}: cancelled.",
        f"{published}: {published} is published; only drafts and scheduled posts can be cancelled.",
    ]
    scheduled.refresh_from_db()
    published.refresh_from_db()
    assert (scheduled.status, published.status) == (PostStatus.CANCELLED, PostStatus.PUBLISHED)


def test_list_action__publish_now(staff_client, staff_user):
    drafts = [
        make_post(staff_user, accounts=[make_account(staff_user)], status=PostStatus.DRAFT) for _ in range(2)
    ]
    run_on_list(staff_client, drafts, "publish_now")
    assert set(post_due_queryset()) == set(drafts)


def test_post_page_action__duplicate_opens_the_new_draft(staff_client, staff_user):
    post = make_post(
        staff_user, accounts={make_account(staff_user): AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED
    )
    response = run_on_page(staff_client, post, "duplicate_as_draft")
    copy_ = ScheduledPost.objects.exclude(pk=post.pk).get()
    assert response.redirect_chain[-1][0] == change_url(copy_)
    assert copy_.status == PostStatus.DRAFT
    assert 'name="content"' in response.content.decode()  # the copy is editable
