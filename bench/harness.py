"""What the scenarios share: the fake platforms' process, accounts, a backlog, publisher processes, the audit.

Import it once Django is set up (``python -m bench`` does that; the test suite has it). Publisher runs are
separate processes (as cron starts them) sharing the database the caller's Django is connected to.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
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

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FINAL_POST_STATUSES = frozenset({PostStatus.PUBLISHED, PostStatus.PARTIALLY_PUBLISHED, PostStatus.FAILED})
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


class FakePlatformsProcess:
    """``bench.fake_platforms`` in a process of its own (it must not share the publisher's GIL)."""

    def __init__(self, *, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._session = requests.Session()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> FakePlatformsProcess:
        log_path = self.log_dir / "fake_platforms.log" if self.log_dir else os.devnull
        with open(log_path, "a") as log:  # the child keeps its own copy of the descriptor
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bench.fake_platforms"],
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        line = self._process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the fake platforms process exited before listening (see fake_platforms.log)")
        self.url = json.loads(line)["url"]
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._process = None
        self._session.close()

    def __enter__(self) -> FakePlatformsProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def settings(self) -> dict[str, str]:
        """The environment that points every platform client here."""
        return {
            "TWITTER_API_URL": self.url,
            "FACEBOOK_API_URL": self.url,
            "INSTAGRAM_API_URL": self.url,
            "LINKEDIN_API_URL": self.url,
            "YOUTUBE_API_URL": self.url,
            "YOUTUBE_UPLOAD_URL": f"{self.url}/upload",
            "BLUESKY_PDS_URL": self.url,
            "THREADS_API_URL": self.url,
        }

    def _control(self, method: str, path: str, payload: Any = None) -> dict[str, Any]:
        response = self._session.request(method, f"{self.url}/_bench/{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response.json()

    def reset(self, **config: Any) -> None:
        """Forget every post, count and account; then apply ``config`` (latency, fault rates...)."""
        self._control("POST", "reset", config)

    def configure(self, **config: Any) -> None:
        self._control("POST", "config", config)

    def register(self, accounts: Iterable[SocialAccount]) -> None:
        self._control(
            "POST",
            "accounts",
            [
                {
                    "platform": account.platform,
                    "external_id": account.external_id,
                    "token": account.access_token,
                    "author_urn": (account.extra or {}).get("author_urn", ""),
                }
                for account in accounts
            ],
        )

    def summary(self) -> dict[str, Any]:
        return self._control("GET", "summary")

    def stats(self) -> dict[str, Any]:
        return self._control("GET", "stats")


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


def make_due(post_ids: Sequence[int]) -> None:
    """Every post falls due now, on the database's clock (a campaign set for this minute)."""
    ScheduledPost.objects.filter(pk__in=post_ids).update(scheduled_at=Now())


# --- publisher processes -----------------------------------------------------------------------------


@dataclass
class Run:
    """One publisher process."""

    process: subprocess.Popen[str]
    started: float
    log_path: Path
    finished: float | None = None
    killed: bool = False
    output: str = ""

    @property
    def wall_seconds(self) -> float:
        return (self.finished or time.time()) - self.started

    @property
    def figures(self) -> dict[str, Any]:
        """The JSON line of ``bench.publisher_run``."""
        for line in reversed(self.output.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(
            f"the publisher printed no figures (exit {self.process.returncode}); see {self.log_path}"
        )

    def wait(self, timeout: float | None = None) -> Run:
        self.output, _ = self.process.communicate(timeout=timeout)
        self.finished = self.finished or time.time()
        if self.process.returncode != 0 and not self.killed:
            raise RuntimeError(
                f"a publisher run failed (exit {self.process.returncode}): {self.output.strip()[-500:]}; "
                f"see {self.log_path}"
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no finally blocks, connections cut; exactly what a crashed host does."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.killed = True
        self.finished = time.time()


def start_publisher(
    bench: Bench,
    *,
    concurrency: int = 16,
    max_seconds: float = 3600,
    command: bool = False,
    tracemalloc: bool = False,
    name: str = "run",
    **settings: Any,
) -> Run:
    """A publisher run in its own process: ``bench.publisher_run`` (measured; the service the command
    calls), or with ``command=True`` the real ``manage.py publish_due_posts`` as cron starts it."""
    if command:
        argv = [sys.executable, "manage.py", "publish_due_posts"]
    else:
        argv = [sys.executable, "-m", "bench.publisher_run"]
        if tracemalloc:
            argv.append("--tracemalloc")
    argv += ["--concurrency", str(concurrency), "--max-seconds", str(max_seconds)]
    log_path = bench.log_dir / f"{name}.log"
    with open(log_path, "a") as log:
        process = subprocess.Popen(  # noqa: S603 (argv: this interpreter and fixed arguments)
            argv,
            cwd=PROJECT_ROOT,
            env=bench.publisher_env(**settings),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    bench.publisher_pids.add(process.pid)
    return Run(process=process, started=time.time(), log_path=log_path)


# --- what became of the posts ------------------------------------------------------------------------


@dataclass
class Audit:
    """The database's account of the posts against what the fake platforms hold."""

    posts: Counter[str]
    accounts: Counter[str]
    not_final: int  # posts lost: not PUBLISHED, PARTIALLY_PUBLISHED or FAILED
    duplicates: int  # (account, text) posted more than once on a platform
    published_without_post: int  # recorded PUBLISHED but the platform has no such post
    posted_but_not_published: int  # on the platform but recorded FAILED/PENDING: an unrecorded send
    wrong_post_id: int  # recorded PUBLISHED with an id the platform never gave for that text
    needs_review: int
    needs_review_on_platform: int  # of those, how many the platform actually has
    needs_review_by_platform: Counter[str]
    unknown_posts: int  # posts on the platforms that no account of these posts explains
    max_retry_count: int
    max_publish_attempts: int  # PublishAttempt rows of action PUBLISH for one account
    reconciles: Counter[str]  # RECONCILE attempts by outcome

    @property
    def clean(self) -> bool:
        return not (
            self.not_final
            or self.duplicates
            or self.published_without_post
            or self.posted_but_not_published
            or self.wrong_post_id
            or self.unknown_posts
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": dict(self.posts),
            "accounts": dict(self.accounts),
            "not_final": self.not_final,
            "duplicates": self.duplicates,
            "published_without_post": self.published_without_post,
            "posted_but_not_published": self.posted_but_not_published,
            "wrong_post_id": self.wrong_post_id,
            "needs_review": self.needs_review,
            "needs_review_on_platform": self.needs_review_on_platform,
            "needs_review_by_platform": dict(self.needs_review_by_platform),
            "unknown_posts": self.unknown_posts,
            "max_retry_count": self.max_retry_count,
            "max_publish_attempts": self.max_publish_attempts,
            "reconciles": dict(self.reconciles),
            "clean": self.clean,
        }


def audit(post_ids: Sequence[int], platform_stats: dict[str, Any]) -> Audit:
    """Compare every account of ``post_ids`` with the fake platforms' posts (``FakePlatformsProcess.stats``)."""
    on_platform = {
        (platform, external_id, text): (created, set(ids))
        for platform, external_id, text, _, created, ids in platform_stats["creates"]
    }
    posts = ScheduledPost.objects.filter(pk__in=post_ids)
    post_statuses = Counter(posts.values_list("status", flat=True))
    account_statuses: Counter[str] = Counter()
    explained: set[tuple[str, str, str]] = set()
    published_without_post = posted_but_not = wrong_id = needs_review = review_on_platform = 0
    review_by_platform: Counter[str] = Counter()
    rows = ScheduledPostAccount.objects.filter(post_id__in=post_ids).values_list(
        "status", "platform_post_id", "post__content", "account__platform", "account__external_id"
    )
    for status, platform_post_id, text, platform, external_id in rows.iterator(chunk_size=2000):
        key = (platform, external_id, text)
        explained.add(key)
        created, ids = on_platform.get(key, (0, set()))
        account_statuses[status] += 1
        if status == AccountStatus.PUBLISHED:
            if created == 0:
                published_without_post += 1
            elif platform_post_id not in ids:
                wrong_id += 1
        elif status == AccountStatus.NEEDS_REVIEW:
            needs_review += 1
            review_on_platform += created > 0
            review_by_platform[platform] += 1
        elif created:
            posted_but_not += 1
    attempts = PublishAttempt.objects.filter(post_account__post_id__in=post_ids)
    publish_attempts = Counter(
        attempts.filter(action=AttemptAction.PUBLISH).values_list("post_account_id", flat=True)
    )
    return Audit(
        posts=post_statuses,
        accounts=account_statuses,
        not_final=sum(n for status, n in post_statuses.items() if status not in FINAL_POST_STATUSES),
        duplicates=sum(1 for created, _ in on_platform.values() if created > 1),
        published_without_post=published_without_post,
        posted_but_not_published=posted_but_not,
        wrong_post_id=wrong_id,
        needs_review=needs_review,
        needs_review_on_platform=review_on_platform,
        needs_review_by_platform=review_by_platform,
        unknown_posts=sum(1 for key, (created, _) in on_platform.items() if created and key not in explained),
        max_retry_count=max(posts.values_list("retry_count", flat=True), default=0),
        max_publish_attempts=max(publish_attempts.values(), default=0),
        reconciles=Counter(attempts.filter(action=AttemptAction.RECONCILE).values_list("outcome", flat=True)),
    )


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def lateness_seconds(post_ids: Sequence[int]) -> tuple[list[float], list[float]]:
    """``published_at - scheduled_at`` of every published account, and of every post (its last account)."""
    accounts = [
        (published - scheduled).total_seconds()
        for published, scheduled in ScheduledPostAccount.objects.filter(
            post_id__in=post_ids, status=AccountStatus.PUBLISHED
        ).values_list("published_at", "post__scheduled_at")
    ]
    posts = [
        (published - scheduled).total_seconds()
        for published, scheduled in ScheduledPost.objects.filter(
            pk__in=post_ids, published_at__isnull=False
        ).values_list("published_at", "scheduled_at")
    ]
    return accounts, posts
