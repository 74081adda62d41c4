"""Webhook delivery against a real receiver on loopback that verifies every signature."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import DeliveryStatus
from notifications.models import Event
from notifications.models import EventType
from notifications.models import WebhookDelivery
from notifications.models import WebhookEndpoint
from notifications.services import notifications_deliver
from notifications.services import post_finalized_event
from notifications.services.webhooks import _claim
from notifications.services.webhooks import webhook_endpoint_send_test

from ...planning.concurrency import run_together
from ..conftest import record
from ..servers import webhook_receiver
from .test_events import failed
from .test_events import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_post_event(make_account, make_post, site):
    def make(**fields):
        account = make_account()
        post = make_post(account, **fields)
        return record(post_finalized_event(post=post, status="FAILED", accounts=[failed(account)]))[0]

    return make


def test_deliver__each_event_reaches_the_receiver_signed(receiver, make_endpoint, failed_post_event):
    make_endpoint(receiver)
    events = [failed_post_event() for _ in range(3)]

    report = notifications_deliver(max_seconds=20)

    assert (report.events, report.webhooks_delivered, report.webhooks_failed) == (3, 3, 0)
    assert len(receiver.received) == 3 and len(receiver.verified) == 3
    assert sorted(receiver.ids()) == sorted(str(event.pk) for event in events)
    first = receiver.received[0]
    assert set(first.payload) == {"type", "timestamp", "data"}
    assert first.payload["type"] == "post.failed"
    assert first.payload["data"]["error_kind"] == "INVALID"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["webhook-signature"].startswith("v1,")
    assert first.path == "/hooks"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    # Nothing is sent twice.
    assert notifications_deliver(max_seconds=5).webhooks_delivered == 0
    assert len(receiver.received) == 3


def test_deliver__an_endpoint_gets_only_what_it_subscribed_to(
    receiver, make_endpoint, make_account, make_post, site
):
    make_endpoint(receiver, events=["post.failed"])
    account = make_account()
    record(
        post_finalized_event(post=make_post(account), status="PUBLISHED", accounts=[published(account)]),
        post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]),
    )
    notifications_deliver(max_seconds=10)
    assert [item.payload["type"] for item in receiver.received] == ["post.failed"]


def test_deliver__a_500_is_retried_later_with_the_same_id(receiver, make_endpoint, failed_post_event):
    receiver.answer = lambda n: (500, {}, 0) if n == 0 else (204, {}, 0)
    endpoint = make_endpoint(receiver)
    event = failed_post_event()

    first = notifications_deliver(max_seconds=10)
    delivery = WebhookDelivery.objects.get()
    assert (first.webhooks_delivered, first.webhooks_failed) == (0, 1)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status == 500 and "HTTP 500" in delivery.last_error
    # Backoff: 30 s doubled per attempt, with jitter in the upper half.
    assert timedelta(seconds=14) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=31)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.is_active

    assert notifications_deliver(max_seconds=5).webhooks_delivered == 0  # not due yet
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert notifications_deliver(max_seconds=10).webhooks_delivered == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.response_status) == ("DELIVERED", 2, 204)
    assert receiver.ids() == [str(event.pk), str(event.pk)]
    assert len(receiver.verified) == 2
    assert [a.response_status for a in delivery.attempts.all()] == [500, 204]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None  # a success ends the failure clock


def test_deliver__retry_after_is_honoured(receiver, make_endpoint, failed_post_event):
    receiver.answer = lambda n: (429, {"Retry-After": "600"}, 0)
    make_endpoint(receiver)
    failed_post_event()
    notifications_deliver(max_seconds=10)
    delivery = WebhookDelivery.objects.get()
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=590)


def test_deliver__a_slow_receiver_does_not_outlast_the_budget(receiver, make_endpoint, failed_post_event):
    receiver.answer = lambda n: (200, {}, 30.0)
    make_endpoint(receiver)
    failed_post_event()

    started = time.monotonic()
    report = notifications_deliver(max_seconds=1)
    elapsed = time.monotonic() - started

    assert elapsed < 10, elapsed  # the receiver would have taken 30 s
    assert report.webhooks_delivered == 0 and report.webhooks_failed == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_status is None
    assert "timed out" in delivery.last_error or "time budget" in delivery.last_error


def test_deliver__redirects_are_not_followed(receiver, make_endpoint, failed_post_event, loopback_webhooks):
    with webhook_receiver(receiver.secret) as elsewhere:
        receiver.answer = lambda n: (302, {"Location": elsewhere.url}, 0)
        make_endpoint(receiver)
        failed_post_event()
        report = notifications_deliver(max_seconds=10)
        assert report.webhooks_failed == 1
        assert elsewhere.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.response_status == 302 and "redirects are not followed" in delivery.last_error


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/hooks", "use an https:// address"),
        ("https://127.0.0.1:{port}/hooks", "non-public address (127.0.0.1)"),
        ("https://localhost:{port}/hooks", "non-public address"),
        ("https://[::1]:{port}/hooks", "non-public address (::1)"),
        ("https://user:pw@127.0.0.1:{port}/hooks", "credentials in the address"),
    ],
)
def test_deliver__private_addresses_are_refused(settings, make_endpoint, failed_post_event, url, reason):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with webhook_receiver("whsec_" + "A" * 43) as target:
        make_endpoint(target, url=url.format(port=target.port))
        failed_post_event()
        report = notifications_deliver(max_seconds=5)
        assert target.received == []
    assert report.webhooks_failed == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error.startswith("refused: ") and reason in delivery.last_error
    assert delivery.status == DeliveryStatus.PENDING  # DNS may change back; it is retried and may be disabled


def test_deliver__an_endpoint_failing_for_24_hours_is_disabled(receiver, make_endpoint, failed_post_event):
    receiver.answer = lambda n: (503, {}, 0)
    endpoint = make_endpoint(receiver, failing_since=timezone.now() - timedelta(hours=24, minutes=5))
    failed_post_event()

    report = notifications_deliver(max_seconds=10)

    endpoint.refresh_from_db()
    assert report.endpoints_disabled == 1
    assert not endpoint.is_active
    assert "HTTP 503" in endpoint.disabled_reason
    disabled = Event.objects.get(type=EventType.WEBHOOK_ENDPOINT_DISABLED)
    assert disabled.data["endpoint_id"] == endpoint.pk
    assert disabled.data["endpoint"] == f"http://127.0.0.1:{receiver.port}"  # never the path
    # A disabled endpoint gets nothing more, not even its pending delivery.
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    failed_post_event()
    notifications_deliver(max_seconds=5)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.count() == 1  # the new event was not queued for it


def test_deliver__fewer_than_24_hours_of_failures_keep_the_endpoint(
    receiver, make_endpoint, failed_post_event
):
    receiver.answer = lambda n: (500, {}, 0)
    endpoint = make_endpoint(receiver, failing_since=timezone.now() - timedelta(hours=23))
    failed_post_event()
    notifications_deliver(max_seconds=10)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert not Event.objects.filter(type=EventType.WEBHOOK_ENDPOINT_DISABLED).exists()


def test_deliver__a_deliverer_that_died_mid_call_is_replaced_after_its_lease(
    receiver, make_endpoint, failed_post_event
):
    make_endpoint(receiver)
    event = failed_post_event()
    notifications_deliver(max_seconds=0.01)  # fans out; too little time to call
    claimed = _claim(limit=10, exclude_endpoints=set(), deadline=time.monotonic() + 5)
    assert len(claimed) == 1  # ...and then this deliverer is killed before recording anything

    assert notifications_deliver(max_seconds=5).webhooks_delivered == 0  # leased: not tried twice at once
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # the lease runs out
    assert notifications_deliver(max_seconds=10).webhooks_delivered == 1
    assert receiver.ids() == [str(event.pk)]
    assert WebhookDelivery.objects.get().attempt_count == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_deliver__overlapping_deliverers_deliver_each_event_once(receiver, make_endpoint, failed_post_event):
    receiver.answer = lambda n: (200, {}, 0.05)
    make_endpoint(receiver)
    events = [failed_post_event() for _ in range(24)]
    reports = run_together(lambda: notifications_deliver(max_seconds=30), times=3)

    assert sorted(receiver.ids()) == sorted(str(event.pk) for event in events)
    assert sum(report.webhooks_delivered for report in reports) == 24
    assert sum(report.events for report in reports) == 24
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 24
    assert connection.vendor == "postgresql"


def test_send_test__one_signed_attempt_now(receiver, make_endpoint):
    endpoint = make_endpoint(receiver, is_active=False)
    delivery = webhook_endpoint_send_test(endpoint_id=endpoint.pk)
    assert delivery.status == DeliveryStatus.DELIVERED
    (item,) = receiver.verified
    assert item.payload["type"] == "webhook.test"


def test_send_test__a_failure_is_final_and_leaves_the_endpoint_alone(receiver, make_endpoint):
    receiver.answer = lambda n: (500, {}, 0)
    endpoint = make_endpoint(receiver)
    delivery = webhook_endpoint_send_test(endpoint_id=endpoint.pk)
    assert delivery.status == DeliveryStatus.FAILED and delivery.response_status == 500
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    notifications_deliver(max_seconds=5)
    assert len(receiver.received) == 1  # not retried


def test_webhook_body__is_the_signed_bytes(receiver, make_endpoint, failed_post_event):
    make_endpoint(receiver)
    event = failed_post_event()
    notifications_deliver(max_seconds=10)
    (item,) = receiver.received
    assert json.loads(item.body) == {
        "type": "post.failed",
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
    assert abs(int(item.headers["webhook-timestamp"]) - time.time()) < 60
    assert WebhookEndpoint.objects.count() == 1


def test_after_run__never_fails_the_run(receiver, make_endpoint, failed_post_event, settings, caplog):
    from notifications.services import notifications_after_run

    make_endpoint(receiver)
    failed_post_event()
    settings.MAILERS = {"default": {"BACKEND": "no.such.EmailBackend"}}
    assert notifications_after_run(group_key="run-1", max_seconds=5) is None
    assert "Delivering notifications failed" in caplog.text
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    report = notifications_after_run(group_key="run-1", max_seconds=10)
    assert report.webhooks_delivered == 1
