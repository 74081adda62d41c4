"""The admin in a real browser: schedule a post, publish it, review its history, see the calendar."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import responses as responses_lib
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page
from playwright.sync_api import expect

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from social.models import Platform

from ..calendar_app.factories import add_attempt
from ..calendar_app.factories import make_account
from ..calendar_app.factories import make_post
from .conftest import BROWSER_TIMEZONE
from .conftest import log_in
from .conftest import make_superuser
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOO_LONG_FOR_X = (
    "We are launching the new scheduler today: write a post once, pick your accounts and a time, and it goes "
    "out everywhere at once. Every result is recorded, failures are retried, and nothing is ever posted twice. "
    "Join the launch stream at noon, bring your questions, and tell us what to build next for your team!!"
)


@pytest.fixture
def editor(django_user_model):
    return make_superuser(django_user_model, "editor")


def test_schedule_a_post_to_two_accounts__fix_the_x_error__see_it_in_list_page_and_calendar(
    page: Page, editor, fake_clients
):
    assert len(TOO_LONG_FOR_X) > 280
    make_account(editor, platform=Platform.TWITTER, name="@acme")
    make_account(editor, platform=Platform.FACEBOOK, name="Acme Page")

    log_in(page, "editor")
    page.goto("/admin/calendar_app/scheduledpost/add/")
    # The form starts in the browser's time zone.
    expect(page.locator("#id_timezone")).to_have_value(BROWSER_TIMEZONE)

    page.fill("#id_content", TOO_LONG_FOR_X)
    page.get_by_label("@acme").check()
    page.get_by_label("Acme Page").check()
    page.fill("#id_scheduled_local", "2030-07-01T09:30")
    page.click("input[name=_save]")

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator("ul.errorlist.nonfield")).to_have_text(
        f"X: {len(TOO_LONG_FOR_X)} characters, the limit is 280"
    )
    expect(page.locator("#id_content")).to_have_value(TOO_LONG_FOR_X)
    screenshot(page, "01-too-long-for-x.png")
    assert not ScheduledPost.objects.exists()

    page.get_by_text("Per platform").click()
    page.fill("#id_twitter_content", "The new scheduler is live: write once, post everywhere.")
    page.click("input[name=_save]")

    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Scheduled")
    expect(row).to_contain_text("2030-07-01 09:30 EDT")
    expect(row.locator(".platform-badge")).to_have_text(["FB", "X"])
    screenshot(page, "02-post-list.png")

    post = ScheduledPost.objects.get()
    assert (post.scheduled_at, post.timezone, post.status) == (
        datetime(2030, 7, 1, 13, 30, tzinfo=UTC),
        BROWSER_TIMEZONE,
        PostStatus.SCHEDULED,
    )
    assert post.metadata == {
        "platforms": {"TWITTER": {"content": "The new scheduler is live: write once, post everywhere."}}
    }

    row.locator("th a").click()
    expect(page.locator(".post-summary")).to_contain_text("Scheduled for 2030-07-01 09:30 EDT")
    expect(page.locator(".post-accounts-table tbody tr")).to_have_count(2)
    expect(page.locator(".post-accounts-table")).to_contain_text("X (Twitter): @acme")
    expect(page.locator(".post-actions button")).to_have_text(
        ["Publish now", "Add to queue", "Cancel", "Duplicate as a new draft"]
    )
    screenshot(page, "03-scheduled-post-page.png")

    page.get_by_role("link", name="Calendar").click()
    page.goto("/admin/calendar_app/scheduledpost/calendar/?month=2030-07")
    expect(page.locator(".calendar-zone")).to_have_text(f"Times in {BROWSER_TIMEZONE}")
    entry = page.locator('td[data-date="2030-07-01"] a.calendar-entry')
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("09:30")
    expect(entry).to_have_class(re.compile(r"status-scheduled"))
    screenshot(page, "04-calendar-scheduled.png")
    entry.click()
    expect(page).to_have_url(re.compile(rf"/admin/calendar_app/scheduledpost/{post.pk}/change/$"))


def seed_history(editor) -> tuple[ScheduledPost, dict]:
    """A post as the publisher leaves it after a rough run: one account published, one failed after a retry,
    one whose outcome could not be told. And a month of other posts for the calendar."""
    x = make_account(editor, platform=Platform.TWITTER, name="@acme")
    facebook = make_account(editor, platform=Platform.FACEBOOK, name="Acme Page")
    linkedin = make_account(editor, platform=Platform.LINKEDIN, name="Acme Inc.")
    instagram = make_account(editor, platform=Platform.INSTAGRAM, name="acme.photos")
    now = timezone.now().replace(second=0, microsecond=0)
    started = now - timedelta(hours=2)
    post = make_post(
        editor,
        content="Spring collection is here: 20% off everything this week only. Link in bio!",
        accounts={
            x: AccountStatus.PUBLISHED,
            facebook: AccountStatus.FAILED,
            linkedin: AccountStatus.NEEDS_REVIEW,
        },
        status=PostStatus.PARTIALLY_PUBLISHED,
        scheduled_at=started,
        tz="Europe/Paris",
        retry_count=1,
        published_at=started + timedelta(seconds=2),
    )
    rows = {row.account.platform: row for row in post.post_accounts.select_related("account")}
    for platform, values in {
        Platform.TWITTER: {
            "platform_post_id": "1790000000000000001",
            "platform_post_url": "https://x.com/acme/status/1790000000000000001",
            "published_at": started + timedelta(seconds=2),
            "attempt_count": 1,
        },
        Platform.FACEBOOK: {
            "error_kind": "AUTH",
            "error_message": "Error validating access token: the session has been invalidated (code 190)",
            "attempt_count": 2,
        },
        Platform.LINKEDIN: {
            "error_kind": "UNKNOWN",
            "error_message": "Read timed out after 30 s; LinkedIn could not confirm either way",
            "attempt_count": 1,
        },
    }.items():
        for name, value in values.items():
            setattr(rows[platform], name, value)
        rows[platform].save()
    add_attempt(rows[Platform.TWITTER], started_at=started, outcome=AttemptOutcome.PUBLISHED, http_status=201)
    add_attempt(
        rows[Platform.FACEBOOK],
        started_at=started,
        error_kind="TRANSIENT",
        http_status=503,
        error_message="Service Unavailable",
    )
    add_attempt(
        rows[Platform.LINKEDIN],
        started_at=started,
        seconds=30,
        error_kind="UNKNOWN",
        error_message="Read timed out (30 s)",
    )
    add_attempt(
        rows[Platform.LINKEDIN],
        started_at=started + timedelta(minutes=1),
        action=AttemptAction.RECONCILE,
        outcome=AttemptOutcome.CANNOT_TELL,
        error_message="No DUPLICATE_POST answer to compare",
    )
    add_attempt(
        rows[Platform.FACEBOOK],
        started_at=started + timedelta(minutes=2),
        error_kind="AUTH",
        http_status=401,
        error_message="Error validating access token: the session has been invalidated (code 190)",
    )

    # The rest of this month, in every state, for the calendar.
    first = timezone.localdate(now, timezone.get_fixed_timezone(0)).replace(day=1)
    for day, hour, status, content, accounts in [
        (
            2,
            9,
            PostStatus.PUBLISHED,
            "Monday motivation",
            {x: AccountStatus.PUBLISHED, instagram: AccountStatus.PUBLISHED},
        ),
        (5, 14, PostStatus.FAILED, "Webinar reminder", {facebook: AccountStatus.FAILED}),
        (9, 12, PostStatus.PUBLISHED, "Behind the scenes", {instagram: AccountStatus.PUBLISHED}),
        (12, 16, PostStatus.CANCELLED, "Old promo", [x]),
        (16, 10, PostStatus.SCHEDULED, "Customer story", [linkedin, x]),
        (16, 18, PostStatus.DRAFT, "Draft: product teaser", [instagram]),
        (21, 8, PostStatus.SCHEDULED, "Weekly digest", [x, facebook, linkedin]),
        (24, 13, PostStatus.SCHEDULED, "Team spotlight", [linkedin]),
        (27, 17, PostStatus.DRAFT, "Month recap", [x, facebook]),
    ]:
        make_post(
            editor,
            content=content,
            accounts=accounts,
            status=status,
            scheduled_at=datetime(first.year, first.month, day, hour, 0, tzinfo=UTC),
        )
    return post, rows


def test_post_history__review_an_unknown_outcome__retry_the_failed_account__and_the_calendar(
    page: Page, editor
):
    post, rows = seed_history(editor)
    log_in(page, "editor")
    page.goto(f"/admin/calendar_app/scheduledpost/{post.pk}/change/")

    expect(page.locator(".post-summary .status-badge")).to_have_text("Partially published")
    expect(page.locator(".post-accounts-table a[target=_blank]")).to_have_attribute(
        "href", "https://x.com/acme/status/1790000000000000001"
    )
    history = page.locator(".post-attempts-table tbody tr")
    expect(history).to_have_count(5)
    expect(history.nth(4)).to_contain_text("Authentication")
    expect(history.nth(4)).to_contain_text("401")
    # History in the author's zone (Paris); the first page after logging in already knows the browser's.
    expect(history.first).to_contain_text(re.compile(r"CES?T"))
    expect(page.locator(".field-scheduled_for_viewer .readonly")).to_have_text(re.compile(r" E[SD]T$"))
    expect(page.locator(".post-actions button")).to_have_text(
        ["Retry failed accounts", "Duplicate as a new draft"]
    )
    screenshot(page, "post-page.png")

    page.get_by_role("link", name="Review…").click()
    page.fill("#id_mark-platform_post_id", "urn:li:share:7190000000000000001")
    page.fill(
        "#id_mark-platform_post_url", "https://www.linkedin.com/feed/update/urn:li:share:7190000000000000001/"
    )
    page.click("input[name=mark_published]")
    expect(page.locator("ul.messagelist")).to_contain_text("Acme Inc.: marked as published")
    expect(page.locator(".account-row.account-published")).to_have_count(2)

    page.get_by_role("button", name="Retry failed accounts").click()
    expect(page.locator("ul.messagelist")).to_contain_text(
        "1 failed account(s) will be retried by the next publisher run."
    )
    expect(page.locator(".post-summary .status-badge")).to_have_text("Scheduled")
    rows[Platform.FACEBOOK].refresh_from_db()
    assert rows[Platform.FACEBOOK].status == AccountStatus.PENDING

    page.goto("/admin/calendar_app/scheduledpost/calendar/")
    expect(page.locator("a.calendar-entry")).to_have_count(10)
    expect(page.locator("a.calendar-entry.status-failed")).to_have_count(1)
    expect(page.locator("a.calendar-entry.status-draft")).to_have_count(2)
    screenshot(page, "calendar.png")

    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.locator("table.calendar-week")).to_be_visible()
    expect(page.locator("td.calendar-day.today")).to_have_count(1)  # the week of today
    page.get_by_role("link", name=re.compile(r"^Next week")).click()
    expect(page).to_have_url(re.compile(r"\?week=\d{4}-W\d{2}$"))


def test_schedule__fix_the_x_error__publish__see_history_and_calendar(page: Page, editor):
    """The issue's whole scenario on the real stack: real X and LinkedIn clients, the real publisher
    command, the platforms answering at the wire."""
    make_account(editor, platform=Platform.TWITTER, name="@acme", extra={"username": "acme"})
    make_account(
        editor, platform=Platform.LINKEDIN, name="Acme Inc.", extra={"author_urn": "urn:li:organization:42"}
    )
    fixed_text = "The new scheduler is live: write once, post everywhere."

    log_in(page, "editor")
    page.goto("/admin/calendar_app/scheduledpost/add/")
    page.fill("#id_content", TOO_LONG_FOR_X)
    page.get_by_label("@acme").check()
    page.get_by_label("Acme Inc.").check()
    page.get_by_label("Publish now").check()
    page.click("input[name=_save]")
    # The real X client counts the text the way X does and names the platform.
    expect(page.locator("ul.errorlist.nonfield")).to_have_text(
        re.compile(rf"^X: {len(TOO_LONG_FOR_X)} characters .*the limit is 280 \(25,000 if .*X Premium.*\)$")
    )
    assert not ScheduledPost.objects.exists()

    page.get_by_text("Per platform").click()
    page.fill("#id_twitter_content", fixed_text)
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")
    post = ScheduledPost.objects.get()
    assert post.status == PostStatus.SCHEDULED

    with responses_lib.RequestsMock() as platforms:
        tweet = platforms.post(
            "https://api.x.com/2/tweets",
            status=201,
            json={"data": {"id": "1861000000000000001", "text": fixed_text}},
            match=[responses_lib.matchers.json_params_matcher({"text": fixed_text})],
        )
        share = platforms.post(
            "https://api.linkedin.com/rest/posts",
            status=201,
            body="",
            headers={"x-restli-id": "urn:li:share:7261000000000000001"},
        )
        out = io.StringIO()
        call_command("publish_due_posts", stdout=out)
        assert (
            out.getvalue().strip()
            == "Processed 1 posts: 1 succeeded, 0 partial, 0 failed, 0 retrying, 0 needs review"
        )
        assert (tweet.call_count, share.call_count) == (1, 1)
        assert json.loads(share.calls[0].request.body)["commentary"].startswith("We are launching the new")

    page.goto(f"/admin/calendar_app/scheduledpost/{post.pk}/change/")
    expect(page.locator(".post-summary .status-badge")).to_have_text("Published")
    links = page.locator(".post-accounts-table a[target=_blank]")
    expect(links).to_have_count(2)
    expect(page.locator(".post-accounts-table")).to_contain_text("1861000000000000001")
    history = page.locator(".post-attempts-table tbody tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Published")
    screenshot(page, "05-published-post-page.png")

    page.get_by_role("link", name="Calendar").click()
    entry = page.locator(f'a.calendar-entry[href$="/scheduledpost/{post.pk}/change/"]')
    expect(entry).to_have_count(1)
    expect(entry).to_have_class(re.compile(r"status-published"))
    screenshot(page, "06-calendar-published.png")
