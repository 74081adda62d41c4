"""Reads of the network: posts as the API shows them, and timelines as its pages show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.db.models import Max
from django.db.models import Prefetch
from django.db.models import Q
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from calendar_app.models import ScheduledPostAccount
from social.models import Platform

from ..models import SandboxAccount
from ..models import SandboxMedia
from ..models import SandboxPost

LIST_MAX = 100


def posts_with_media() -> QuerySet[SandboxPost]:
    return SandboxPost.objects.select_related("account").prefetch_related(
        Prefetch("media", queryset=SandboxMedia.objects.order_by("position"))
    )


def account_posts_page(
    *, account: SandboxAccount, since: datetime | None, before: str, limit: int
) -> tuple[list[SandboxPost], str]:
    """Up to ``limit`` of the account's posts, newest first, made at or after ``since`` and before the
    post ``before``; and the id to ask ``before`` next ("" when there is no more)."""
    posts = posts_with_media().filter(account=account)
    if since is not None:
        posts = posts.filter(created_at__gte=since)
    if before and (anchor := SandboxPost.objects.filter(account=account, pk=before).first()):
        posts = posts.filter(
            Q(created_at__lt=anchor.created_at) | Q(created_at=anchor.created_at, pk__lt=anchor.pk)
        )
    page = list(posts.order_by("-created_at", "-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].pk if more and page else "")


def post_json(request: HttpRequest, post: SandboxPost) -> dict[str, Any]:
    """A post as the API answers it (``media`` prefetched)."""
    return {
        "id": post.pk,
        "account": post.account.handle,
        "text": post.text,
        "created_at": post.created_at.isoformat().replace("+00:00", "Z"),
        "url": request.build_absolute_uri(post_path(post)),
        "media": [media_json(request, item) for item in post.media.all()],
    }


def media_json(request: HttpRequest, media: SandboxMedia) -> dict[str, Any]:
    return {
        "id": media.pk,
        "type": media.kind,
        "content_type": media.content_type,
        "alt_text": media.alt_text,
        "size": media.total_bytes,
        "received": media.received_bytes,
        "state": "ready" if media.is_ready else "uploading",
        "url": request.build_absolute_uri(reverse("sandbox:media", args=[media.pk]))
        if media.is_ready
        else None,
        "width": media.width,
        "height": media.height,
        "duration": media.duration,
    }


def post_path(post: SandboxPost) -> str:
    return reverse("sandbox:timeline", args=[post.account.handle]) + f"#{post.pk}"


@dataclass(frozen=True)
class TimelineEntry:
    """A post on a timeline page, with what the scheduler recorded for it (None: nothing records its id)."""

    post: SandboxPost
    recorded: ScheduledPostAccount | None


def timeline(*, account: SandboxAccount, limit: int = 200) -> list[TimelineEntry]:
    """The account's latest posts, each with the scheduler's record that names its id, if any: a post the
    scheduler made twice shows as two posts, one of them recorded nowhere."""
    posts = list(posts_with_media().filter(account=account).order_by("-created_at", "-id")[:limit])
    records = {
        record.platform_post_id: record
        for record in ScheduledPostAccount.objects.filter(
            account__platform=Platform.SANDBOX,
            account__external_id=account.handle,
            platform_post_id__in=[post.pk for post in posts],
        ).select_related("post")
    }
    return [TimelineEntry(post=post, recorded=records.get(post.pk)) for post in posts]


def accounts_overview() -> QuerySet[SandboxAccount]:
    """Every account on the network, with how many posts it has and when the last was made."""
    return SandboxAccount.objects.annotate(post_count=Count("posts"), last_post_at=Max("posts__created_at"))
