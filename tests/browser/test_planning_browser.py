"""The planning pages in a real browser: a CSV import with two bad rows, and a schedule's queue."""

from __future__ import annotations

import re
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from planning.services.queue import queue_add
from planning.services.recurrence import SeriesInput
from planning.services.recurrence import series_create
from social.models import Platform

from ..calendar_app.factories import make_account
from ..planning.factories import every_day
from ..planning.factories import make_schedule
from ..planning.factories import write_post
from .conftest import log_in
from .conftest import make_superuser
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTH_CSV = (
    "text,accounts,time,timezone\n"
    "Monday tip,x:@acme,2030-04-01 09:00,Europe/Paris\n"
    "Who is this,x:@acme_typo,2030-04-02 09:00,Europe/Paris\n"
    "Wednesday tip,x:@acme; linkedin:Acme Inc.,2030-04-03 09:00,Europe/Paris\n"
    "A time that is not one,x:@acme,April 4th,Europe/Paris\n"
)


@pytest.fixture
def planner(django_user_model):
    return make_superuser(django_user_model, "planner")


def check_import_file(page: Page, path: Path, text: str, *, rows: int, good: int, bad: int) -> Locator:
    """The planner uploads the CSV ``text`` and checks it: the summary counts the rows, ``bad`` of them are
    listed as problems (returned), and none was imported before."""
    path.write_text(text)
    log_in(page, "planner")
    page.goto("/admin/planning/postimport/add/")
    page.set_input_files("#id_file", str(path))
    page.click("text=Check the file")
    expect(page.locator("#import-summary")).to_have_text(
        f"Checked {rows} rows: {good} to import, 0 already imported, {bad} with problems."
    )
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(bad)
    return problems


def test_import_a_csv_with_two_bad_rows__see_them_named__import_the_good_ones(page: Page, planner, tmp_path):
    make_account(planner, platform=Platform.TWITTER, name="@acme")
    make_account(
        planner, platform=Platform.LINKEDIN, name="Acme Inc.", extra={"author_urn": "urn:li:organization:1"}
    )
    problems = check_import_file(page, tmp_path / "april.csv", MONTH_CSV, rows=4, good=2, bad=2)
    expect(problems.nth(0)).to_contain_text("3")
    expect(problems.nth(0)).to_contain_text("accounts")
    expect(problems.nth(0)).to_contain_text("No X (Twitter) account is named '@acme_typo'.")
    expect(problems.nth(1)).to_contain_text("5")
    expect(problems.nth(1)).to_contain_text("'April 4th' is not a time")
    expect(page.locator("#import-rows tbody tr")).to_have_count(2)
    screenshot(page, "planning-01-import-report.png")
    assert not ScheduledPost.objects.exists()

    # Importing without choosing to skip the bad rows imports nothing.
    page.click("#import-run-form input[type=submit]")
    expect(page.locator("ul.messagelist")).to_contain_text("Nothing was imported: 2 rows have problems")
    assert not ScheduledPost.objects.exists()

    page.check("#id_skip_bad_rows")
    page.click("#import-run-form input[type=submit]")
    expect(page.locator("ul.messagelist")).to_contain_text(
        "Imported 2 posts (0 rows already imported, 2 rows with problems skipped)."
    )
    assert sorted(ScheduledPost.objects.values_list("content", flat=True)) == ["Monday tip", "Wednesday tip"]


def test_a_schedule_s_queue__move_a_post_up(page: Page, planner):
    account = make_account(planner, platform=Platform.TWITTER, name="@acme")
    schedule = make_schedule(account=account, zone="Europe/Paris", slots=every_day(time(9, 0), time(17, 0)))
    posts = [write_post(planner, account, text=f"Queued post {n}") for n in (1, 2, 3)]
    for post in posts:
        queue_add(post_id=post.pk)

    log_in(page, "planner")
    page.goto(f"/admin/planning/postingschedule/{schedule.pk}/change/")
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("Queued post 3")
    rows.nth(2).locator("button[title='Move up']").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"Post {posts[2].pk} moved up.")
    expect(page.locator("#queue tbody tr").nth(1)).to_contain_text("Queued post 3")
    expect(page.locator("#upcoming-slots li").first).to_contain_text("taken")
    screenshot(page, "planning-02-queue.png")
    assert {post.status for post in ScheduledPost.objects.all()} == {PostStatus.SCHEDULED}


def test_a_recurring_series__skip_one_occurrence_from_its_page(page: Page, planner):
    account = make_account(planner, platform=Platform.TWITTER, name="@acme")
    series = series_create(
        created_by=planner,
        data=SeriesInput(
            name="Daily tips",
            content="Tip {n}",
            account_ids=(account.pk,),
            timezone_name="Europe/Paris",
            starts_on=timezone.localdate() + timedelta(days=1),
            time=time(9, 0),
            rule="FREQ=DAILY",
            count=3,
        ),
    )
    log_in(page, "planner")
    page.goto(f"/admin/planning/recurringseries/{series.pk}/change/")
    expect(page.locator("button.skip-occurrence")).to_have_count(3)
    page.locator("button.skip-occurrence").nth(1).click()
    expect(page.locator("ul.messagelist")).to_contain_text("Occurrence #2 skipped: its post is cancelled.")
    expect(page.locator("button.skip-occurrence")).to_have_count(2)
    screenshot(page, "planning-03-series.png")
    assert ScheduledPost.objects.get(content="Tip 2").status == PostStatus.CANCELLED


def test_import_a_csv_whose_bad_rows_are_a_platform_s_limit_and_a_missing_asset__see_each_named(
    page: Page, planner, tmp_path
):
    make_account(planner, platform=Platform.TWITTER, name="@acme")
    links = " ".join(["https://example.com/spring/collection/2030"] * 13)  # 13 x 23 + 12 = 311 on X
    may_csv = (
        "text,accounts,time,timezone,media_asset\n"
        "A good one,x:@acme,2030-05-01 09:00,Europe/Paris,\n"
        f"{links},x:@acme,2030-05-02 09:00,Europe/Paris,\n"
        "With a photo,x:@acme,2030-05-03 09:00,Europe/Paris,424242\n"
    )
    problems = check_import_file(page, tmp_path / "may.csv", may_csv, rows=3, good=1, bad=2)
    expect(problems.nth(0).locator("td")).to_have_text(
        ["3", "", "X (Twitter)", re.compile(r"^311 characters as X counts them \(links 23")]
    )
    expect(problems.nth(1).locator("td")).to_have_text(
        [
            "4",
            "media_asset",
            "",
            "No media asset has the id '424242': write the ids shown in the media library, separated by spaces.",
        ]
    )
    screenshot(page, "planning-04-import-platform-and-asset.png")
    assert not ScheduledPost.objects.exists()
