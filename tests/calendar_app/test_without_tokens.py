"""Only the publisher reads a token: pages, lists and every person's action on posts load accounts
``without_tokens()``.

The stored tokens are made undecryptable (the key that wrote them is gone, as after a wrong ENCRYPTION_KEY),
so any of those places that loads a token fails here with TokenDecryptionError, not silently.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.publisher import publish_due_posts
from calendar_app.selectors import post_account_history
from calendar_app.selectors import post_accounts_for_publishing
from calendar_app.selectors import post_calendar_list
from calendar_app.selectors import post_list_queryset
from calendar_app.services import posts
from calendar_app.services.post_input import post_input_check
from social.crypto import TokenDecryptionError
from social.models import Platform
from social.models import SocialAccount

from .factories import add_attempt
from .factories import make_account
from .factories import make_post
from .factories import post_input

pytestmark = pytest.mark.django_db

LIST = "/admin/calendar_app/scheduledpost/"
CALENDAR = "/admin/calendar_app/scheduledpost/calendar/"


@pytest.fixture
def accounts(staff_user, settings):
    """An X and a Facebook account whose stored tokens no configured key can decrypt."""
    made = (
        make_account(staff_user, platform=Platform.TWITTER, name="@acme"),
        make_account(staff_user, platform=Platform.FACEBOOK, name="Acme Page"),
    )
    settings.ENCRYPTION_KEY = "22" * 32  # the key that wrote the tokens is gone
    with pytest.raises(TokenDecryptionError):
        SocialAccount.objects.get(pk=made[0].pk)  # the premise: loading a token fails
    return made


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def in_review(staff_user, account) -> ScheduledPost:
    post = make_post(
        staff_user,
        accounts={account: AccountStatus.NEEDS_REVIEW},
        status=PostStatus.FAILED,
        scheduled_at=timezone.now() - timedelta(hours=1),
    )
    add_attempt(
        post.post_accounts.get(), started_at=timezone.now() - timedelta(hours=1), error_kind="UNKNOWN"
    )
    return post


def test_without_tokens__every_admin_page(staff_client, staff_user, accounts):
    x, facebook = accounts
    post = in_review(staff_user, x)
    scheduled = make_post(staff_user, accounts=[x, facebook])
    row = post.post_accounts.get()
    urls = [
        "/admin/",
        LIST,
        f"{LIST}?account={x.pk}",
        f"{LIST}?platform=FACEBOOK&attention=needed",
        f"{LIST}add/",
        f"{LIST}{post.pk}/change/",  # read-only, with its history
        f"{LIST}{scheduled.pk}/change/",  # the form, with the accounts to choose from
        f"{LIST}{scheduled.pk}/delete/",
        f"{LIST}{post.pk}/review/{row.pk}/",
        f"{CALENDAR}?month={timezone.now():%Y-%m}",
        f"{CALENDAR}?week={timezone.now():%G-W%V}",
        "/admin/calendar_app/publishattempt/",
        f"/admin/calendar_app/publishattempt/{row.attempts.get().pk}/change/",
        "/admin/social/socialaccount/",
        f"/admin/social/socialaccount/{x.pk}/change/",
    ]
    for url in urls:
        assert staff_client.get(url).status_code == 200, url


def test_without_tokens__every_admin_action(staff_client, staff_user, accounts):
    x, facebook = accounts
    form = {
        "content": "Hello",
        "social_accounts": [x.pk, facebook.pk],
        "scheduled_local": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "status": "DRAFT",
        **{f"media_{index}_type": "image" for index in range(1, 5)},
    }
    added = staff_client.post(f"{LIST}add/", form)
    assert added.status_code == 302
    draft = ScheduledPost.objects.get()
    # Checking a post validates it against each account's client, still without the tokens.
    too_long = staff_client.post(f"{LIST}add/", {**form, "content": "x" * 312, "status": "SCHEDULED"})
    assert "X: 312 characters as X counts them" in too_long.content.decode()
    for action in ("publish_now", "cancel_posts", "duplicate_as_draft"):
        response = staff_client.post(LIST, {"action": action, "_selected_action": [draft.pk]})
        assert response.status_code == 302, action
    draft.refresh_from_db()
    assert draft.status == PostStatus.CANCELLED

    failed = make_post(staff_user, accounts={facebook: AccountStatus.FAILED}, status=PostStatus.FAILED)
    staff_client.post(LIST, {"action": "retry_failed_accounts", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == PostStatus.SCHEDULED

    post = in_review(staff_user, x)
    row = post.post_accounts.get()
    staff_client.post(f"{LIST}{post.pk}/review/{row.pk}/", {"send_again": "1", "send-confirm": "on"})
    row.refresh_from_db()
    assert row.status == AccountStatus.PENDING

    assert staff_client.post(f"{LIST}{draft.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ScheduledPost.objects.filter(pk=draft.pk).exists()


def test_without_tokens__every_post_service_and_read(staff_user, accounts):
    x, facebook = accounts
    ids = (x.pk, facebook.pk)
    assert post_input_check(data=post_input(account_ids=ids)).errors == {}
    post = posts.post_create(created_by=staff_user, data=post_input(account_ids=ids, status=PostStatus.DRAFT))
    posts.post_update(post_id=post.pk, data=post_input(account_ids=(x.pk,), content="Edited"))
    posts.post_publish_now(post_id=post.pk)
    posts.post_cancel(post_id=post.pk)
    copy_ = posts.post_duplicate(post_id=post.pk, created_by=staff_user)
    posts.post_delete(post_id=copy_.pk)

    failed = make_post(staff_user, accounts={facebook: AccountStatus.FAILED}, status=PostStatus.FAILED)
    assert posts.post_retry_failed_accounts(post_id=failed.pk) == 1
    marked = in_review(staff_user, x).post_accounts.get()
    assert (
        posts.post_account_mark_published(post_account_id=marked.pk, platform_post_id="1").status
        == "PUBLISHED"
    )
    sent = in_review(staff_user, facebook).post_accounts.get()
    assert posts.post_account_send_again(post_account_id=sent.pk).status == AccountStatus.PENDING

    assert [str(pa.account) for p in post_list_queryset() for pa in p.post_accounts.all()]
    assert post_calendar_list(
        start=timezone.now() - timedelta(days=9), end=timezone.now() + timedelta(days=9)
    )
    assert [str(pa.account) for pa in post_account_history(post_id=failed.pk)] == ["Facebook Page: Acme Page"]
    assert [str(pa.account) for pa in post_accounts_for_publishing(post_ids=[failed.pk])]


def test_without_tokens__a_dry_run_previews_without_reading_tokens(staff_user, accounts):
    make_post(staff_user, accounts=list(accounts), scheduled_at=timezone.now() - timedelta(minutes=1))
    lines = publish_due_posts(dry_run=True).dry_run_lines
    assert "  -> X (Twitter): @acme:" in lines and "  -> Facebook Page: Acme Page:" in lines
