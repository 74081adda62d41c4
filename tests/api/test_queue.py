"""Queue slots and queueing posts through the API (planning's queue services)."""

from __future__ import annotations

from datetime import time

import pytest

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from planning.models import QueueEntry
from tests.planning.factories import make_schedule

from .conftest import assert_problem
from .conftest import make_account
from .conftest import make_post

pytestmark = pytest.mark.django_db
EVERY_DAY_9_AND_17 = [(weekday, moment) for weekday in range(7) for moment in (time(9), time(17))]


def test_queue_slots__the_next_free_slots_in_the_schedules_zone(api, author):
    account = make_account(author)
    schedule = make_schedule(account=account, zone="Europe/Paris", slots=EVERY_DAY_9_AND_17)
    body = api.get("/api/v1/queue/slots", {"account": [account.pk], "count": 3}).json()
    assert body["schedule"]["id"] == schedule.pk
    times = [slot["local"]["at"] for slot in body["slots"]]
    assert len(times) == 3 and len(set(times)) == 3 and times == sorted(times)
    assert all(moment[11:16] in ("09:00", "17:00") for moment in times)
    # A post holding the first slot moves the next answer on.
    make_post(author, [account], scheduled_at=body["slots"][0]["at"])
    after = api.get("/api/v1/queue/slots", {"account": [account.pk], "count": 1}).json()
    assert after["slots"][0]["at"] == body["slots"][1]["at"]


def test_queue_slots__refusals(api, author, other_user):
    account = make_account(author)
    body = assert_problem(api.get("/api/v1/queue/slots", {"account": [account.pk]}), 422)
    assert "No posting schedule" in body["detail"]
    theirs = make_account(other_user)
    make_schedule(account=theirs, slots=EVERY_DAY_9_AND_17)
    assert_problem(api.get("/api/v1/queue/slots", {"account": [theirs.pk]}), 422)


def test_post_create_in_the_queue_and_queue_an_existing_post(api, author):
    account = make_account(author)
    schedule = make_schedule(account=account, slots=EVERY_DAY_9_AND_17)
    slots = api.get("/api/v1/queue/slots", {"account": [account.pk], "count": 2}).json()["slots"]
    created = api.post("/api/v1/posts", {"accounts": [account.pk], "text": "Queued", "scheduled_at": "queue"})
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "SCHEDULED" and created.json()["scheduled_at"] == slots[0]["at"]
    assert QueueEntry.objects.get().schedule == schedule
    draft = make_post(author, [account], status=PostStatus.DRAFT)
    queued = api.post(f"/api/v1/posts/{draft.pk}/queue", {"schedule": schedule.pk}).json()
    assert queued["status"] == "SCHEDULED" and queued["scheduled_at"] == slots[1]["at"]
    assert ScheduledPost.objects.filter(status=PostStatus.SCHEDULED).count() == 2
