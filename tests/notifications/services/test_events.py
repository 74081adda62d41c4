"""Recording events: one INSERT in the caller's transaction; what their data says."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from notifications.models import Event
from notifications.models import EventType
from notifications.services import AccountResult
from notifications.services import EventDraft
from notifications.services import NotInTransaction
from notifications.services import account_needs_reconnect_event
from notifications.services import event_record
from notifications.services import events_record
from notifications.services import post_account_needs_review_event
from notifications.services import post_finalized_event

from ..conftest import ACCESS_TOKEN
from ..conftest import REFRESH_TOKEN
from ..conftest import record

pytestmark = pytest.mark.django_db


def failed(account, kind="INVALID", message="Text is 3200 characters; the limit is 3000"):
    return AccountResult(
        account_id=account.pk,
        platform=account.platform,
        account_name=account.name,
        status="FAILED",
        error_kind=kind,
        error_message=message,
    )


def published(account):
    return AccountResult(
        account_id=account.pk,
        platform=account.platform,
        account_name=account.name,
        status="PUBLISHED",
        platform_post_url="https://www.linkedin.com/feed/update/urn:li:share:1/",
    )


def test_events_record__one_insert_for_many_events(make_account, make_post, site, django_assert_num_queries):
    account = make_account()
    posts = [make_post(account) for _ in range(50)]
    drafts = [post_finalized_event(post=post, status="FAILED", accounts=[failed(account)]) for post in posts]
    with transaction.atomic(), django_assert_num_queries(1):
        events_record(events=drafts)
    assert Event.objects.filter(type=EventType.POST_FAILED).count() == 50


def test_event_record__one_insert(make_account, make_post, site, django_assert_num_queries):
    account = make_account()
    post = make_post(account)
    draft = post_finalized_event(post=post, status="FAILED", accounts=[failed(account)])
    with transaction.atomic(), django_assert_num_queries(1):
        event = event_record(type=draft.type, data=draft.data, post_id=post.pk, group_key="run-1")
    stored = Event.objects.get(pk=event.pk)
    assert (stored.type, stored.post_id, stored.group_key, stored.fanned_out_at) == (
        "post.failed",
        post.pk,
        "run-1",
        None,
    )


@pytest.mark.django_db(transaction=True)  # outside the test's own transaction
def test_events_record__outside_a_transaction_is_refused(make_account, make_post):
    post = make_post(make_account())
    with pytest.raises(NotInTransaction):
        events_record(events=[EventDraft(type=EventType.POST_FAILED, data={}, post_id=post.pk)])
    assert not Event.objects.exists()


def test_events_record__a_rolled_back_change_emits_nothing(make_account, make_post):
    post = make_post(make_account(), status="PUBLISHING")
    with pytest.raises(RuntimeError), transaction.atomic():
        post.status = "FAILED"
        post.save()
        events_record(events=[post_finalized_event(post=post, status="FAILED", accounts=[])])
        raise RuntimeError("the finalize failed after recording")
    post.refresh_from_db()
    assert post.status == "PUBLISHING"
    assert not Event.objects.exists()


def test_events_record__a_repeated_dedup_key_is_skipped_inside_the_same_transaction():
    draft = lambda: EventDraft(type=EventType.ACCOUNT_TOKEN_EXPIRING, data={}, dedup_key="k1")  # noqa: E731
    with transaction.atomic():
        events_record(events=[draft()])
        events_record(events=[draft()])  # must not break the transaction
        Event.objects.count()  # the transaction is still usable
    assert Event.objects.filter(dedup_key="k1").count() == 1


def test_post_finalized_event__data_follows_the_contract(make_account, make_post, site):
    ok, bad = make_account(name="Acme on LinkedIn"), make_account(platform="TWITTER", name="@acme")
    post = make_post(ok, bad)
    draft = post_finalized_event(
        post=post, status="PARTIALLY_PUBLISHED", accounts=[published(ok), failed(bad)], group_key="run-7"
    )
    assert draft.type == "post.partially_published"
    assert draft.group_key == "run-7"
    data = draft.data
    assert data["post_id"] == post.pk
    assert (
        data["admin_url"]
        == f"https://scheduler.example.com/admin/calendar_app/scheduledpost/{post.pk}/change/"
    )
    # The account that explains the status is the one that did not publish.
    assert (data["platform"], data["account_name"], data["status"]) == (
        "TWITTER",
        "@acme",
        "PARTIALLY_PUBLISHED",
    )
    assert (data["error_kind"], data["error_message"]) == (
        "INVALID",
        "Text is 3200 characters; the limit is 3000",
    )
    assert [entry["status"] for entry in data["accounts"]] == ["PUBLISHED", "FAILED"]
    assert data["accounts"][0]["platform_post_url"].startswith("https://www.linkedin.com/")
    assert data["post_excerpt"] == "Launch day: our new product is live"
    body = json.dumps(data)
    assert ACCESS_TOKEN not in body and REFRESH_TOKEN not in body


@pytest.mark.parametrize(
    ("status", "expected"),
    [("PUBLISHED", "post.published"), ("FAILED", "post.failed"), ("SCHEDULED", None), ("CANCELLED", None)],
)
def test_post_finalized_event__only_an_end_emits(make_account, make_post, status, expected):
    account = make_account()
    draft = post_finalized_event(post=make_post(account), status=status, accounts=[published(account)])
    assert (draft.type if draft else None) == expected


def test_post_account_needs_review_event__names_the_account(make_account, make_post, site):
    account = make_account(platform="INSTAGRAM", name="acme.photos")
    post = make_post(account)
    result = AccountResult(
        account_id=account.pk,
        platform="INSTAGRAM",
        account_name="acme.photos",
        status="NEEDS_REVIEW",
        error_kind="UNKNOWN",
        error_message="read timeout on media_publish",
    )
    (event,) = record(post_account_needs_review_event(post=post, account=result))
    assert event.type == "post_account.needs_review"
    assert (event.account_id, event.post_id) == (account.pk, post.pk)
    assert event.data["status"] == "NEEDS_REVIEW" and event.data["error_kind"] == "UNKNOWN"


def test_account_needs_reconnect_event__links_the_account_and_its_reconnect_page(make_account, site):
    account = make_account(platform="FACEBOOK", name="Acme Page", status="NEEDS_RECONNECT")
    draft = account_needs_reconnect_event(account=account, reason="the token was revoked")
    assert draft.data["post_id"] is None
    assert (
        draft.data["admin_url"]
        == f"https://scheduler.example.com/admin/social/socialaccount/{account.pk}/change/"
    )
    assert draft.data["reconnect_url"] == "https://scheduler.example.com/social/connect/facebook/"
    assert (draft.data["status"], draft.data["error_kind"]) == ("NEEDS_RECONNECT", "AUTH")


def test_event_data__relative_links_without_site_url(make_account, make_post, settings):
    settings.SITE_URL = ""
    post = make_post(make_account())
    draft = post_finalized_event(post=post, status="FAILED", accounts=[])
    assert draft.data["admin_url"] == f"/admin/calendar_app/scheduledpost/{post.pk}/change/"
    assert draft.data["platform"] is None


def test_event__outlives_its_post(make_account, make_post, site):
    account = make_account()
    post = make_post(account)
    (event,) = record(post_finalized_event(post=post, status="FAILED", accounts=[failed(account)]))
    post_id = post.pk
    post.delete()
    event.refresh_from_db()
    assert event.post_id is None and event.data["post_id"] == post_id  # what it said stays


def test_publisher_stalled__once_per_stall_however_many_notice_it(site):
    from datetime import UTC
    from datetime import datetime

    from notifications.services import publisher_recovered_event
    from notifications.services import publisher_stalled_event

    last_run = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for _ in range(3):  # the web process, the admin home page and check_publisher all notice it
        record(publisher_stalled_event(due_unsent=4, oldest_due_seconds=640.2, last_run_finished_at=last_run))
    record(publisher_recovered_event(stalled_since_run_finished_at=last_run))
    record(publisher_recovered_event(stalled_since_run_finished_at=last_run))
    assert list(Event.objects.order_by("created_at").values_list("type", flat=True)) == [
        "publisher.stalled",
        "publisher.recovered",
    ]
    stalled = Event.objects.get(type="publisher.stalled")
    assert stalled.data["due_unsent"] == 4 and stalled.data["oldest_due_seconds"] == 640
    assert stalled.data["admin_url"] == "https://scheduler.example.com/admin/"
    # The next stall (after another run finished) is a new event.
    record(
        publisher_stalled_event(due_unsent=1, oldest_due_seconds=400, last_run_finished_at=datetime.now(UTC))
    )
    assert Event.objects.filter(type="publisher.stalled").count() == 2


def test_publisher_stalled__emails_the_operators(smtp, settings):
    from notifications.services import notifications_deliver
    from notifications.services import publisher_stalled_event

    record(publisher_stalled_event(due_unsent=3, oldest_due_seconds=900, last_run_finished_at=None))
    notifications_deliver(max_seconds=10)
    (message,) = smtp.messages
    assert message["To"] == "ops@example.com"
    assert "The publisher has stopped" in message["Subject"]
    assert "3 due posts are waiting, the oldest for 15 minutes." in message.get_content()


def test_post_account_results__one_query_for_the_finalize(make_account, make_post, django_assert_num_queries):
    from calendar_app.models import ScheduledPostAccount
    from notifications.selectors import post_account_results

    ok, bad = make_account(name="Acme"), make_account(platform="TWITTER", name="@acme")
    post = make_post(ok, bad)
    ScheduledPostAccount.objects.filter(account=ok).update(
        status="PUBLISHED", platform_post_url="https://x/1"
    )
    ScheduledPostAccount.objects.filter(account=bad).update(
        status="FAILED", error_kind="AUTH", error_message="401"
    )
    with django_assert_num_queries(1):
        results = post_account_results(post_id=post.pk)
    assert results == [
        AccountResult(ok.pk, "LINKEDIN", "Acme", "PUBLISHED", "", "", "https://x/1"),
        AccountResult(bad.pk, "TWITTER", "@acme", "FAILED", "AUTH", "401", ""),
    ]
