from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.selectors import post_due_queryset
from calendar_app.selectors import post_expired_lease_queryset
from calendar_app.selectors import posts_held_by_run

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


def test_post_expired_lease_queryset__publishing_posts_whose_lease_ran_out(user):
    now = timezone.now()
    expired = make_post(user, status=PostStatus.PUBLISHING, scheduled_at=now)
    ScheduledPost.objects.filter(pk=expired.pk).update(lease_expires_at=now - timedelta(seconds=1))
    no_lease = make_post(user, status=PostStatus.PUBLISHING, scheduled_at=now)
    live = make_post(user, status=PostStatus.PUBLISHING, scheduled_at=now)
    ScheduledPost.objects.filter(pk=live.pk).update(lease_expires_at=now + timedelta(minutes=5))
    make_post(user, status=PostStatus.SCHEDULED, scheduled_at=now - timedelta(minutes=5))

    assert list(post_expired_lease_queryset()) == [no_lease, expired]


def test_posts_held_by_run__only_the_runs_posts_with_their_due_state(user):
    now = timezone.now()
    token = uuid.uuid4()
    late = make_post(user, status=PostStatus.PUBLISHING, scheduled_at=now - timedelta(hours=3))
    retry = make_post(
        user,
        status=PostStatus.PUBLISHING,
        scheduled_at=now - timedelta(hours=3),
        next_attempt_at=now - timedelta(minutes=1),
    )
    others = make_post(user, status=PostStatus.PUBLISHING, scheduled_at=now)
    ScheduledPost.objects.filter(pk__in=[late.pk, retry.pk]).update(lease_token=token)
    ScheduledPost.objects.filter(pk=others.pk).update(lease_token=uuid.uuid4())

    held = posts_held_by_run(
        lease_token=token, post_ids=[late.pk, retry.pk, others.pk], missed_after_seconds=3600
    )

    assert [(post.pk, post.is_missed) for post in held] == [(late.pk, True), (retry.pk, False)]
    assert held[1].due_at == retry.next_attempt_at


@pytest.mark.postgres_only
def test_post_expired_lease_queryset__served_by_the_partial_index(user):
    ScheduledPost.objects.bulk_create(
        ScheduledPost(
            content="x",
            scheduled_at=timezone.now(),
            status=PostStatus.PUBLISHED if i % 10 else PostStatus.PUBLISHING,
            created_by=user,
        )
        for i in range(1000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE calendar_app_scheduledpost")
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "post_lease_publishing_idx" in post_expired_lease_queryset().explain()
