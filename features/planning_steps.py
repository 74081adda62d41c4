"""Steps about planning: account groups, posting schedules and the planner's clock (queue.feature,
recurrence.feature, import.feature; their own steps are in their test modules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers

from planning.models import AccountGroup
from planning.models import PostingSchedule
from planning.models import PostingSlot

from .story import Story

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Plan:
    """What a planning scenario set up: groups, schedules, and the planner's clock (None: the real one)."""

    now: datetime | None = None
    groups: dict[str, AccountGroup] = field(default_factory=dict)
    schedules: dict[str, PostingSchedule] = field(default_factory=dict)
    refusal: str = ""
    slots_before: dict[str, datetime] = field(default_factory=dict)  # each post's time before a change

    def clock(self) -> datetime:
        return self.now or timezone.now()


@pytest.fixture
def plan() -> Plan:
    return Plan()


@given(parsers.parse('the account group "{name}" with {members}'))
def _(name: str, members: str, story: Story, plan: Plan) -> None:
    plan.groups[name] = AccountGroup.objects.create(name=name)
    plan.groups[name].accounts.set(story.named(members))


@given(
    parsers.re(
        r'"(?P<owner>[^"]+)" posts (?P<days>every day|on [A-Za-z, ]+?) at (?P<times>[\d:, and]+) in "(?P<zone>[^"]+)"$'
    )
)
def _(owner: str, days: str, times: str, zone: str, story: Story, plan: Plan) -> None:
    """A posting schedule of an account group or an account: "on Mondays and Thursdays at 09:00 and 17:30"."""
    group = plan.groups.get(owner)
    schedule = PostingSchedule.objects.create(
        name=owner, group=group, account=None if group else story.accounts[owner], timezone=zone
    )
    weekdays = (
        range(7)
        if days == "every day"
        else [WEEKDAYS.index(day.rstrip("s")) for day in re.findall(r"[A-Z][a-z]+days", days)]
    )
    clocks = [datetime.strptime(value, "%H:%M").time() for value in re.findall(r"\d\d:\d\d", times)]
    PostingSlot.objects.bulk_create(
        PostingSlot(schedule=schedule, weekday=weekday, time=clock)
        for weekday in weekdays
        for clock in clocks
    )
    plan.schedules[owner] = schedule


@given(parsers.parse('it is {wall} in "{zone}"'))
def _(wall: str, zone: str, plan: Plan) -> None:
    """The planner's clock, e.g. "2030-03-29 12:00": what "next slot" and "the coming window" count from."""
    plan.now = datetime.strptime(wall, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
