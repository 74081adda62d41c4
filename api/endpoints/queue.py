"""Queue slots: the next times free for all of some accounts in their posting schedule (read-only; POST
/posts with `"scheduled_at": "queue"` or POST /posts/{id}/queue takes one)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query
from ninja import Router
from ninja import Schema
from pydantic import Field

from planning.services.queue import queue_next_free_slot
from planning.services.queue import schedule_for_post_accounts
from social.selectors import social_accounts_usable_by

from ..auth import requires
from ..models import Scope
from ..problems import Problem
from ..problems import invalid
from ..schemas import Id
from ..schemas import Timestamp
from ..schemas import problems
from .post_schemas import LocalTime
from .post_schemas import local_time

router = Router(tags=["queue"])
MINUTE = timedelta(minutes=1)


class SlotsQuery(Schema):
    account: list[Id] = Field(description="The accounts (repeat the parameter); all must be free.")
    schedule: Id | None = Field(None, description="Default: the schedule covering all the accounts.")
    count: int = Field(5, ge=1, le=50)


class ScheduleOut(Schema):
    id: int
    name: str
    timezone: str
    is_paused: bool = Field(description="Posts queued in a paused schedule wait as drafts.")


class SlotOut(Schema):
    at: Timestamp
    local: LocalTime = Field(description="In the schedule's zone.")


class SlotsOut(Schema):
    schedule: ScheduleOut
    slots: list[SlotOut]


@router.get("/queue/slots", response={200: SlotsOut, **problems(403, 422)}, summary="Next free queue slots")
@requires(Scope.READ)
def queue_slots(request: HttpRequest, query: Query[SlotsQuery]):
    account_ids = list(dict.fromkeys(query.account))
    usable = set(
        social_accounts_usable_by(user=request.user).filter(pk__in=account_ids).values_list("pk", flat=True)
    )
    unknown = [account_id for account_id in account_ids if account_id not in usable]
    if unknown:
        raise Problem(
            422,
            f"Account {unknown[0]} does not exist.",
            slug="validation",
            errors=[
                {"field": "account", "message": f"Account {pk} does not exist.", "in": "query"}
                for pk in unknown
            ],
        )
    try:
        schedule = schedule_for_post_accounts(account_ids=account_ids, schedule_id=query.schedule)
        slots, after = [], None
        for _ in range(query.count):
            slot = queue_next_free_slot(account_ids=account_ids, schedule_id=schedule.pk, after=after)
            slots.append(SlotOut(at=slot, local=local_time(slot, schedule.timezone)))
            after = slot + MINUTE
    except ValidationError as exc:
        raise invalid(exc, rename=lambda error: {"account": error.messages}) from None
    return SlotsOut(
        schedule=ScheduleOut(
            id=schedule.pk, name=schedule.name, timezone=schedule.timezone, is_paused=schedule.is_paused
        ),
        slots=slots,
    )
