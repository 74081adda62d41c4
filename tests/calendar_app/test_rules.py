import functools
import itertools
import re
from datetime import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from calendar_app.admin.actions import POST_ACTIONS
from calendar_app.forms import ScheduledPostForm
from calendar_app.models import AccountStatus as A
from calendar_app.models import PostStatus as P
from calendar_app.rules import RunCategory
from calendar_app.rules import post_run_category
from calendar_app.rules import post_status_rollup
from calendar_app.rules import retry_delay_seconds
from calendar_app.services.post_input import post_input_check
from calendar_app.services.posts import post_account_mark_published
from calendar_app.services.posts import post_account_send_again
from calendar_app.services.posts import post_cancel
from calendar_app.services.posts import post_delete
from calendar_app.services.posts import post_duplicate
from calendar_app.services.posts import post_publish_now
from calendar_app.services.posts import post_retry_failed_accounts
from calendar_app.services.posts import post_update
from planning.services.queue import queue_add

from ..planning.factories import every_day
from ..planning.factories import make_group
from ..planning.factories import make_schedule
from .factories import make_account
from .factories import make_post
from .factories import post_input


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([A.PUBLISHED, A.PUBLISHED], P.PUBLISHED),
        ([A.PUBLISHED, A.FAILED], P.PARTIALLY_PUBLISHED),
        ([A.PUBLISHED, A.NEEDS_REVIEW], P.PARTIALLY_PUBLISHED),
        ([A.FAILED, A.NEEDS_REVIEW], P.FAILED),
        ([A.FAILED], P.FAILED),
        ([A.PUBLISHED, A.PENDING], None),
        ([A.PUBLISHING, A.FAILED], None),
        ([], None),
    ],
)
def test_post_status_rollup(statuses, expected):
    assert post_status_rollup(statuses) == expected


@pytest.mark.parametrize(
    ("retry_count", "jitter", "expected"),
    [
        (0, 0.0, 30.0),  # the lower end of round 0: half of base
        (0, 1.0, 60.0),  # the upper end: base
        (1, 0.5, 90.0),  # round 1: 120 with the jitter in the upper half
        (3, 1.0, 480.0),
        (10, 1.0, 1000.0),  # capped
        (10, 0.0, 500.0),
    ],
)
def test_retry_delay_seconds__exponential_capped_with_equal_jitter(retry_count, jitter, expected):
    delay = retry_delay_seconds(
        retry_count=retry_count, base_seconds=60, max_seconds=1000, jitter=lambda: jitter
    )
    assert delay == expected


def test_retry_delay_seconds__jitter_spreads_runs_that_failed_together():
    delays = {retry_delay_seconds(retry_count=2, base_seconds=60, max_seconds=3600) for _ in range(50)}
    assert len(delays) > 40
    assert all(120 <= delay <= 240 for delay in delays)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        (None, 60.0),
        (10, 60.0),  # a shorter Retry-After does not shorten the backoff
        (300, 300.0),  # a longer one wins
        (86_400, 86_400.0),  # even beyond the cap (a daily quota)
    ],
)
def test_retry_delay_seconds__never_sooner_than_retry_after(retry_after, expected):
    delay = retry_delay_seconds(
        retry_count=0, base_seconds=60, max_seconds=3600, retry_after=retry_after, jitter=lambda: 1.0
    )
    assert delay == expected


@pytest.mark.parametrize(
    ("post_status", "accounts", "category"),
    [
        (P.SCHEDULED, [A.PUBLISHED, A.PENDING], RunCategory.RETRYING),
        (P.SCHEDULED, [A.NEEDS_REVIEW, A.PENDING], RunCategory.RETRYING),
        (P.PUBLISHED, [A.PUBLISHED], RunCategory.SUCCEEDED),
        (P.PARTIALLY_PUBLISHED, [A.PUBLISHED, A.FAILED], RunCategory.PARTIAL),
        (P.PARTIALLY_PUBLISHED, [A.PUBLISHED, A.NEEDS_REVIEW], RunCategory.NEEDS_REVIEW),
        (P.FAILED, [A.FAILED], RunCategory.FAILED),
        (P.FAILED, [A.FAILED, A.NEEDS_REVIEW], RunCategory.NEEDS_REVIEW),
    ],
)
def test_post_run_category(post_status, accounts, category):
    assert post_run_category(post_status=post_status, account_statuses=accounts) == category


# --- What a person may do to a post: the admin offers exactly what the services accept -----------------

ACCOUNT_MIXES = [(status,) for status in A] + list(itertools.combinations(A, 2))


class _Accepted(Exception):
    """Raised to roll back a service call that went through."""


def accepts(service) -> bool:
    """Whether ``service()`` goes through (its writes are rolled back) rather than refusing."""
    try:
        with transaction.atomic():
            service()
            raise _Accepted
    except _Accepted:
        return True
    except ValidationError:
        return False


def offered_on_the_post_page(client, post) -> dict[str, bool]:
    body = client.get(f"/admin/calendar_app/scheduledpost/{post.pk}/change/").content.decode()
    buttons = set(re.findall(r'class="button post-action-(\w+)"', body))
    offered = {action.__name__: action.__name__ in buttons for action in POST_ACTIONS}
    offered["edit"] = 'name="content"' in body
    offered["delete"] = f"/admin/calendar_app/scheduledpost/{post.pk}/delete/" in body
    for row in post.post_accounts.all():
        review_url = f"/admin/calendar_app/scheduledpost/{post.pk}/review/{row.pk}/"
        offered[f"mark_published {row.pk}"] = f'href="{review_url}"' in body
        review_page = client.get(review_url)
        offered[f"send_again {row.pk}"] = 'id="send-again-form"' in review_page.content.decode()
        # Reaching the review page by its address is the same rule as its link.
        assert (review_page.status_code == 200) == offered[f"mark_published {row.pk}"]
    return offered


def accepted_by_the_services(post, staff_user) -> dict[str, bool]:
    account_ids = tuple(post.post_accounts.values_list("account_id", flat=True))
    services = {
        "publish_now": lambda: post_publish_now(post_id=post.pk),
        "retry_failed_accounts": lambda: post_retry_failed_accounts(post_id=post.pk),
        "cancel_posts": lambda: post_cancel(post_id=post.pk),
        "duplicate_as_draft": lambda: post_duplicate(post_id=post.pk, created_by=staff_user),
        "add_to_queue": lambda: queue_add(post_id=post.pk),
        "edit": lambda: post_update(post_id=post.pk, data=post_input(account_ids=account_ids)),
        "delete": lambda: post_delete(post_id=post.pk),
    }
    for row in post.post_accounts.all():
        services[f"mark_published {row.pk}"] = functools.partial(
            post_account_mark_published, post_account_id=row.pk, platform_post_id="1790"
        )
        services[f"send_again {row.pk}"] = functools.partial(post_account_send_again, post_account_id=row.pk)
    return {name: accepts(service) for name, service in services.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("post_status", list(P))
def test_post_actions__the_admin_offers_exactly_what_the_services_accept(client, staff_user, post_status):
    client.force_login(staff_user)
    for mix in ACCOUNT_MIXES:
        post = make_post(
            staff_user,
            accounts={make_account(staff_user): status for status in mix},
            status=post_status,
            scheduled_at=timezone.now() + timedelta(hours=1),
        )
        # A schedule for the post's accounts: whether it may be queued is then the post's state alone.
        group = make_group(f"Accounts of post {post.pk}", *(row.account for row in post.post_accounts.all()))
        make_schedule(group=group, slots=every_day(time(9, 0)))
        offered = offered_on_the_post_page(client, post)
        accepted = accepted_by_the_services(post, staff_user)
        assert offered == accepted, (post_status, mix)


@pytest.mark.django_db
@pytest.mark.parametrize("post_status", [None, *P])
def test_post_savable_statuses__the_form_offers_exactly_what_the_check_accepts(staff_user, post_status):
    post = None if post_status is None else make_post(staff_user, accounts=[], status=post_status)
    form = ScheduledPostForm(instance=post)
    offered = {value for value, _label in form.fields["status"].choices}
    accepted = {
        status
        for status in P
        if "status" not in post_input_check(data=post_input(status=status), post=post).errors
    }
    assert offered == accepted
