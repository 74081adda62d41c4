"""The post form's composer and queue, and the calendar's drag, in a real browser with the real clients."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from playwright.sync_api import expect

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from planning.models import QueueEntry
from social.models import Platform

from ..calendar_app.factories import make_account
from ..calendar_app.factories import make_post
from ..planning.factories import every_day
from ..planning.factories import make_schedule
from .conftest import BROWSER_TIMEZONE
from .conftest import log_in
from .conftest import make_superuser
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = ZoneInfo("Europe/Paris")
VIEWER = ZoneInfo(BROWSER_TIMEZONE)
LINK = "https://example.com/spring/collection/2030"
RED = "rgb(185, 28, 28)"


@pytest.fixture
def author(django_user_model):
    return make_superuser(django_user_model, "composer")


def next_slots_at_nine_in_paris(count: int) -> list[datetime]:
    now, found = timezone.now(), []
    day = now.astimezone(PARIS).date()
    while len(found) < count:
        slot = datetime.combine(day, time(9, 0), tzinfo=PARIS)
        if slot > now:
            found.append(slot)
        day += timedelta(days=1)
    return found


def test_add_three_posts_to_the_queue__see_them_in_the_next_three_slots_on_the_calendar(page: Page, author):
    account = make_account(author, platform=Platform.TWITTER, name="@acme")
    make_schedule(account=account, zone="Europe/Paris", slots=every_day(time(9, 0)), name="Acme")
    slots = next_slots_at_nine_in_paris(3)
    log_in(page, "composer")

    for number, slot in enumerate(slots, start=1):
        page.goto("/admin/calendar_app/scheduledpost/add/")
        page.fill("#id_content", f"Queued tip {number}")
        page.get_by_label("@acme").check()
        page.select_option("#id_timezone", "Europe/Paris")
        expect(page.locator("#queue-slot-hint")).to_have_text(
            f"Next free slot: {slot:%Y-%m-%d %H:%M %Z} (Acme)"
        )
        if number == 1:
            screenshot(page, "composer-01-queue-hint.png")
        page.click("input[name=_queue]")
        expect(page.locator("ul.messagelist")).to_contain_text(
            f"added to the queue of Acme, at {slot:%Y-%m-%d %H:%M %Z}."
        )

    assert QueueEntry.objects.count() == 3
    for number, slot in enumerate(slots, start=1):
        shown = slot.astimezone(VIEWER)
        page.goto(f"/admin/calendar_app/scheduledpost/calendar/?month={shown:%Y-%m}")
        item = page.locator(
            f'td[data-date="{shown:%Y-%m-%d}"] .calendar-item', has_text=f"Queued tip {number}"
        )
        expect(item).to_have_count(1)
        expect(item.locator(".calendar-time")).to_have_text(f"{shown:%H:%M}")
        expect(item.locator(".calendar-queued")).to_have_text("Acme")
    screenshot(page, "composer-02-queue-on-calendar.png")


def test_composer__the_x_counter_turns_red_at_the_limit_for_a_text_full_of_links(page: Page, author):
    make_account(author, platform=Platform.TWITTER, name="@acme")
    make_account(author, platform=Platform.BLUESKY, name="acme.bsky.social")
    log_in(page, "composer")
    page.goto("/admin/calendar_app/scheduledpost/add/")
    page.get_by_label("@acme").check()
    page.get_by_label("acme.bsky.social").check()

    x_card = page.locator('.composer-platform[data-platform="TWITTER"]')
    within = " ".join([LINK] * 11) + " " + "a" * 16  # 11 x 23 + 10 + 17 = 280 as X counts
    page.fill("#id_content", within)
    expect(x_card.locator(".composer-counter")).to_have_text("280 / 280")
    expect(x_card.locator(".composer-counter")).not_to_have_class("composer-counter over")
    expect(x_card.locator(".composer-link-weight")).to_have_count(11)

    page.fill("#id_content", within + "a")  # one more character: 281
    counter = x_card.locator(".composer-counter")
    expect(counter).to_have_text("281 / 280")
    expect(counter).to_have_class("composer-counter over")
    assert counter.evaluate("node => getComputedStyle(node).color") == RED
    expect(x_card.locator(".composer-problems")).to_contain_text("281 characters as X counts them")
    expect(page.locator(".composer-status")).to_have_text("Too long for X, Bluesky.")
    # Bluesky counts the links as written: far over its 300 graphemes.
    bluesky_counter = page.locator('.composer-platform[data-platform="BLUESKY"] .composer-counter')
    expect(bluesky_counter).to_have_text(f"{len(within) + 1} / 300")
    screenshot(page, "composer-03-counter-red.png")

    # The form without the counter's say-so: the server refuses the save with X's own words.
    page.fill("#id_scheduled_local", "2030-07-01T09:30")
    page.click("input[name=_save]")
    expect(page.locator(".errornote, ul.errorlist")).to_contain_text(["X: 281 characters as X counts them"])
    assert not ScheduledPost.objects.exists()


def test_calendar__drag_a_post_to_another_day_and_see_a_refusal_named(page: Page, author):
    account = make_account(author, platform=Platform.TWITTER, name="@acme")
    may = make_post(
        author,
        accounts=[account],
        scheduled_at=datetime(2030, 5, 6, 7, 0, tzinfo=UTC),  # 09:00 in Paris, 03:00 in New York
        tz="Europe/Paris",
        content="Monday launch",
    )
    published = make_post(
        author,
        accounts={account: AccountStatus.PUBLISHED},
        status=PostStatus.PUBLISHED,
        scheduled_at=datetime(2030, 5, 7, 7, 0, tzinfo=UTC),
        content="Already out",
    )
    log_in(page, "composer")
    page.goto("/admin/calendar_app/scheduledpost/calendar/?month=2030-05")
    expect(page.locator(f'.calendar-item[data-post="{published.pk}"]')).not_to_have_attribute(
        "draggable", "true"
    )

    page.locator(f'.calendar-item[data-post="{may.pk}"]').drag_to(page.locator('td[data-date="2030-05-08"]'))
    expect(page.locator("ul.messagelist li.success")).to_have_text(f"{may}: moved to 2030-05-08 09:00 CEST.")
    expect(page.locator(f'td[data-date="2030-05-08"] .calendar-item[data-post="{may.pk}"]')).to_have_count(1)
    may.refresh_from_db()
    assert may.scheduled_at == datetime(2030, 5, 8, 7, 0, tzinfo=UTC)
    screenshot(page, "composer-04-dragged.png")

    # The keyboard's way: its Move… form, opened and sent with keys.
    page.locator(f'.calendar-item[data-post="{may.pk}"] summary').focus()
    page.keyboard.press("Enter")
    day_input = page.locator(f'.calendar-item[data-post="{may.pk}"] input[name=date]')
    day_input.fill("2030-05-20")
    day_input.press("Enter")
    expect(page.locator(f'td[data-date="2030-05-20"] .calendar-item[data-post="{may.pk}"]')).to_have_count(1)
    may.refresh_from_db()
    assert may.scheduled_at == datetime(2030, 5, 20, 7, 0, tzinfo=UTC)


def test_calendar__a_drag_onto_a_time_the_clocks_skip_is_refused_and_says_why(page: Page, author):
    night = make_post(
        author,
        accounts=[make_account(author, platform=Platform.TWITTER, name="@acme")],
        scheduled_at=datetime(2030, 3, 24, 1, 30, tzinfo=UTC),  # 02:30 CET; 21:30 on the 23rd in New York
        tz="Europe/Paris",
        content="Night owl",
    )
    log_in(page, "composer")
    page.goto("/admin/calendar_app/scheduledpost/calendar/?month=2030-03")
    item = page.locator(f'.calendar-item[data-post="{night.pk}"]')
    item.drag_to(page.locator('td[data-date="2030-03-30"]'))
    alert = page.locator("ul.messagelist li.error")
    expect(alert).to_have_text(
        f"{night} was not moved: 02:30 does not exist on 2030-03-31 in Europe/Paris: the clocks jump forward "
        "over it. Choose another time."
    )
    expect(alert).to_have_attribute("role", "alert")
    expect(page.locator(f'td[data-date="2030-03-23"] .calendar-item[data-post="{night.pk}"]')).to_have_count(
        1
    )
    screenshot(page, "composer-05-drag-refused.png")
    night.refresh_from_db()
    assert night.scheduled_at == datetime(2030, 3, 24, 1, 30, tzinfo=UTC)
