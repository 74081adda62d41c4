"""Export of posts with their results, one row per post and account."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from datetime import datetime

import pytest

from calendar_app.models import AccountStatus
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPostAccount
from planning.services.exports import EXPORT_COLUMNS
from planning.services.exports import posts_export_csv

from ...calendar_app.factories import make_post

pytestmark = pytest.mark.django_db


def exported(**filters) -> list[dict[str, str]]:
    out = io.StringIO()
    count = posts_export_csv(out=out, **filters)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(rows)
    return rows


def test_posts_export_csv__each_account_s_status_link_and_error(author, x_account, linkedin_account):
    post = make_post(
        author,
        accounts={x_account: AccountStatus.PUBLISHED, linkedin_account: AccountStatus.FAILED},
        status=PostStatus.PARTIALLY_PUBLISHED,
        scheduled_at=datetime(2030, 3, 31, 7, 0, tzinfo=UTC),
        tz="Europe/Paris",
        content="Spring sale",
    )
    ScheduledPostAccount.objects.filter(post=post, account=x_account).update(
        platform_post_id="1790000000000000001",
        platform_post_url="https://x.com/brand_a/status/1790000000000000001",
        published_at=datetime(2030, 3, 31, 7, 0, 2, tzinfo=UTC),
    )
    ScheduledPostAccount.objects.filter(post=post, account=linkedin_account).update(
        error_kind=ErrorKind.INVALID, error_message="Organization permissions must be used"
    )
    rows = exported()
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [
        (
            row["time"],
            row["timezone"],
            row["post_status"],
            row["account"],
            row["account_status"],
            row["link"],
            row["error"],
        )
        for row in rows
    ] == [
        (
            "2030-03-31 09:00",
            "Europe/Paris",
            "PARTIALLY_PUBLISHED",
            "twitter:@brand_a",
            "PUBLISHED",
            "https://x.com/brand_a/status/1790000000000000001",
            "",
        ),
        (
            "2030-03-31 09:00",
            "Europe/Paris",
            "PARTIALLY_PUBLISHED",
            "linkedin:Brand A",
            "FAILED",
            "",
            "Organization permissions must be used",
        ),
    ]
    assert rows[0]["published_at"] == "2030-03-31T07:00:02+00:00"


def test_posts_export_csv__filters_by_time_and_status_and_neutralizes_formulas(author, x_account):
    make_post(
        author, accounts=[x_account], scheduled_at=datetime(2030, 1, 1, tzinfo=UTC), content="=HYPERLINK(1)"
    )
    make_post(
        author, accounts=[x_account], scheduled_at=datetime(2030, 2, 1, tzinfo=UTC), status=PostStatus.DRAFT
    )
    rows = exported(start=datetime(2029, 12, 1, tzinfo=UTC), end=datetime(2030, 1, 15, tzinfo=UTC))
    assert [row["text"] for row in rows] == ["'=HYPERLINK(1)"]
    assert [row["post_status"] for row in exported(statuses=[PostStatus.DRAFT])] == ["DRAFT"]


def test_posts_export_csv__queries_do_not_grow_with_posts(
    author, x_account, linkedin_account, django_assert_max_num_queries
):
    for _ in range(30):
        make_post(author, accounts=[x_account, linkedin_account])
    with django_assert_max_num_queries(3):
        assert len(exported()) == 60
