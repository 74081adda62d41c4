"""What became of the posts: the database's account of them against the fake platforms', and how late
they went out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount

FINAL_POST_STATUSES = frozenset({PostStatus.PUBLISHED, PostStatus.PARTIALLY_PUBLISHED, PostStatus.FAILED})


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
    accounts = ScheduledPostAccount.objects.filter(post_id__in=post_ids, status=AccountStatus.PUBLISHED)
    posts = ScheduledPost.objects.filter(pk__in=post_ids, published_at__isnull=False)
    return (
        _seconds_late(accounts.values_list("published_at", "post__scheduled_at")),
        _seconds_late(posts.values_list("published_at", "scheduled_at")),
    )


def _seconds_late(rows: Iterable[tuple[datetime, datetime]]) -> list[float]:
    """(published at, scheduled at) rows: how late each went out."""
    return [(published - scheduled).total_seconds() for published, scheduled in rows]
