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

# A post's metadata with each kind of part: shared media, a platform's own text, options and media.
METADATA_EXAMPLE = {
    "media": [{"url": "https://cdn.example.com/a.jpg", "type": "image", "alt_text": "..."}],
    "platforms": {
        "TWITTER": {"content": "shorter text for X"},
        "YOUTUBE": {
            "title": "...",
            "privacy_status": "public",
            "media": [{"url": "https://cdn.example.com/v.mp4", "type": "video"}],
        },
        "LINKEDIN": {"visibility": "PUBLIC"},
    },
}


class TextLimitFakeClient(BaseClient):
    """A fake client whose only rule is its text limit (None: none). Its API URL's setting is its platform's
    (``TWITTER_API_URL``), as the real clients'."""

    text_limit: int | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.api_url_setting = f"{cls.platform}_API_URL"

    def validate(self, payload: PublishPayload) -> list[str]:
        if self.text_limit is not None and len(payload.text) > self.text_limit:
            return [f"{len(payload.text)} characters, the limit is {self.text_limit}"]
        return []


class FakeXClient(TextLimitFakeClient):
    """Validates like X: 280 characters, at most 4 media items, text or media required."""

    platform = Platform.TWITTER
    display_name = "X"
    text_limit = 280

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = super().validate(payload)
        if len(payload.media) > 4:
            problems.append(f"{len(payload.media)} media items, the limit is 4")
        if not payload.text and not payload.media:
            problems.append("a post needs text or media")
        return problems


class FakeYouTubeClient(TextLimitFakeClient):
    """YouTube needs a video and a title."""

    platform = Platform.YOUTUBE
    display_name = "YouTube"

    def validate(self, payload: PublishPayload) -> list[str]:
        problems = []
        if not any(item.type == "video" for item in payload.media):
            problems.append("a video is required")
        if not payload.options.get("title"):
            problems.append("a title is required")
        return problems


# The platforms whose only rule here is a text limit.
class FakeFacebookClient(TextLimitFakeClient):
    platform = Platform.FACEBOOK
    display_name = "Facebook"
    text_limit = 63206


class FakeLinkedInClient(TextLimitFakeClient):
    platform = Platform.LINKEDIN
    display_name = "LinkedIn"
    text_limit = 3000


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


def make_ended_post(owner, account: SocialAccount, status: str, **fields) -> ScheduledPost:
    """A post to ``account`` alone that ended ``status`` (PUBLISHED or FAILED), as its account did."""
    return make_post(owner, accounts={account: status}, status=status, **fields)


def post_with(owner, *account_statuses: str, **fields) -> tuple[ScheduledPost, list[ScheduledPostAccount]]:
    """A post to one new account per status given, and its account rows in that order."""
    post = make_post(owner, accounts={make_account(owner): status for status in account_statuses}, **fields)
    return post, list(post.post_accounts.order_by("id"))


def ended_partially_published(
    owner, *account_statuses: str, hours_ago: int
) -> tuple[ScheduledPost, list[ScheduledPostAccount]]:
    """``post_with`` a partially published post, due ``hours_ago``, whose retries ran out."""
    return post_with(
        owner,
        *account_statuses,
        status=PostStatus.PARTIALLY_PUBLISHED,
        scheduled_at=timezone.now() - timedelta(hours=hours_ago),
        retry_count=3,
    )


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
