"""Rows and fake platform clients for the admin's tests (and the browser tests)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from datetime import datetime
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from calendar_app.services.post_input import PostInput
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import BaseClient
from social.platforms import PublishPayload
from tests.platform_overrides import client_overridden

_ids = itertools.count(1)


class FakeXClient(BaseClient):
    """Validates like X: 280 characters, at most 4 media items, text or media required."""

    platform = Platform.TWITTER
    display_name = "X"
    api_url_setting = "TWITTER_API_URL"

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        if len(payload.text) > 280:
            problems.append(f"{len(payload.text)} characters, the limit is 280")
        if len(payload.media) > 4:
            problems.append(f"{len(payload.media)} media items, the limit is 4")
        if not payload.text and not payload.media:
            problems.append("a post needs text or media")
        return problems


class FakeFacebookClient(BaseClient):
    platform = Platform.FACEBOOK
    display_name = "Facebook"
    api_url_setting = "FACEBOOK_API_URL"

    def validate(self, payload: PublishPayload) -> list[str]:
        return [f"{len(payload.text)} characters, the limit is 63206"] if len(payload.text) > 63206 else []


class FakeYouTubeClient(BaseClient):
    """YouTube needs a video and a title."""

    platform = Platform.YOUTUBE
    display_name = "YouTube"
    api_url_setting = "YOUTUBE_API_URL"

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        if not any(item.type == "video" for item in payload.media):
            problems.append("a video is required")
        if not payload.options.get("title"):
            problems.append("a title is required")
        return problems


class FakeLinkedInClient(BaseClient):
    platform = Platform.LINKEDIN
    display_name = "LinkedIn"
    api_url_setting = "LINKEDIN_API_URL"

    def validate(self, payload: PublishPayload) -> list[str]:
        return [f"{len(payload.text)} characters, the limit is 3000"] if len(payload.text) > 3000 else []


FAKE_CLIENTS = (FakeXClient, FakeFacebookClient, FakeYouTubeClient, FakeLinkedInClient)


@contextmanager
def fake_clients_registered() -> Iterator[None]:
    with ExitStack() as stack:
        for client_class in FAKE_CLIENTS:
            stack.enter_context(client_overridden(client_class.platform, client_class))
        yield


def make_account(
    owner,
    *,
    platform: str = Platform.TWITTER,
    name: str = "",
    status: str = SocialAccountStatus.ACTIVE,
    **fields,
) -> SocialAccount:
    number = next(_ids)
    return SocialAccount.objects.create(
        platform=platform,
        external_id=f"ext-{number}",
        name=name or f"{platform.lower()}-account-{number}",
        owner=owner,
        status=status,
        access_token=f"access-token-{number}-SECRET",
        refresh_token=f"refresh-token-{number}-SECRET",
        **fields,
    )


def make_post(
    created_by,
    *,
    accounts: dict[SocialAccount, str] | list[SocialAccount] = (),
    status: str = PostStatus.SCHEDULED,
    scheduled_at: datetime | None = None,
    tz: str = "UTC",
    content: str = "Hello from the scheduler",
    **fields,
) -> ScheduledPost:
    """A post with its accounts; ``accounts`` maps each account to its status (PENDING for a list)."""
    post = ScheduledPost.objects.create(
        content=content,
        scheduled_at=scheduled_at or timezone.now() + timedelta(days=1),
        timezone=tz,
        status=status,
        created_by=created_by,
        **fields,
    )
    statuses = accounts if isinstance(accounts, dict) else dict.fromkeys(accounts, AccountStatus.PENDING)
    for account, account_status in statuses.items():
        ScheduledPostAccount.objects.create(post=post, account=account, status=account_status)
    return post


def post_with(owner, *account_statuses: str, **fields) -> tuple[ScheduledPost, list[ScheduledPostAccount]]:
    """A post to one new account per status given, and its account rows in that order."""
    post = make_post(owner, accounts={make_account(owner): status for status in account_statuses}, **fields)
    return post, list(post.post_accounts.order_by("id"))


def add_attempt(
    post_account: ScheduledPostAccount,
    *,
    started_at: datetime,
    outcome: str = AttemptOutcome.FAILED,
    seconds: float = 1.5,
    **fields,
) -> PublishAttempt:
    return PublishAttempt.objects.create(
        post_account=post_account,
        started_at=started_at,
        finished_at=started_at + timedelta(seconds=seconds),
        outcome=outcome,
        **fields,
    )


def post_input(**overrides) -> PostInput:
    values = {
        "content": "Hello",
        "account_ids": (),
        "timezone_name": "UTC",
        "local_time": (timezone.now() + timedelta(days=1)).replace(tzinfo=None, second=0, microsecond=0),
        "status": PostStatus.SCHEDULED,
    }
    values.update(overrides)
    return PostInput(**values)


def make_staff(django_user_model, username: str, *codenames: str):
    """A staff user (not a superuser) with exactly these calendar_app/social permissions."""
    staff = django_user_model.objects.create_user(
        username=username, password=f"pw-{username}-1", is_staff=True
    )
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return staff
