"""What the scenarios share: the bench (fake platforms, environment, owner), a clean database, accounts and
a backlog. Publisher processes are in ``processes``, what became of the posts in ``audit``.

Import it once Django is set up (``python -m bench`` does that; the test suite has it).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import QuotaScope
from calendar_app.models import QuotaSlot
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.models import Platform
from social.models import SocialAccount

from .machine import CpuWatch
from .machine import classifier
from .processes import FakePlatformsProcess

ONE_CALL_PLATFORMS = (Platform.TWITTER, Platform.FACEBOOK, Platform.LINKEDIN)
ALL_PLATFORMS = (
    Platform.TWITTER,
    Platform.FACEBOOK,
    Platform.LINKEDIN,
    Platform.INSTAGRAM,
    Platform.YOUTUBE,
    Platform.BLUESKY,
)
VIDEO_BYTES = 64 * 1024


@dataclass
class Bench:
    """What every scenario uses: the fake platforms, the environment of publisher processes, an owner."""

    platforms: FakePlatformsProcess
    env: dict[str, str]  # DJANGO_SETTINGS_MODULE, DATABASE_URL, ENCRYPTION_KEY... for publisher processes
    log_dir: Path
    owner_username: str = "bench"
    _owner: Any = field(default=None, repr=False)
    publisher_pids: set[int] = field(default_factory=set)

    @property
    def owner(self):
        if self._owner is None:
            self._owner, _ = get_user_model().objects.get_or_create(username=self.owner_username)
        return self._owner

    def publisher_env(self, **settings: Any) -> dict[str, str]:
        return {
            **self.env,
            **self.platforms.settings(),
            **{name: str(value) for name, value in settings.items()},
        }

    def watch(self) -> CpuWatch:
        """Measure where the machine's CPU goes while in the ``with`` block (see ``bench.machine``)."""
        return CpuWatch(
            classify=classifier(
                publisher_pids=lambda: self.publisher_pids,
                platforms_pid=self.platforms.pid,
                database=str(connection.settings_dict["NAME"]),
            )
        )

    def fresh(self, **platform_config: Any) -> None:
        """An empty publisher (no posts, no accounts) and fake platforms with nothing on them."""
        wipe_publishing_tables()
        self.platforms.reset(**platform_config)


def wipe_publishing_tables() -> None:
    tables = [
        model._meta.db_table
        for model in (
            QuotaSlot,
            QuotaScope,
            PublishAttempt,
            ScheduledPostAccount,
            ScheduledPost,
            SocialAccount,
        )
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


# --- accounts and posts ------------------------------------------------------------------------------


def _account_facts(platform: str, number: int) -> dict[str, Any]:
    """The identity of the ``number``-th bench account of a platform, as its client needs it."""
    if platform == Platform.TWITTER:
        return {"external_id": f"15000000000000{number:05d}", "extra": {"username": f"bench_x_{number}"}}
    if platform == Platform.FACEBOOK:
        return {"external_id": f"1040000000{number:05d}", "expires": None}
    if platform == Platform.INSTAGRAM:
        return {
            "external_id": f"178414000{number:08d}",
            "extra": {"page_id": f"1040000000{number:05d}"},
            "expires": None,
        }
    if platform == Platform.LINKEDIN:
        return {
            "external_id": f"benchMember{number}",
            "extra": {"author_urn": f"urn:li:person:benchMember{number}"},
        }
    if platform == Platform.BLUESKY:
        return {
            "external_id": f"did:plc:benchbluesky{number:012d}",
            "extra": {"handle": f"bench{number}.bsky.social"},
        }
    if platform == Platform.THREADS:
        # A 60-day token, far from the 14 days before expiry when it is refreshed.
        return {
            "external_id": f"71264{number:05d}",
            "extra": {"username": f"bench_threads_{number}"},
            "expires": timedelta(days=60),
        }
    return {"external_id": f"UCbenchChannel{number:010d}"}


def make_accounts(bench: Bench, platforms: Sequence[str], *, per_platform: int = 1) -> list[SocialAccount]:
    """``per_platform`` real, ACTIVE SocialAccounts per platform with fresh tokens (encrypted in the
    database, as always), known to the fake platforms by their tokens."""
    accounts = []
    for platform in platforms:
        for number in range(1, per_platform + 1):
            facts = _account_facts(platform, number)
            expires = facts.get("expires", timedelta(hours=2))
            accounts.append(
                SocialAccount.objects.create(
                    platform=platform,
                    external_id=facts["external_id"],
                    name=f"Bench {Platform(platform).label} {number}",
                    access_token=f"bench-{secrets.token_urlsafe(24)}",
                    refresh_token="" if expires is None else f"bench-refresh-{secrets.token_urlsafe(24)}",
                    token_expires_at=None if expires is None else timezone.now() + expires,
                    owner=bench.owner,
                    extra=facts.get("extra", {}),
                )
            )
    bench.platforms.register(accounts)
    return accounts


def post_text(label: str, number: int) -> str:
    # Parentheses: LinkedIn's "little" format must escape them, and the fake unescapes them back.
    return f"Bench {label} post {number} (ready at the top of the minute)"


def post_metadata(bench: Bench, number: int, platforms: Sequence[str]) -> dict[str, Any]:
    """Per-platform media for the platforms that need it: an image for Instagram, a video for YouTube."""
    overrides: dict[str, Any] = {}
    if Platform.INSTAGRAM in platforms:
        overrides[Platform.INSTAGRAM] = {
            "media": [{"url": f"{bench.platforms.url}/media/photo-{number}.jpg", "type": "image"}]
        }
    if Platform.YOUTUBE in platforms:
        overrides[Platform.YOUTUBE] = {
            "title": f"Bench video {number}",
            "privacy_status": "unlisted",
            "media": [
                {
                    "url": f"{bench.platforms.url}/media/video-{number}.mp4?bytes={VIDEO_BYTES}",
                    "type": "video",
                }
            ],
        }
    return {"platforms": overrides} if overrides else {}


def seed_backlog(bench: Bench, *, posts: int, accounts: Sequence[SocialAccount], label: str) -> list[int]:
    """``posts`` SCHEDULED posts with one distinct text each, each to one account of every platform among
    ``accounts`` (in turn, when a platform has several). Not due yet: call ``make_due`` when the run
    starts, so lateness is measured from that moment."""
    by_platform: dict[str, list[SocialAccount]] = {}
    for account in accounts:
        by_platform.setdefault(account.platform, []).append(account)
    later = timezone.now() + timedelta(days=1)
    created = ScheduledPost.objects.bulk_create(
        (
            ScheduledPost(
                content=post_text(label, number),
                metadata=post_metadata(bench, number, list(by_platform)),
                scheduled_at=later,
                status=PostStatus.SCHEDULED,
                created_by=bench.owner,
            )
            for number in range(1, posts + 1)
        ),
        batch_size=1000,
    )
    ScheduledPostAccount.objects.bulk_create(
        (
            ScheduledPostAccount(post=post, account=group[index % len(group)])
            for index, post in enumerate(created)
            for group in by_platform.values()
        ),
        batch_size=2000,
    )
    return [post.pk for post in created]


def fresh_backlog(
    bench: Bench,
    *,
    posts: int,
    label: str,
    latency_ms: float,
    platforms: Sequence[str] = ONE_CALL_PLATFORMS,
    accounts_per_platform: int = 1,
    **platform_config: Any,
) -> list[int]:
    """A fresh database and fake platforms (answering after ``latency_ms``, as ``platform_config`` says);
    ``posts`` posts, each to one account of every platform among ``platforms``. Not due yet (``make_due``)."""
    bench.fresh(latency=latency_ms / 1000, **platform_config)
    accounts = make_accounts(bench, platforms, per_platform=accounts_per_platform)
    return seed_backlog(bench, posts=posts, accounts=accounts, label=label)


def make_due(post_ids: Sequence[int]) -> None:
    """Every post falls due now, on the database's clock (a campaign set for this minute)."""
    ScheduledPost.objects.filter(pk__in=post_ids).update(scheduled_at=Now())
