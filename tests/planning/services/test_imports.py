"""CSV import: the dry run names every problem; the import is all-or-nothing and never imports a row twice."""

from __future__ import annotations

import csv
import io
import time as clock
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from planning.models import ImportedRow
from planning.models import QueueEntry
from planning.services.imports import ImportRefused
from planning.services.imports import import_check
from planning.services.imports import import_run
from social.models import Platform

from ...calendar_app.factories import make_account
from ..factories import every_day
from ..factories import make_asset
from ..factories import make_group
from ..factories import make_schedule

pytestmark = pytest.mark.django_db


def csv_text(header: list[str], *rows: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


HEADER = ["text", "accounts", "time", "timezone"]


@pytest.fixture
def accounts(x_account, linkedin_account, facebook_account):
    return x_account, linkedin_account, facebook_account


def test_import_check__a_good_file_plans_each_row_and_writes_nothing(author, accounts):
    text = csv_text(
        HEADER,
        ["Spring sale", "x:@brand_a; linkedin:Brand A", "2030-03-31 09:00", "Europe/Paris"],
        ["Summer sale", "X:@BRAND_A", "2030-07-01 09:00", "America/New_York"],
    )
    report = import_check(text=text, default_timezone="UTC")
    assert report.problems == []
    assert report.summary == "Checked 2 rows: 2 to import, 0 already imported, 0 with problems."
    assert [row.scheduled_at for row in report.new_rows] == [
        datetime(2030, 3, 31, 7, 0, tzinfo=UTC),
        datetime(2030, 7, 1, 13, 0, tzinfo=UTC),
    ]
    assert not ScheduledPost.objects.exists()


def test_import_check__names_each_bad_row_by_row_column_and_platform(author, accounts):
    text = csv_text(
        [*HEADER, "media_url"],
        ["Fine", "x:@brand_a", "2030-03-31 09:00", "Europe/Paris", ""],
        ["Who?", "x:@nobody", "2030-03-31 09:00", "Europe/Paris", ""],
        ["x" * 300, "x:@brand_a;linkedin:Brand A", "2030-03-31 10:00", "Europe/Paris", ""],
        ["When?", "x:@brand_a", "next tuesday", "Europe/Paris", ""],
        ["Where?", "x:@brand_a", "2030-03-31 09:00", "Mars/Olympus", ""],
        ["Skipped hour", "x:@brand_a", "2030-03-31 02:30", "Europe/Paris", ""],
        ["Old", "x:@brand_a", "2020-01-01 09:00", "UTC", ""],
        ["Bad media", "x:@brand_a", "2030-03-31 11:00", "UTC", "ftp://example.com/a.jpg"],
    )
    report = import_check(text=text, default_timezone="UTC")
    problems = {(problem.row, problem.column, problem.platform) for problem in report.problems}
    assert problems == {
        (3, "accounts", ""),
        (4, "", Platform.TWITTER),
        (5, "time", ""),
        (6, "timezone", ""),
        (7, "time", ""),
        (8, "time", ""),
        (9, "media_url", ""),
    }
    by_row = {problem.row: problem for problem in report.problems}
    assert by_row[3].message == "No X (Twitter) account is named '@nobody'."
    assert by_row[4].message.startswith("300 characters")
    assert str(by_row[4]).startswith("row 4: X (Twitter): 300 characters")
    assert "does not exist on 2030-03-31 in Europe/Paris" in by_row[7].message
    assert "in the past" in by_row[8].message
    assert [row.number for row in report.new_rows] == [2]


def test_import_check__file_problems(author, accounts, settings):
    assert import_check(text="", default_timezone="UTC").summary.endswith(
        "The file is empty: it needs a header row and rows."
    )
    [unknown] = import_check(
        text=csv_text(["text", "acounts", "time"]), default_timezone="UTC"
    ).file_problems[:1]
    assert unknown.message.startswith("Unknown column 'acounts'; the columns are key, text, accounts")
    missing = import_check(text=csv_text(["text", "acounts", "time"]), default_timezone="UTC").file_problems
    assert "The file has no 'accounts' column." in [problem.message for problem in missing]
    settings.PLANNING_IMPORT_MAX_ROWS = 2
    rows = [["t", "x:@brand_a", "2030-01-01 09:00", "UTC"]] * 3
    assert (
        "one import takes at most 2"
        in import_check(text=csv_text(HEADER, *rows), default_timezone="UTC").summary
    )


def test_import_check__semicolon_files_and_header_case_are_read(author, accounts):
    text = "Text;Accounts;Time\nHello;x:@brand_a;2030-01-01 09:00\n"
    report = import_check(text=text, default_timezone="Europe/Paris")
    assert report.problems == [] and report.new_rows[0].scheduled_at == datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def test_import_run__a_bad_row_imports_nothing_unless_the_person_skips_it(author, accounts):
    text = csv_text(
        HEADER,
        ["One", "x:@brand_a", "2030-03-31 09:00", "Europe/Paris"],
        ["Two", "x:@nobody", "2030-03-31 10:00", "Europe/Paris"],
        ["Three", "linkedin:Brand A", "2030-03-31 11:00", "Europe/Paris"],
    )
    with pytest.raises(ImportRefused, match="Nothing was imported: 1 rows have problems") as refused:
        import_run(text=text, default_timezone="UTC", created_by=author)
    assert [problem.row for problem in refused.value.report.problems] == [3]
    assert not ScheduledPost.objects.exists() and not ImportedRow.objects.exists()

    result = import_run(text=text, default_timezone="UTC", created_by=author, skip_bad_rows=True)
    assert result.summary == "Imported 2 posts (0 rows already imported, 1 rows with problems skipped)."
    assert list(ScheduledPost.objects.order_by("scheduled_at").values_list("content", "status")) == [
        ("One", PostStatus.SCHEDULED),
        ("Three", PostStatus.SCHEDULED),
    ]

    # Fixed, the whole file again: only the row that was missing is added.
    fixed = text.replace("x:@nobody", "x:@brand_a")
    result = import_run(text=fixed, default_timezone="UTC", created_by=author)
    assert len(result.created_post_ids) == 1 and len(result.report.existing_rows) == 2
    assert ScheduledPost.objects.count() == 3


def test_import_run__importing_the_same_file_twice_creates_nothing_new(author, accounts):
    text = csv_text(
        ["key", *HEADER],
        ["launch-1", "Launch", "x:@brand_a", "2030-03-31 09:00", "Europe/Paris"],
        ["", "Follow-up", "x:@brand_a", "2030-04-01 09:00", "Europe/Paris"],
    )
    first = import_run(text=text, default_timezone="UTC", created_by=author)
    second = import_run(text=text, default_timezone="UTC", created_by=author)
    assert len(first.created_post_ids) == 2 and second.created_post_ids == []
    assert second.summary == "Imported 0 posts (2 rows already imported, 0 rows with problems skipped)."
    assert ScheduledPost.objects.count() == 2
    assert set(ImportedRow.objects.values_list("key", flat=True)) >= {"launch-1"}
    # The same check as a dry run says so too.
    assert import_check(text=text, default_timezone="UTC").summary == (
        "Checked 2 rows: 0 to import, 2 already imported, 0 with problems."
    )


def test_import_check__the_same_row_twice_in_a_file_is_named(author, accounts):
    row = ["Twice", "x:@brand_a", "2030-03-31 09:00", "Europe/Paris"]
    report = import_check(text=csv_text(HEADER, row, row), default_timezone="UTC")
    [problem] = report.problems
    assert (problem.row, problem.message) == (
        3,
        "Row 2 is the same row; give the rows a key column to import both.",
    )


def test_import_run__queue_rows_take_the_next_free_slots_after_the_file_s_own_times(author, accounts):
    x_account, linkedin_account, _ = accounts
    make_schedule(
        group=make_group("Brand A", x_account, linkedin_account),
        zone="Europe/Paris",
        slots=every_day(time(9, 0)),
    )
    now = datetime(2030, 3, 29, 11, 0, tzinfo=UTC)
    text = csv_text(
        HEADER,
        ["Queued 1", "group:Brand A", "queue", ""],
        ["Fixed on Saturday 09:00", "x:@brand_a", "2030-03-30 09:00", "Europe/Paris"],
        ["Queued 2", "linkedin:Brand A", "QUEUE", ""],
    )
    result = import_run(text=text, default_timezone="Europe/Paris", created_by=author, now=now)
    times = dict(ScheduledPost.objects.values_list("content", "scheduled_at"))
    assert times == {
        "Queued 1": datetime(2030, 3, 31, 7, 0, tzinfo=UTC),  # Sunday 09:00 CEST: Saturday's is taken for X
        "Fixed on Saturday 09:00": datetime(2030, 3, 30, 8, 0, tzinfo=UTC),
        "Queued 2": datetime(2030, 3, 30, 8, 0, tzinfo=UTC),  # LinkedIn only: Saturday is free for it
    }
    assert QueueEntry.objects.count() == 2 and len(result.created_post_ids) == 3


def test_import_check__a_queue_row_without_a_schedule_is_named(author, accounts):
    report = import_check(text=csv_text(HEADER, ["Q", "x:@brand_a", "queue", ""]), default_timezone="UTC")
    [problem] = report.problems
    assert (problem.row, problem.column) == (2, "time") and "No posting schedule" in problem.message


def test_import_run__media_alt_text_and_per_platform_columns(author, accounts):
    youtube = make_account(author, platform=Platform.YOUTUBE, name="Brand TV")
    text = csv_text(
        [*HEADER, "media_url", "alt_text", "twitter_text", "youtube_title", "youtube_privacy_status"],
        [
            "The launch video",
            f"x:@brand_a; {youtube.pk}",
            "2030-03-31 09:00",
            "UTC",
            "https://cdn.example.com/launch.mp4",
            "Our team on stage",
            "Launch video, short for X",
            "Launch",
            "unlisted",
        ],
    )
    import_run(text=text, default_timezone="UTC", created_by=author)
    post = ScheduledPost.objects.get()
    assert post.metadata == {
        "media": [
            {"url": "https://cdn.example.com/launch.mp4", "type": "video", "alt_text": "Our team on stage"}
        ],
        "platforms": {
            "TWITTER": {"content": "Launch video, short for X"},
            "YOUTUBE": {"title": "Launch", "privacy_status": "unlisted"},
        },
    }


def may_use_the_library(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_mediaasset"))


def test_import_run__a_media_asset_column_gives_the_post_that_library_asset(author, accounts):
    may_use_the_library(author)
    photo = make_asset(author, alt_text="The team, from the library")
    text = csv_text(
        [*HEADER, "media_asset"], ["Meet the team", "x:@brand_a", "2030-03-31 09:00", "UTC", str(photo.pk)]
    )
    import_run(text=text, default_timezone="UTC", created_by=author)
    post = ScheduledPost.objects.get()
    assert post.metadata["media"] == [
        {"asset": photo.pk, "type": "image", "alt_text": "The team, from the library"}
    ]


def test_import_run__a_media_asset_that_does_not_exist_is_a_row_error(author, accounts):
    text = csv_text(
        [*HEADER, "media_asset"], ["Meet the team", "x:@brand_a", "2030-03-31 09:00", "UTC", "999999"]
    )
    with pytest.raises(ImportRefused) as refused:
        import_run(text=text, default_timezone="UTC", created_by=author)
    assert [(problem.row, problem.column) for problem in refused.value.report.problems] == [
        (2, "media_asset")
    ]
    assert "No media asset has the id '999999'" in refused.value.report.problems[0].message
    assert not ScheduledPost.objects.exists()


def test_import__names_only_what_the_author_may_use(author, accounts, django_user_model):
    # Another author's account, and library media for someone the library is closed to, are unknown to
    # their file: in the dry run as in the import, whoever runs it (the admin page, the command's --user).
    someone = django_user_model.objects.create_user(username="someone", password="pw-someone-1")
    own = make_account(someone, platform=Platform.TWITTER, name="@someone")
    photo = make_asset(author)
    text = csv_text(
        [*HEADER, "media_asset"],
        ["Theirs", "x:@brand_a", "2030-03-31 09:00", "UTC", ""],
        ["Mine, their photo", f"x:{own.name}", "2030-03-31 10:00", "UTC", str(photo.pk)],
        ["Mine", f"x:{own.name}", "2030-03-31 11:00", "UTC", ""],
    )

    report = import_check(text=text, default_timezone="UTC", author=someone)
    assert [(problem.row, problem.column) for problem in report.problems] == [
        (2, "accounts"),
        (3, "media_asset"),
    ]
    as_author = import_check(text=text, default_timezone="UTC", author=author)
    assert {(problem.row, problem.column) for problem in as_author.problems} == {
        (3, "accounts"),
        (3, "media_asset"),
        (4, "accounts"),
    }

    result = import_run(text=text, default_timezone="UTC", created_by=someone, skip_bad_rows=True)
    [post] = ScheduledPost.objects.filter(pk__in=result.created_post_ids)
    assert post.content == "Mine" and [a.pk for a in post.accounts.all()] == [own.pk]


def test_import_check__youtube_without_a_title_names_the_platform(author, accounts):
    youtube = make_account(author, platform=Platform.YOUTUBE, name="Brand TV")
    text = csv_text(
        [*HEADER, "media_url"],
        ["Video", f"youtube:{youtube.name}", "2030-03-31 09:00", "UTC", "https://cdn.example.com/v.mp4"],
    )
    [problem] = import_check(text=text, default_timezone="UTC").problems
    assert (problem.platform, problem.column) == (Platform.YOUTUBE, "")
    assert "title" in problem.message


def thousand_rows(count: int, accounts_cell: str) -> str:
    start = datetime(2030, 1, 1, 9, 0)
    rows = [
        [f"Post number {n}", accounts_cell, f"{start + timedelta(hours=n):%Y-%m-%d %H:%M}", "Europe/Paris"]
        for n in range(count)
    ]
    return csv_text(HEADER, *rows)


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_import_check__1000_rows_the_queries_do_not_grow_with_rows_or_accounts(author, accounts):
    three = "x:@brand_a; linkedin:Brand A; facebook:Brand A Page"
    small = count_queries(lambda: import_check(text=thousand_rows(10, "x:@brand_a"), default_timezone="UTC"))
    started = clock.perf_counter()
    report = import_check(text=thousand_rows(1000, three), default_timezone="UTC")
    elapsed = clock.perf_counter() - started
    assert len(report.new_rows) == 1000 and report.problems == []
    large = count_queries(lambda: import_check(text=thousand_rows(1000, three), default_timezone="UTC"))
    assert large == small <= 6
    print(f"dry run of 1000 rows x 3 accounts: {elapsed:.2f} s, {large} queries")  # figures, not a timed test


def test_import_run__1000_rows_in_queries_per_row_that_do_not_grow_with_accounts(author, accounts):
    author.has_perm("calendar_app.add_scheduledpost")  # the author's permissions, read once per user object
    one = count_queries(
        lambda: import_run(text=thousand_rows(20, "x:@brand_a"), default_timezone="UTC", created_by=author)
    )
    ScheduledPost.objects.all().delete()
    three = count_queries(
        lambda: import_run(
            text=thousand_rows(20, "x:@brand_a; linkedin:Brand A; facebook:Brand A Page"),
            default_timezone="UTC",
            created_by=author,
        )
    )
    assert one == three
    ScheduledPost.objects.all().delete()
    result = import_run(
        text=thousand_rows(1000, "x:@brand_a; linkedin:Brand A; facebook:Brand A Page"),
        default_timezone="UTC",
        created_by=author,
    )
    assert len(result.created_post_ids) == 1000
    assert ScheduledPost.objects.filter(post_accounts__isnull=False).distinct().count() == 1000


def test_import_check__the_readme_example_file_is_clean(author):
    """docs/examples/posts-import.csv, against the accounts it names."""
    x = make_account(author, platform=Platform.TWITTER, name="@acme")
    linkedin = make_account(
        author, platform=Platform.LINKEDIN, name="Acme Inc.", extra={"author_urn": "urn:li:organization:1"}
    )
    make_account(author, platform=Platform.YOUTUBE, name="Acme TV")
    make_account(author, platform=Platform.FACEBOOK, name="Acme Coffee")
    make_schedule(group=make_group("Acme", x, linkedin), zone="Europe/Paris", slots=every_day(time(9, 0)))
    text = (Path(__file__).resolve().parents[3] / "docs" / "examples" / "posts-import.csv").read_text()
    report = import_check(text=text, default_timezone="UTC", now=datetime(2030, 3, 1, tzinfo=UTC))
    assert report.problems == []
    assert [(row.row.key, row.row.status, row.row.is_queue) for row in report.new_rows] == [
        ("spring-01", PostStatus.SCHEDULED, False),
        ("spring-02", PostStatus.SCHEDULED, True),
        ("spring-03", PostStatus.SCHEDULED, False),
        ("spring-04", PostStatus.DRAFT, False),
    ]
