"""The admin home page's banner (a stalled publisher, accounts to reconnect) and each post's events."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import PublisherRun
from calendar_app.timezones import VIEWER_TIMEZONE_COOKIE
from notifications.models import DeliveryStatus
from notifications.models import EmailNotification
from notifications.models import Event
from notifications.models import EventType
from notifications.models import WebhookDelivery
from notifications.models import WebhookEndpoint
from social.models import Platform
from social.models import SocialAccountStatus

from ..factories import make_account
from ..factories import make_post
from .pages import change_url

pytestmark = pytest.mark.django_db

HOME = "/admin/"


@pytest.fixture(autouse=True)
def stall_after(settings):
    settings.PUBLISH_STALL_AFTER = 300


def finished_run(ago: timedelta) -> PublisherRun:
    ended = timezone.now() - ago
    return PublisherRun.objects.create(
        host="h", pid=os.getpid(), trigger="cron", started_at=ended - timedelta(seconds=1), finished_at=ended
    )


def banner(body: str) -> str:
    start = body.find('class="publisher-banner')
    return "" if start < 0 else body[start : body.index("</section>", start)]


# --- the home page's banner ----------------------------------------------------------------------------


def test_home__no_banner_while_the_publisher_is_ok(staff_client):
    finished_run(timedelta(seconds=30))

    assert banner(staff_client.get(HOME).content.decode()) == ""


def test_home__a_stalled_publisher_shows_a_banner_with_links_and_is_recorded_once(staff_client, staff_user):
    finished_run(timedelta(minutes=20))
    make_post(
        staff_user,
        accounts=[make_account(staff_user)],
        scheduled_at=timezone.now() - timedelta(minutes=8),
    )

    text = banner(staff_client.get(HOME).content.decode())
    staff_client.get(HOME)

    assert "The publisher is stalled" in text
    assert "no publisher run finished in the last 5 min" in text
    assert 'href="/admin/calendar_app/publisherrun/"' in text
    assert 'href="/admin/calendar_app/scheduledpost/?status__exact=SCHEDULED"' in text
    assert "1 due and unsent" in text
    assert Event.objects.filter(type=EventType.PUBLISHER_STALLED).count() == 1


def test_home__accounts_that_need_reconnecting_are_listed_with_their_reconnect_links(
    staff_client, staff_user
):
    finished_run(timedelta(seconds=30))
    account = make_account(
        staff_user, platform=Platform.LINKEDIN, name="Acme Inc.", status=SocialAccountStatus.NEEDS_RECONNECT
    )

    text = banner(staff_client.get(HOME).content.decode())

    assert "The publisher needs attention" in text
    assert "1 account needs reconnecting" in text
    assert 'href="/social/connect/linkedin/"' in text and "LinkedIn: Acme Inc." in text
    assert f'href="/admin/social/socialaccount/{account.pk}/change/"' in text
    assert "SECRET" not in text


def test_home__a_fixed_number_of_queries_however_many_accounts_need_reconnecting(staff_client, staff_user):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(HOME).status_code == 200
        return len(queries)

    make_account(staff_user, status=SocialAccountStatus.NEEDS_RECONNECT)
    few = count()
    for _ in range(15):
        make_account(staff_user, status=SocialAccountStatus.NEEDS_RECONNECT)
    assert count() == few
    print(f"home page: {few} queries")
    assert few <= 15
    assert "and <a" in banner(staff_client.get(HOME).content.decode()), "the rest behind one link"


# --- the post page's events ----------------------------------------------------------------------------


def ended_post_with_events(staff_user):
    account = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    post = make_post(
        staff_user,
        accounts={account: AccountStatus.FAILED},
        status=PostStatus.FAILED,
        scheduled_at=timezone.now() - timedelta(hours=1),
    )
    fanned = timezone.now()
    event = Event.objects.create(
        type=EventType.POST_FAILED,
        post=post,
        account=account,
        data={"post_id": post.pk, "status": "FAILED"},
        created_at=timezone.make_aware(timezone.datetime(2026, 3, 8, 6, 59, 30), ZoneInfo("UTC")),
        fanned_out_at=fanned,
    )
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/path-with-a-token-abc123",
        secret="whsec_c2VjcmV0",
        events=["post.failed"],
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=event,
        status=DeliveryStatus.PENDING,
        attempt_count=2,
        response_status=500,
        next_attempt_at=timezone.make_aware(timezone.datetime(2026, 3, 8, 7, 30), ZoneInfo("UTC")),
    )
    EmailNotification.objects.create(
        event=event,
        recipient="author@example.com",
        status=DeliveryStatus.DELIVERED,
        sent_at=timezone.make_aware(timezone.datetime(2026, 3, 8, 7, 0, 5), ZoneInfo("UTC")),
    )
    return post, event


def events_section(body: str) -> str:
    start = body.index('class="post-events"')
    return body[start : body.index("</section>", start)]


def test_post_page__lists_its_events_with_deliveries_and_emails_in_the_viewers_zone(staff_client, staff_user):
    post, event = ended_post_with_events(staff_user)
    Event.objects.create(type=EventType.POST_PUBLISHED, post=make_post(staff_user), data={})  # another post's
    staff_client.cookies[VIEWER_TIMEZONE_COOKIE] = "America/New_York"

    text = events_section(staff_client.get(change_url(post)).content.decode())

    assert text.count('class="event-row') == 1
    assert f'href="/admin/notifications/event/{event.pk}/change/"' in text and "post.failed" in text
    # 06:59:30 UTC on the day the US springs forward is 01:59:30 EST; 07:30 UTC is 03:30 EDT.
    assert "2026-03-08 01:59:30 EST" in text
    assert "https://hooks.example.com:" in text and "token-abc123" not in text, "a URL's path may be secret"
    assert "pending after 2 attempts (last HTTP 500), next try 2026-03-08 03:30:00 EDT" in text
    assert "author@example.com:" in text and "sent 03:00:05 EDT" in text
    assert "whsec_" not in text


def test_post_page__an_event_not_yet_delivered_says_so(staff_client, staff_user):
    post = make_post(staff_user, status=PostStatus.PUBLISHED)
    Event.objects.create(type=EventType.POST_PUBLISHED, post=post, data={})

    text = events_section(staff_client.get(change_url(post)).content.decode())

    assert "Waiting for the next delivery pass" in text


def test_post_page__no_events_yet(staff_client, staff_user):
    post = make_post(staff_user)

    assert "No notification yet" in events_section(staff_client.get(change_url(post)).content.decode())


def test_post_page__a_fixed_number_of_queries_however_many_events(staff_client, staff_user):
    post, _ = ended_post_with_events(staff_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(change_url(post)).status_code == 200
        return len(queries)

    count()  # the first page of a session caches what later ones reuse
    few = count()
    endpoint = WebhookEndpoint.objects.get()
    for _ in range(10):
        more = Event.objects.create(
            id=uuid.uuid4(),
            type=EventType.POST_ACCOUNT_NEEDS_REVIEW,
            post=post,
            data={},
            fanned_out_at=timezone.now(),
        )
        WebhookDelivery.objects.create(endpoint=endpoint, event=more)
        EmailNotification.objects.create(event=more, recipient="ops@example.com")
    assert count() == few
    print(f"post page: {few} queries")
    assert few <= 30, "the events add three queries to the post page"
