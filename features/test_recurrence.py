"""The scenarios of recurrence.feature: the real series services, the real command and the real publisher."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import PostInput
from calendar_app.services.posts import post_update
from calendar_app.timezones import format_in_zone
from calendar_app.timezones import zone_or_utc
from planning.models import RecurringSeries
from planning.models import SeriesOccurrence
from planning.services.recurrence import SeriesInput
from planning.services.recurrence import occurrence_skip
from planning.services.recurrence import series_create
from planning.services.recurrence import series_materialize
from planning.services.recurrence import series_update
from tests.planning.concurrency import run_together

from .planning_steps import Plan
from .story import Story

pytestmark = pytest.mark.django_db(transaction=True)

scenarios("recurrence.feature")


def the_series() -> RecurringSeries:
    return RecurringSeries.objects.get()


@given(
    parsers.re(
        r'a series "(?P<name>[^"]+)" to (?P<to>.+?) with the rule "(?P<rule>[^"]+)" at (?P<clock>\d\d:\d\d) in '
        r'"(?P<zone>[^"]+)" from (?P<start>tomorrow|\d{4}-\d\d-\d\d) '
        r"(?:for (?P<count>\d+) posts|until (?P<until>\d{4}-\d\d-\d\d)), saying "
        r'(?P<texts>in turn .+|"[^"]+")$'
    ),
)
def _(name, to, rule, clock, zone, start, count, until, texts, story: Story, plan: Plan, author) -> None:
    quoted = re.findall(r'"([^"]+)"', texts)
    in_turn = texts.startswith("in turn")
    data = SeriesInput(
        name=name,
        content="" if in_turn else quoted[0],
        text_variants=tuple(quoted) if in_turn else (),
        account_ids=tuple(account.pk for account in story.named(to)),
        timezone_name=zone,
        starts_on=timezone.localdate() + timedelta(days=1)
        if start == "tomorrow"
        else date.fromisoformat(start),
        time=datetime.strptime(clock, "%H:%M").time(),
        rule=rule,
        count=int(count) if count else None,
        ends_on=date.fromisoformat(until) if until else None,
    )
    # Without a planner's clock the series was written two weeks ago and made nothing yet (it starts
    # tomorrow): its coming window is left to the command, as in production.
    written_at = plan.now or timezone.now() - timedelta(days=15)
    series_create(created_by=author, data=data, now=written_at)
    plan.refusal = ""


def series_posts() -> list[ScheduledPost]:
    return list(ScheduledPost.objects.filter(series_occurrence__series=the_series()).order_by("scheduled_at"))


@then("the series has these posts:")
def _(datatable) -> None:
    header, *rows = datatable
    expected = [dict(zip(header, (cell.strip() for cell in row), strict=True)) for row in rows]
    found = [
        {
            "text": post.content,
            "time": format_in_zone(post.scheduled_at, post.timezone),
            "status": post.status,
        }
        for post in series_posts()
    ]
    assert found == expected


def run_command(plan: Plan) -> str:
    out = StringIO()
    call_command("create_recurring_posts", stdout=out)
    plan.refusal = out.getvalue().strip()  # the last run's line
    return plan.refusal


@given("create_recurring_posts runs")
@when("create_recurring_posts runs again")
def _(plan: Plan) -> None:
    run_command(plan)


@when("two runs of create_recurring_posts start at the same moment")
def _(plan: Plan) -> None:
    lines = run_together(lambda: run_command(Plan()))
    assert len(lines) == 2


@then("each day of the coming two weeks has one post of the series")
def _() -> None:
    days = [post.scheduled_at.date() for post in series_posts()]
    tomorrow = timezone.now().date() + timedelta(days=1)
    # Day 14's 12:00 post is inside the window only once it is past 12:00 UTC today.
    assert len(days) in (13, 14) and days == [tomorrow + timedelta(days=n) for n in range(len(days))], days
    assert SeriesOccurrence.objects.count() == len(days)


@then(parsers.parse('the last run reports "{line}"'))
def _(line: str, plan: Plan) -> None:
    assert plan.refusal == line


def occurrence_post(text: str) -> ScheduledPost:
    return ScheduledPost.objects.get(series_occurrence__series=the_series(), content=text)


@given(parsers.parse('"{text}" was published'))
def _(text: str) -> None:
    ScheduledPost.objects.filter(pk=occurrence_post(text).pk).update(
        status=PostStatus.PUBLISHED, published_at=timezone.now()
    )


@given(parsers.parse('"{text}" was edited by hand to "{new_text}"'))
def _(text: str, new_text: str) -> None:
    """Edited in the post admin: through the post service, the series not told."""
    post = occurrence_post(text)
    post_update(
        post_id=post.pk,
        data=PostInput(
            content=new_text,
            account_ids=tuple(post.post_accounts.values_list("account_id", flat=True)),
            timezone_name=post.timezone,
            local_time=post.scheduled_at.astimezone(zone_or_utc(post.timezone)).replace(tzinfo=None),
            status=PostStatus.SCHEDULED,
        ),
    )


@given(parsers.parse("occurrence {number:d} of the series is skipped"))
@when(parsers.parse("occurrence {number:d} of the series is skipped"))
def _(number: int) -> None:
    occurrence_skip(occurrence_id=SeriesOccurrence.objects.get(series=the_series(), number=number).pk)


@when(parsers.parse('the series text becomes "{text}"'))
def _(text: str, plan: Plan) -> None:
    series = the_series()
    data = SeriesInput(
        name=series.name,
        content=text,
        account_ids=tuple(series.accounts.values_list("pk", flat=True)),
        timezone_name=series.timezone,
        starts_on=series.starts_on,
        time=series.time,
        rule=series.rule,
        count=series.count,
    )
    # Decided after the first post went out.
    series_update(series_id=series.pk, data=data, now=plan.clock() + timedelta(hours=1, minutes=30))


@when("the recurring posts of the coming window are made again")
def _(plan: Plan) -> None:
    assert series_materialize(now=plan.clock(), series_id=the_series().pk).created == 0


@given(parsers.parse('the time of "{text}" has come'))
def _(text: str, story: Story) -> None:
    post = occurrence_post(text)
    ScheduledPost.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=30))
    story.posts[text] = story.post = post
