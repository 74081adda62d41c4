"""Factories for the publisher's tests: real rows, fake platforms at the client boundary."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.models import SocialAccount
from tests.fakes import FakePlatform
from tests.fakes import FakeTokenEndpoint

from .factories import fake_clients_registered

_names = itertools.count(1)


@pytest.fixture
def fake_platform():
    with FakePlatform().registered() as platform:
        yield platform


@pytest.fixture
def token_endpoint():
    with FakeTokenEndpoint().registered("TWITTER") as endpoint:
        yield endpoint


@pytest.fixture
def make_account(user):
    def make(platform: str = "TWITTER", **fields) -> SocialAccount:
        number = next(_names)
        fields.setdefault("name", f"account-{number}")
        fields.setdefault("access_token", f"access-{number}")
        fields.setdefault("refresh_token", f"refresh-{number}")
        return SocialAccount.objects.create(
            platform=platform, external_id=f"ext-{number}", owner=user, **fields
        )

    return make


@pytest.fixture
def make_post(user):
    def make(*accounts: SocialAccount, content: str | None = None, ago=timedelta(minutes=1), **fields):
        fields.setdefault("status", PostStatus.SCHEDULED)
        fields.setdefault("scheduled_at", timezone.now() - ago)
        post = ScheduledPost.objects.create(
            content=f"post {next(_names)}" if content is None else content, created_by=user, **fields
        )
        ScheduledPostAccount.objects.bulk_create(
            ScheduledPostAccount(post=post, account=account, status=AccountStatus.PENDING)
            for account in accounts
        )
        return post

    return make


@pytest.fixture
def fake_clients():
    """Fake X, Facebook and YouTube clients (their validation only) in the client registry."""
    with fake_clients_registered():
        yield
