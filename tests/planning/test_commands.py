"""The planning commands: one summary line, one-line errors."""

from __future__ import annotations

from datetime import time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from planning.services.recurrence import SeriesInput, series_create

pytestmark = pytest.mark.django_db


def test_create_recurring_posts__prints_what_it_made_and_is_idempotent(author, x_account, settings):
    settings.PLANNING_RECURRENCE_WINDOW_DAYS = 3
    start = timezone.localdate() + timedelta(days=1)
    series_create(
        created_by=author,
        data=SeriesInput(
            name="Daily",
            content="Day {n}",
            account_ids=(x_account.pk,),
            timezone_name="UTC",
            starts_on=start,
            time=time(12, 0),
            rule="FREQ=DAILY",
            ends_on=start + timedelta(days=30),
        ),
        now=timezone.now() - timedelta(days=2),  # made two days ago: its window reaches tomorrow only
    )
    out = StringIO()
    call_command("create_recurring_posts", stdout=out)
    assert (
        out.getvalue().strip() == "Recurring posts: 2 created (0 as drafts needing attention) from 1 series"
    )
    out = StringIO()
    call_command("create_recurring_posts", stdout=out)
    assert (
        out.getvalue().strip() == "Recurring posts: 0 created (0 as drafts needing attention) from 0 series"
    )
