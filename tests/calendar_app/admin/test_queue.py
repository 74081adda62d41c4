"""'Add to queue' in the post admin: the form's "Save and add to queue" and the list's action."""

from __future__ import annotations

from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from planning.models import QueueEntry
from social.models import Platform
from tests.planning.factories import every_day
from tests.planning.factories import make_schedule

from ..factories import make_account
from ..factories import make_post
from .pages import ADD
from .pages import LIST
from .pages import change_url
from .pages import form_data
from .pages import page_messages
from .pages import run_on_list

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def next_nine_am_in_paris(count: int) -> list[str]:
    """The next ``count`` 09:00s on the Paris clock from now (the schedule's slots; planning's own tests
    cover the daylight-saving nights)."""
    now, found = timezone.now(), []
    day = now.astimezone(PARIS).date()
    while len(found) < count:
        slot = datetime.combine(day, time(9, 0), tzinfo=PARIS)
        if slot > now:
            found.append(f"{slot:%Y-%m-%d %H:%M %Z}")
        day += timedelta(days=1)
    return found


@pytest.fixture
def acme(staff_user):
    account = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    make_schedule(account=account, zone="Europe/Paris", slots=every_day(time(9, 0)), name="Acme")
    return account


def local(post: ScheduledPost) -> str:
    return f"{post.scheduled_at.astimezone(PARIS):%Y-%m-%d %H:%M %Z}"


def test_save_and_add_to_queue__a_new_post_takes_the_next_free_slot_without_a_typed_time(staff_client, acme):
    response = staff_client.post(
        ADD,
        form_data(content="Spring is here", social_accounts=[acme.pk], scheduled_local="", _queue="1"),
        follow=True,
    )
    post = ScheduledPost.objects.get()
    [slot] = next_nine_am_in_paris(1)
    assert (post.status, local(post)) == (PostStatus.SCHEDULED, slot)
    assert QueueEntry.objects.get().post_id == post.pk
    assert f"{post}: added to the queue of Acme, at {slot}." in page_messages(response)


def test_save_and_add_to_queue__the_next_post_takes_the_slot_after(staff_client, acme):
    for text in ("First", "Second"):
        staff_client.post(ADD, form_data(content=text, social_accounts=[acme.pk], _queue="1"))
    assert [local(post) for post in ScheduledPost.objects.order_by("pk")] == next_nine_am_in_paris(2)


def test_save_and_add_to_queue__without_a_schedule_the_form_says_so_and_nothing_is_saved(
    staff_client, staff_user
):
    lone = make_account(staff_user, platform=Platform.TWITTER, name="@lone")
    response = staff_client.post(ADD, form_data(social_accounts=[lone.pk], scheduled_local="", _queue="1"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["social_accounts"]
    assert errors[0].startswith("No posting schedule plans for all of this post's accounts")
    assert not ScheduledPost.objects.exists()


def test_save_and_add_to_queue__the_post_is_checked_at_its_slot_like_any_save(staff_client, acme):
    response = staff_client.post(ADD, form_data(content="x" * 300, social_accounts=[acme.pk], _queue="1"))
    assert response.status_code == 200
    assert "X: 300 characters as X counts them" in str(response.context["adminform"].form.non_field_errors())
    assert not ScheduledPost.objects.exists()


def test_save_and_add_to_queue__an_existing_draft_is_saved_with_its_edits_then_queued(
    staff_client, staff_user, acme
):
    draft = make_post(staff_user, accounts=[acme], status=PostStatus.DRAFT, tz="Europe/Paris")
    response = staff_client.post(
        change_url(draft),
        form_data(content="Edited, then queued", social_accounts=[acme.pk], status="DRAFT", _queue="1"),
        follow=True,
    )
    draft.refresh_from_db()
    [slot] = next_nine_am_in_paris(1)
    assert (draft.content, draft.status, local(draft)) == ("Edited, then queued", PostStatus.SCHEDULED, slot)
    assert f"{draft}: added to the queue of Acme, at {slot}." in page_messages(response)


def test_save_and_add_to_queue__a_paused_schedule_holds_the_post_as_a_draft(staff_client, staff_user):
    account = make_account(staff_user, platform=Platform.TWITTER, name="@paused")
    make_schedule(account=account, slots=every_day(time(9, 0)), name="Paused", is_paused=True)
    response = staff_client.post(ADD, form_data(social_accounts=[account.pk], _queue="1"), follow=True)
    post = ScheduledPost.objects.get()
    assert post.status == PostStatus.DRAFT
    [slot] = next_nine_am_in_paris(1)
    assert (
        f"{post}: added to the queue of Paused, at {slot}, held as a draft until the schedule is resumed."
        in page_messages(response)
    )


def test_post_form__offers_save_and_add_to_queue_and_the_composer_only_where_it_can_be_edited(
    staff_client, staff_user, acme
):
    add_page = staff_client.get(ADD).content.decode()
    assert 'name="_queue"' in add_page and 'id="composer"' in add_page
    published = make_post(staff_user, accounts={acme: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    read_only = staff_client.get(change_url(published)).content.decode()
    assert 'name="_queue"' not in read_only and 'id="composer"' not in read_only


def test_add_to_queue_action__three_posts_take_the_next_three_slots_and_a_published_one_is_refused(
    staff_client, staff_user, acme
):
    drafts = [
        make_post(
            staff_user, accounts=[acme], status=PostStatus.DRAFT, content=f"Queued {n}", tz="Europe/Paris"
        )
        for n in (1, 2, 3)
    ]
    published = make_post(staff_user, accounts={acme: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    response = run_on_list(staff_client, [*drafts, published], "add_to_queue")
    assert response.redirect_chain[-1][0] == LIST
    for post in drafts:
        post.refresh_from_db()
    slots = next_nine_am_in_paris(3)
    assert [local(post) for post in drafts] == slots
    messages = page_messages(response)
    assert f"{drafts[2]}: added to the queue of Acme, at {slots[2]}." in messages
    assert f"{published}: {published} is published, so it keeps its time." in messages
