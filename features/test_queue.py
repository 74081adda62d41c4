"""The scenarios of queue.feature: real rows, the real queue and post services, the real publisher."""

from __future__ import annotations

import random
import re
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import PostInput
from calendar_app.services.posts import post_create
from calendar_app.timezones import format_in_zone
from planning.services.queue import queue_add
from planning.services.queue import queue_move
from planning.services.queue import queue_shuffle
from planning.services.queue import schedule_pause
from planning.services.queue import schedule_resume

from .planning_steps import Plan
from .story import Story

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("queue.feature")

PARIS = "Europe/Paris"


def draft(story: Story, author, text: str, to: str, *, zone: str = PARIS) -> ScheduledPost:
    """A draft as the post form saves it; its time is a placeholder the queue replaces."""
    post = post_create(
        created_by=author,
        data=PostInput(
            content=text,
            account_ids=tuple(account.pk for account in story.named(to)),
            timezone_name=zone,
            local_time=(timezone.now() + timedelta(days=3650))
            .astimezone(ZoneInfo(zone))
            .replace(tzinfo=None),
            status=PostStatus.DRAFT,
        ),
    )
    story.posts[text] = story.post = post
    return post


def zone_of(story: Story, plan: Plan, to: str) -> str:
    names = {account.name for account in story.named(to)}
    for schedule in plan.schedules.values():
        members = (
            {schedule.account.name}
            if schedule.account_id
            else {a.name for a in schedule.group.accounts.all()}
        )
        if names <= members:
            return schedule.timezone
    return PARIS


@given(parsers.parse("{count:d} posts to {to} are added to the queue"))
@when(parsers.parse("{count:d} posts to {to} are added to the queue"))
def _(count: int, to: str, story: Story, plan: Plan, author) -> None:
    for number in range(1, count + 1):
        post = draft(story, author, f"Queued {number}", to, zone=zone_of(story, plan, to))
        queue_add(post_id=post.pk, now=plan.clock())


@when(parsers.parse('a post "{text}" to {to} is added to the queue'))
def _(text: str, to: str, story: Story, plan: Plan, author) -> None:
    post = draft(story, author, text, to)
    queue_add(post_id=post.pk, now=plan.clock())


@given(parsers.parse('"{name}" already has a post at {wall} Paris time'))
def _(name: str, wall: str, story: Story, author) -> None:
    post_create(
        created_by=author,
        data=PostInput(
            content=f"Already planned for {name}",
            account_ids=(story.accounts[name].pk,),
            timezone_name=PARIS,
            local_time=timezone.datetime.strptime(wall, "%Y-%m-%d %H:%M"),
            status=PostStatus.SCHEDULED,
        ),
    )


def shown(story: Story, text: str) -> str:
    post = story.the_post(text)
    return format_in_zone(post.scheduled_at, post.timezone)


@then(parsers.parse("they are scheduled for {times}"))
def _(times: str, story: Story) -> None:
    expected = re.findall(r'"([^"]+)"', times)
    queued = [text for text in story.posts if text.startswith("Queued ")]
    assert [shown(story, text) for text in queued] == expected


@then(parsers.parse('"{text}" is scheduled for "{when}"'))
def _(text: str, when: str, story: Story) -> None:
    assert shown(story, text) == when


@when(parsers.parse('"{text}" is moved {direction}'))
def _(text: str, direction: str, story: Story, plan: Plan) -> None:
    plan.slots_before = {name: story.the_post(name).scheduled_at for name in story.posts}
    try:
        queue_move(post_id=story.the_post(text).pk, direction=direction, now=plan.clock())
    except ValidationError as exc:
        plan.refusal = " ".join(exc.messages)


@given(parsers.parse('the slot of "{text}" has come'))
def _(text: str, story: Story) -> None:
    """Time moves on for this post only: it becomes due, like the conftest's "minutes pass"."""
    ScheduledPost.objects.filter(pk=story.the_post(text).pk).update(
        scheduled_at=timezone.now() - timedelta(seconds=30)
    )
    story.post = story.posts[text]


@then(parsers.parse('the move is refused because "{words}"'))
def _(words: str, plan: Plan) -> None:
    assert words in plan.refusal, plan.refusal


@then(parsers.parse('"{text}" is "{status}"'))
def _(text: str, status: str, story: Story) -> None:
    assert story.the_post(text).status == status


@then(parsers.parse('"{text}" is still in its slot'))
def _(text: str, story: Story, plan: Plan) -> None:
    post = story.the_post(text)
    assert post.scheduled_at == plan.slots_before[text] and post.status == PostStatus.SCHEDULED


@when(parsers.parse('the queue of "{name}" is paused'))
def _(name: str, story: Story, plan: Plan) -> None:
    plan.slots_before = {text: story.the_post(text).scheduled_at for text in story.posts}
    schedule_pause(schedule_id=plan.schedules[name].pk, now=plan.clock())


@when(parsers.parse('the queue of "{name}" is resumed'))
def _(name: str, plan: Plan) -> None:
    schedule_resume(schedule_id=plan.schedules[name].pk, now=plan.clock())


@then(parsers.parse('"{first}" and "{second}" kept their slots'))
def _(first: str, second: str, story: Story, plan: Plan) -> None:
    for text in (first, second):
        assert story.the_post(text).scheduled_at == plan.slots_before[text]


@when(parsers.parse('the queue of "{name}" is shuffled'))
def _(name: str, story: Story, plan: Plan) -> None:
    plan.slots_before = {text: story.the_post(text).scheduled_at for text in story.posts}
    queue_shuffle(schedule_id=plan.schedules[name].pk, rng=random.Random(18), now=plan.clock())


@then(parsers.parse('"{text}" is still at the time it was published'))
def _(text: str, story: Story, plan: Plan) -> None:
    assert story.the_post(text).scheduled_at == plan.slots_before[text]


@then(parsers.parse('"{first}" and "{second}" swapped their slots'))
def _(first: str, second: str, story: Story, plan: Plan) -> None:
    assert story.the_post(first).scheduled_at == plan.slots_before[second]
    assert story.the_post(second).scheduled_at == plan.slots_before[first]


@given(parsers.parse('a draft "{text}" to {to}'))
def _(text: str, to: str, story: Story, author) -> None:
    draft(story, author, text, to)


@when(parsers.parse('the author adds "{text}" to the queue from the admin\'s post list'))
def _(text: str, story: Story, client, author) -> None:
    author.is_staff = author.is_superuser = True
    author.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(author)
    response = client.post(
        "/admin/calendar_app/scheduledpost/",
        {"action": "add_to_queue", "_selected_action": [story.the_post(text).pk]},
        follow=True,
    )
    story.messages = [str(message) for message in response.context["messages"]]


@then(parsers.parse('the admin says "{text}" was added to the queue of "{name}" at its slot'))
def _(text: str, name: str, story: Story) -> None:
    post = story.the_post(text)
    assert story.messages == [f"{post}: added to the queue of {name}, at {shown(story, text)}."]


@then(parsers.parse('"{text}" is in the next {clock} slot in "{zone}"'))
def _(text: str, clock: str, zone: str, story: Story) -> None:
    now, day = timezone.now(), timezone.now().astimezone(ZoneInfo(zone)).date()
    wall = datetime.strptime(clock, "%H:%M").time()
    while (slot := datetime.combine(day, wall, tzinfo=ZoneInfo(zone))) <= now:
        day += timedelta(days=1)
    post = story.the_post(text)
    assert (post.status, post.scheduled_at) == (PostStatus.SCHEDULED, slot)
