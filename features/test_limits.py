"""The scenarios of limits.feature: quotas that defer, media still processing, what the platforms say."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then

from bench.simulation import Refuse
from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPostAccount
from social.models import Platform
from social.models import SocialAccount
from social.platforms.instagram.client import InstagramClient

from .platforms import SimulatedPlatforms
from .post_steps import show_media_on
from .story import PLATFORM
from .story import Story

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("limits.feature")


@given(parsers.parse('Instagram allows "{name}" {limit:d} posts a day'))
def _(name: str, limit: int, story: Story, platforms: SimulatedPlatforms) -> None:
    """As the account's content_publishing_limit reported it (read where posts are saved)."""
    account = story.accounts[name]
    reading = {"quota_total": limit, "quota_duration": 86400, "read_at": timezone.now().isoformat()}
    SocialAccount.objects.filter(pk=account.pk).update(extra={**account.extra, "publishing_limit": reading})
    platforms.world.apis[Platform.INSTAGRAM].quota_total = limit


@given(parsers.parse('every post shows the photo "{url}" on Instagram'))
def _(url: str, story: Story) -> None:
    for post in story.posts.values():
        post.refresh_from_db()
        show_media_on(post, Platform.INSTAGRAM, url, "image")


@given(parsers.parse("Instagram processes each reel for {checks:d} checks"))
def _(checks: int, platforms: SimulatedPlatforms, monkeypatch) -> None:
    platforms.world.apis[Platform.INSTAGRAM].processing_checks = checks
    # One look in the call itself, no waiting in it: the rest is for later runs.
    monkeypatch.setattr(InstagramClient, "container_wait_seconds", 0.0)


@given("YouTube makes every upload of this app private")
def _(platforms: SimulatedPlatforms) -> None:
    platforms.world.apis[Platform.YOUTUBE].unaudited = True


@given(
    parsers.re(rf'{PLATFORM} answers error code (?P<code>\d+) "(?P<words>[^"]+)" to the first post$'),
    converters={"code": int},
)
def _(platform: str, code: int, words: str, platforms: SimulatedPlatforms) -> None:
    platforms.answer_next(platform, Refuse(lambda api: api.error(400, words, code=code)))


@then(parsers.re(r'the post is "SCHEDULED" to go out in about (?P<minutes>\d+) minutes, no retry spent$'))
def _(minutes: str, story: Story) -> None:
    post = story.the_post()
    wait = (post.next_attempt_at - timezone.now()).total_seconds() / 60
    assert (post.status, post.retry_count) == (PostStatus.SCHEDULED, 0)
    assert int(minutes) - 2 <= wait <= int(minutes), wait


@then(parsers.re(r'the post is "PUBLISHING" with "(?P<name>[^"]+)" still processing, no retry spent$'))
def _(name: str, story: Story) -> None:
    post = story.the_post()
    row = ScheduledPostAccount.objects.get(post=post, account=story.accounts[name])
    assert (post.status, post.retry_count, post.lease_token) == (PostStatus.PUBLISHING, 0, None)
    assert post.lease_expires_at > timezone.now(), "handed on to a later run, at its check time"
    assert row.status == AccountStatus.PUBLISHING and row.processing_since is not None
    assert re.search(r"still processing", row.error_message), row.error_message


@then(parsers.parse('Instagram made {count:d} container for "{name}"'))
def _(count: int, name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    instagram = platforms.world.apis[Platform.INSTAGRAM]
    assert instagram.containers_of(story.accounts[name].external_id) == count


@then(parsers.parse('the history shows {count:d} "{outcome}" calls to "{name}" and then a "{last}" one'))
def _(count: int, outcome: str, name: str, last: str, story: Story) -> None:
    outcomes = [row[4].text for row in story.page.attempts_of(name)]
    assert outcomes == [outcome] * count + [last], outcomes
