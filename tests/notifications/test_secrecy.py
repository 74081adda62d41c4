"""No webhook secret and no token shows up in logs, emails, webhook bodies, admin pages or plain columns.

One flow with every logger at DEBUG: an endpoint is added in the admin, events fail, are retried, the
endpoint is disabled and its creator emailed; then everything a person or an operator could see is searched.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications.models import Event
from notifications.models import WebhookDelivery
from notifications.models import WebhookEndpoint
from notifications.services import account_needs_reconnect_event
from notifications.services import notifications_deliver
from notifications.services import post_finalized_event

from .conftest import ACCESS_TOKEN
from .conftest import REFRESH_TOKEN
from .conftest import record
from .services.test_events import failed

pytestmark = pytest.mark.django_db
NOTIFICATION_TABLES = [
    "notifications_event",
    "notifications_webhookendpoint",
    "notifications_webhookdelivery",
    "notifications_webhookdeliveryattempt",
    "notifications_emailnotification",
]


def test_secrets_stay_secret(client, staff_user, receiver, smtp, make_account, make_post, caplog):
    caplog.set_level(logging.DEBUG)
    staff_user.email = "admin@example.com"
    staff_user.save()
    client.force_login(staff_user)
    added = client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"url": receiver.url + "/path-token-abc123", "events": ["post.failed", "account.needs_reconnect"]},
    )
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", added.content.decode()).group()
    receiver.secret = secret
    endpoint = WebhookEndpoint.objects.get()
    receiver.answer = lambda n: (500, {}, 0)
    account = make_account()
    record(
        post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]),
        account_needs_reconnect_event(account=account, reason="the platform refused the token"),
    )
    notifications_deliver(max_seconds=10)
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=2))
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    notifications_deliver(max_seconds=10)  # disables it, records the disabled event
    notifications_deliver(max_seconds=10)  # emails about it
    client.post(reverse("admin:notifications_webhookendpoint_send_test", args=[endpoint.pk]))

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert any("was disabled" in message["Subject"] for message in smtp.to("admin@example.com"))
    assert len(receiver.verified) == len(receiver.received) >= 3

    pages = [
        client.get(url).content.decode()
        for url in [
            reverse("admin:notifications_webhookendpoint_changelist"),
            reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]),
            reverse("admin:notifications_webhookdelivery_changelist"),
            *(
                reverse("admin:notifications_webhookdelivery_change", args=[pk])
                for pk in WebhookDelivery.objects.values_list("pk", flat=True)
            ),
            reverse("admin:notifications_event_changelist"),
            *(
                reverse("admin:notifications_event_change", args=[pk])
                for pk in Event.objects.values_list("pk", flat=True)
            ),
            reverse("admin:notifications_emailnotification_changelist"),
        ]
    ]
    emails = [message.as_string() for message in smtp.messages]
    bodies = [item.body.decode() + str(item.headers) for item in receiver.received]
    logs = caplog.text
    with connection.cursor() as cursor:
        columns = []
        for table in NOTIFICATION_TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            columns.append(repr(cursor.fetchall()))

    for text in [*pages, *emails, *bodies, logs, *columns]:
        for secret_form in (secret, secret.removeprefix("whsec_"), ACCESS_TOKEN, REFRESH_TOKEN):
            assert secret_form not in text
    # The endpoint URL's path may itself be a credential: emails and logs name the host only.
    for text in [*emails, logs]:
        assert "path-token-abc123" not in text
