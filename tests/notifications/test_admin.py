"""The admin: an endpoint's secret is shown once, test sends reach a real receiver, the delivery log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from notifications.models import DeliveryStatus
from notifications.models import NotificationPreference
from notifications.models import WebhookDelivery
from notifications.models import WebhookEndpoint
from notifications.services import notifications_deliver
from notifications.services import post_finalized_event

from ..api.conftest import ApiClient
from ..api.conftest import assert_problem
from ..api.conftest import make_token
from .conftest import ACCESS_TOKEN
from .conftest import record
from .services.test_events import failed

pytestmark = pytest.mark.django_db
SECRET_PATTERN = re.compile(r"whsec_[A-Za-z0-9+/=]{40,}")


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


def add_endpoint(staff, url, events=("post.failed", "post.partially_published")):
    return staff.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"url": url, "description": "CI bot", "events": list(events)},
    )


def raw_secret(endpoint_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhookendpoint WHERE id = %s", [endpoint_id])
        return cursor.fetchone()[0]


def test_add__the_secret_is_shown_once_and_stored_encrypted(staff, receiver, staff_user):
    response = add_endpoint(staff, receiver.url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (shown,) = set(SECRET_PATTERN.findall(response.content.decode()))
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == shown
    assert endpoint.events == ["post.partially_published", "post.failed"]  # in the contract's order
    assert endpoint.created_by == staff_user
    assert raw_secret(endpoint.pk).startswith("enc:v1:") and shown not in raw_secret(endpoint.pk)
    Webhook(shown)  # a valid Standard Webhooks secret
    # Never again: not on its page, not in the list, not in the delivery log.
    for url in [
        reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]),
        reverse("admin:notifications_webhookendpoint_changelist"),
        reverse("admin:notifications_webhookdelivery_changelist"),
    ]:
        page = staff.get(url).content.decode()
        assert shown not in page and shown.removeprefix("whsec_") not in page
        assert not SECRET_PATTERN.search(page)


@pytest.mark.parametrize(
    ("url", "allow_private", "reason"),
    [
        ("https://127.0.0.1:8443/hooks", False, "non-public address (127.0.0.1)"),
        ("http://hooks.example.com/x", False, "use an https:// address"),
        # No scheme is assumed: the API takes the URL as typed, so the admin does too.
        ("127.0.0.1:9/hook", True, "use an https:// address"),
    ],
)
def test_add__the_admin_and_the_api_refuse_the_same_urls(
    staff, staff_user, settings, url, allow_private, reason
):
    settings.WEBHOOK_ALLOW_PRIVATE = allow_private
    page = add_endpoint(staff, url)
    assert page.status_code == 200 and reason in page.content.decode()
    api = ApiClient(make_token(staff_user))
    refused = assert_problem(
        api.post("/api/v1/webhook-endpoints", {"url": url, "events": ["post.failed"]}), 422
    )
    assert refused["errors"][0]["field"] == "url" and reason in refused["errors"][0]["message"]
    assert not WebhookEndpoint.objects.exists()


def test_change__a_new_url_is_checked_by_the_service_and_refused_as_a_form_error(
    staff, settings, make_endpoint, receiver
):
    endpoint = make_endpoint(receiver)
    secret = endpoint.secret
    change = reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk])
    settings.WEBHOOK_ALLOW_PRIVATE = False
    page = staff.post(
        change, {"url": "https://127.0.0.1:8443/hooks", "description": "", "events": ["post.failed"]}
    )
    assert page.status_code == 200 and "non-public address (127.0.0.1)" in page.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url
    settings.WEBHOOK_ALLOW_PRIVATE = True
    saved = staff.post(
        change, {"url": receiver.url + "/v2", "description": "Moved", "events": ["post.failed"]}
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description, endpoint.events) == (
        receiver.url + "/v2",
        "Moved",
        ["post.failed"],
    )
    assert endpoint.secret == secret


def test_add__a_private_address_is_refused_with_the_reason(staff, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = add_endpoint(staff, "https://127.0.0.1:8443/hooks")
    assert response.status_code == 200
    assert "This address cannot receive webhooks" in response.content.decode()
    assert "non-public address (127.0.0.1)" in response.content.decode()
    response = add_endpoint(staff, "http://hooks.example.com/x")
    assert "use an https:// address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_add__needs_an_event(staff, receiver):
    response = add_endpoint(staff, receiver.url, events=[])
    assert "This field is required" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event__reaches_the_receiver_signed_with_the_shown_secret(staff, receiver):
    shown = SECRET_PATTERN.search(add_endpoint(staff, receiver.url).content.decode()).group()
    receiver.secret = shown
    endpoint = WebhookEndpoint.objects.get()

    response = staff.post(
        reverse("admin:notifications_webhookendpoint_send_test", args=[endpoint.pk]), follow=True
    )

    assert "Test event delivered to" in response.content.decode()
    (item,) = receiver.verified
    assert item.payload["type"] == "webhook.test"


def test_send_test_event__a_failure_says_why(staff, receiver, make_endpoint):
    receiver.answer = lambda n: (404, {}, 0)
    endpoint = make_endpoint(receiver)
    response = staff.post(
        reverse("admin:notifications_webhookendpoint_send_test", args=[endpoint.pk]), follow=True
    )
    assert "failed: HTTP 404" in response.content.decode()


def test_send_test_event__only_by_post(staff, receiver, make_endpoint):
    endpoint = make_endpoint(receiver)
    response = staff.get(reverse("admin:notifications_webhookendpoint_send_test", args=[endpoint.pk]))
    assert response.status_code == 405
    assert receiver.received == []


def test_disable_then_enable__resumes_what_it_owed(
    staff, receiver, make_endpoint, make_account, make_post, site
):
    receiver.answer = lambda n: (500, {}, 0) if n == 0 else (200, {}, 0)
    endpoint = make_endpoint(receiver)
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))
    notifications_deliver(max_seconds=5)  # refused once: owed
    staff.post(reverse("admin:notifications_webhookendpoint_disable", args=[endpoint.pk]))
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))
    notifications_deliver(max_seconds=5)
    assert len(receiver.received) == 1  # a disabled endpoint receives nothing, and is not queued new events

    WebhookDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(hours=1))
    response = staff.post(
        reverse("admin:notifications_webhookendpoint_enable", args=[endpoint.pk]), follow=True
    )
    assert "is enabled" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is None

    notifications_deliver(max_seconds=10)
    assert [item.payload["type"] for item in receiver.verified] == ["post.failed", "post.failed"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_rotate_secret__shows_the_new_one_once_and_the_old_stops_verifying(staff, receiver, make_endpoint):
    endpoint = make_endpoint(receiver)
    old = receiver.secret
    response = staff.post(reverse("admin:notifications_webhookendpoint_rotate_secret", args=[endpoint.pk]))
    (new,) = set(SECRET_PATTERN.findall(response.content.decode()))
    assert new != old
    staff.post(reverse("admin:notifications_webhookendpoint_send_test", args=[endpoint.pk]))
    assert receiver.received and not receiver.verified  # the receiver still has the old secret
    receiver.secret = new
    staff.post(reverse("admin:notifications_webhookendpoint_send_test", args=[endpoint.pk]))
    assert len(receiver.verified) == 1


def test_delivery_log__event_attempts_response_code_and_next_try(
    staff, receiver, make_endpoint, make_account, make_post, site
):
    receiver.answer = lambda n: (502, {}, 0)
    endpoint = make_endpoint(receiver)
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))
    notifications_deliver(max_seconds=10)

    page = staff.get(
        reverse("admin:notifications_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
    ).content.decode()
    assert "post.failed" in page and "502" in page and "Pending" in page
    delivery = WebhookDelivery.objects.get()
    detail = staff.get(
        reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()
    assert "HTTP 502" in detail

    # The endpoint's page links its log.
    change = staff.get(
        reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk])
    ).content.decode()
    assert f"?endpoint__id__exact={endpoint.pk}" in change

    staff.post(
        reverse("admin:notifications_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )
    receiver.answer = lambda n: (200, {}, 0)
    notifications_deliver(max_seconds=10)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_event_page__shows_the_data_and_never_a_token(staff, make_account, make_post, site):
    account = make_account()
    (event,) = record(
        post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)])
    )
    page = staff.get(reverse("admin:notifications_event_change", args=[event.pk])).content.decode()
    assert "post.failed" in page and "Text is 3200 characters" in page
    assert ACCESS_TOKEN not in page


def test_preferences__a_staff_member_edits_their_own_only(client, django_user_model, author):
    editor = django_user_model.objects.create_user(username="editor", email="ed@example.com", is_staff=True)
    others = NotificationPreference.objects.create(user=author, email_events=["post.failed"])
    client.force_login(editor)

    add = client.get(reverse("admin:notifications_notificationpreference_add"))
    assert add.status_code == 200 and 'name="user"' not in add.content.decode()
    client.post(
        reverse("admin:notifications_notificationpreference_add"),
        {"email_events": ["post.failed", "account.needs_reconnect"]},
    )
    own = NotificationPreference.objects.get(user=editor)
    assert own.email_events == ["post.failed", "account.needs_reconnect"]

    listing = client.get(reverse("admin:notifications_notificationpreference_changelist")).content.decode()
    assert "editor" in listing and "author" not in listing
    assert client.get(
        reverse("admin:notifications_notificationpreference_change", args=[others.pk])
    ).status_code in (
        302,
        403,
    )
    # Adding again opens the one they have.
    again = client.get(reverse("admin:notifications_notificationpreference_add"))
    assert again.status_code == 302 and again["Location"].endswith(f"/{own.pk}/change/")


def test_preferences__a_superuser_edits_anyones(staff, author):
    response = staff.post(
        reverse("admin:notifications_notificationpreference_add"),
        {"user": author.pk, "email_events": ["publisher.stalled"]},
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=author).email_events == ["publisher.stalled"]
