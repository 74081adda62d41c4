"""Webhook endpoints in a real browser: add one, copy its secret once, send a test event to a receiver."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from notifications.models import WebhookEndpoint

from ..notifications.servers import webhook_receiver
from .conftest import log_in
from .conftest import make_superuser
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_an_endpoint__copy_the_secret_once__send_a_test_event(page: Page, django_user_model, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver runs on this machine
    make_superuser(django_user_model, "ops")
    with webhook_receiver() as receiver:
        log_in(page, "ops")
        page.goto("/admin/notifications/webhookendpoint/add/")
        page.fill("#id_url", receiver.url)
        page.fill("#id_description", "Chat alerts")
        page.uncheck("input[name=events][value='post.published']")
        page.click("input[name=_save]")

        secret_box = page.locator("#webhook-secret")
        expect(secret_box).to_have_value(WebhookEndpoint.objects.get().secret)
        expect(page.get_by_text("shown this once")).to_be_visible()
        screenshot(page, "webhook-secret-once.png")
        receiver.secret = secret_box.input_value()  # what a person pastes into their receiver

        page.click("text=I have copied it")
        assert receiver.secret not in page.content()
        page.click("button:has-text('Send test event')")
        expect(page.locator(".messagelist")).to_contain_text("Test event delivered to")
        screenshot(page, "webhook-endpoint.png")

    (item,) = receiver.verified
    assert item.payload["type"] == "webhook.test"
    endpoint = WebhookEndpoint.objects.get()
    assert "post.published" not in endpoint.events and "post.failed" in endpoint.events
