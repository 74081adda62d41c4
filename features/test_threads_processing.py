"""The scenario of threads_processing.feature, against the real command: a Threads container still
processing is published by a later run.

NEEDS THE ENGINE SIDE OF "StillProcessing" (branch ``rules``): the publisher keeping the account PUBLISHING
with its saved container and handing the post to a later run, which calls ``client.resume()``. On a branch
without it the first run takes the client's StillProcessing for an unexpected failure, so this scenario fails
there until both sides are merged. The Threads client's own side (StillProcessing, resume) is tested in
tests/social/platforms/threads/test_client.py.
"""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import timezone
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount

from .platforms import SimulatedPlatforms
from .story import Story
from .story import account_row
from .threads_steps import *  # noqa: F403
from .threads_steps import containers_of

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("threads_processing.feature")


def waiting_row(story: Story, name: str) -> ScheduledPostAccount:
    row = account_row(story, name)
    assert row.status == AccountStatus.PUBLISHING, (row.status, row.error_kind, row.error_message)
    return row


@then(parsers.parse('the post is not published yet, and "{name}" waits for Threads with its container saved'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    post = story.the_post()
    assert post.status not in (PostStatus.PUBLISHED, PostStatus.PARTIALLY_PUBLISHED, PostStatus.FAILED)
    [container] = containers_of(story, platforms)
    state = waiting_row(story, name).publish_state
    assert (state.get("stage"), state.get("container_id")) == ("processing", container.id), state


@then(parsers.parse('"{name}" still waits for Threads with the same container, and Threads has no other'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    [container] = containers_of(story, platforms)
    assert waiting_row(story, name).publish_state.get("container_id") == container.id
    assert container.status == "IN_PROGRESS" and platforms.received_by(platform="Threads") == []


@when("the time Threads asked to wait has passed")
def _(story: Story) -> None:
    """Every time still ahead on the post and its accounts is now, and so is the end of the lease the run
    released for the check (a post handed on while processing is taken by a later run's recovery when
    that lease ends); a lease a run still holds is left alone, so no run looks dead."""
    now = timezone.now()
    post = story.the_post()
    for model, rows in (
        (ScheduledPost, ScheduledPost.objects.filter(pk=post.pk)),
        (ScheduledPostAccount, ScheduledPostAccount.objects.filter(post=post)),
    ):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField) and "lease" not in field.name:
                rows.filter(**{f"{field.name}__gt": now}).update(**{field.name: now})
    ScheduledPost.objects.filter(pk=post.pk, lease_token__isnull=True, lease_expires_at__gt=now).update(
        lease_expires_at=now
    )
