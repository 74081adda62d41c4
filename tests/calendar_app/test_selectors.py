from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from calendar_app.models import PostStatus, ScheduledPost
from calendar_app.selectors import post_due_queryset

pytestmark = pytest.mark.django_db


def make_post(user, *, status=PostStatus.SCHEDULED, scheduled_at, next_attempt_at=None) -> ScheduledPost:
    return ScheduledPost.objects.create(
        content="hello",
        scheduled_at=scheduled_at,
        next_attempt_at=next_attempt_at,
        status=status,
        created_by=user,
    )


def test_post_due_queryset__only_scheduled_posts_whose_time_came(user):
    now = timezone.now()
    due = make_post(user, scheduled_at=now - timedelta(minutes=5))
    retry_due = make_post(
        user, scheduled_at=now - timedelta(hours=1), next_attempt_at=now - timedelta(seconds=1)
    )
    make_post(user, scheduled_at=now - timedelta(hours=1), next_attempt_at=now + timedelta(minutes=5))
    make_post(user, scheduled_at=now + timedelta(minutes=5))
    make_post(user, status=PostStatus.DRAFT, scheduled_at=now - timedelta(minutes=5))
    make_post(user, status=PostStatus.CANCELLED, scheduled_at=now - timedelta(minutes=5))
    make_post(user, status=PostStatus.PUBLISHED, scheduled_at=now - timedelta(minutes=5))
    assert list(post_due_queryset()) == [due, retry_due]


@pytest.mark.postgres_only
def test_post_due_queryset__served_by_the_partial_index(user):
    now = timezone.now()
    ScheduledPost.objects.bulk_create(
        ScheduledPost(
            content="x",
            scheduled_at=now + timedelta(minutes=i),
            status=PostStatus.PUBLISHED if i % 10 else PostStatus.SCHEDULED,
            created_by=user,
        )
        for i in range(-500, 500)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE calendar_app_scheduledpost")
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = post_due_queryset().explain()
    assert "post_due_scheduled_idx" in plan
