"""Fixtures for the notifications: real rows, a real SMTP server and a real webhook receiver on loopback."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from config.settings.base import mailer_from_url
from notifications.models import EventType
from notifications.models import WebhookEndpoint
from notifications.services import webhook_secret_generate
from social.models import SocialAccount

from .servers import smtp_server
from .servers import webhook_receiver

_numbers = itertools.count(1)
ACCESS_TOKEN = "access-token-PLAINTEXT-must-never-leak"
REFRESH_TOKEN = "refresh-token-PLAINTEXT-must-never-leak"


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://scheduler.example.com"
    settings.NOTIFY_EMAIL_TO = ["ops@example.com"]
    settings.DEFAULT_FROM_EMAIL = "scheduler@example.com"
    return settings


@pytest.fixture
def smtp(site):
    """aiosmtpd on loopback, configured as EMAIL_URL would configure it."""
    with smtp_server() as (inbox, port):
        site.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{port}", timeout=5)}
        yield inbox


@pytest.fixture
def loopback_webhooks(settings):
    """Loopback receivers are private addresses: allowed here, as WEBHOOK_ALLOW_PRIVATE=true allows them."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.WEBHOOK_READ_TIMEOUT = 3
    return settings


@pytest.fixture
def receiver(loopback_webhooks):
    with webhook_receiver(webhook_secret_generate()) as running:
        yield running


@pytest.fixture
def make_endpoint(db):
    def make(receiver, events=None, **fields) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(
            url=fields.pop("url", receiver.url),
            secret=receiver.secret,
            events=events
            or [str(event_type) for event_type in EventType if not event_type.startswith("webhook")],
            **fields,
        )

    return make


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(
        username="author", email="author@example.com", password="pw-author-1"
    )


@pytest.fixture
def make_account(author):
    def make(platform: str = "LINKEDIN", **fields) -> SocialAccount:
        number = next(_numbers)
        fields.setdefault("name", f"Account {number}")
        fields.setdefault("access_token", ACCESS_TOKEN)
        fields.setdefault("refresh_token", REFRESH_TOKEN)
        fields.setdefault("owner", author)
        return SocialAccount.objects.create(platform=platform, external_id=f"ext-{number}", **fields)

    return make


@pytest.fixture
def make_post(author):
    def make(*accounts: SocialAccount, content: str = "Launch day: our new product is live", **fields):
        fields.setdefault("status", PostStatus.FAILED)
        fields.setdefault("scheduled_at", timezone.now() - timedelta(minutes=2))
        fields.setdefault("timezone", "Europe/Paris")
        post = ScheduledPost.objects.create(content=content, created_by=author, **fields)
        for account in accounts:
            ScheduledPostAccount.objects.create(post=post, account=account, status=AccountStatus.PENDING)
        return post

    return make


def record(*drafts):
    """Record events as a caller does: inside the transaction of its change."""
    from notifications.services import events_record

    with transaction.atomic():
        return events_record(events=[draft for draft in drafts if draft is not None])
