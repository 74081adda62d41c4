"""Rows for the planning tests: schedules with slots, posts made through the post services, library assets."""

from __future__ import annotations

import itertools
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import PostInput
from calendar_app.services.posts import post_create
from media_library.models import MediaAsset
from media_library.models import MediaKind
from planning.models import AccountGroup
from planning.models import PostingSchedule
from planning.models import PostingSlot
from social.models import SocialAccount


def make_schedule(
    *,
    account: SocialAccount | None = None,
    group: AccountGroup | None = None,
    zone: str = "Europe/Paris",
    slots: list[tuple[int, time]] = (),
    name: str = "",
    is_paused: bool = False,
) -> PostingSchedule:
    schedule = PostingSchedule.objects.create(
        name=name or (account.name if account else group.name),
        account=account,
        group=group,
        timezone=zone,
        is_paused=is_paused,
    )
    PostingSlot.objects.bulk_create(
        PostingSlot(schedule=schedule, weekday=weekday, time=clock) for weekday, clock in slots
    )
    return schedule


def make_group(name: str, *accounts: SocialAccount) -> AccountGroup:
    group = AccountGroup.objects.create(name=name)
    group.accounts.set(accounts)
    return group


def every_day(*clocks: time) -> list[tuple[int, time]]:
    return [(weekday, clock) for weekday in range(7) for clock in clocks]


def write_post(
    author,
    *accounts: SocialAccount,
    text: str = "Hello from the queue",
    at: datetime | None = None,
    zone: str = "Europe/Paris",
    status: str = PostStatus.DRAFT,
) -> ScheduledPost:
    """A post as the post form saves it; ``at`` is an aware instant (default: a far-away draft time)."""
    at = at or datetime(2031, 1, 1, 12, 0, tzinfo=ZoneInfo(zone))
    return post_create(
        created_by=author,
        data=PostInput(
            content=text,
            account_ids=tuple(account.pk for account in accounts),
            timezone_name=zone,
            local_time=at.astimezone(ZoneInfo(zone)).replace(tzinfo=None),
            status=status,
        ),
    )


_checksums = itertools.count(1)


def make_asset(owner, kind: str = MediaKind.IMAGE, alt_text: str = "") -> MediaAsset:
    return MediaAsset.objects.create(
        owner=owner,
        file=f"media/{kind}.bin",
        original_name=f"{kind}.bin",
        kind=kind,
        mime_type="image/png" if kind == MediaKind.IMAGE else "video/mp4",
        size=1234,
        checksum=f"{next(_checksums):064x}",
        alt_text=alt_text,
    )
