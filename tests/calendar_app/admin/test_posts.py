"""The posts' ModelAdmin: writing and editing posts, the list, who may do what."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.selectors import post_due_queryset
from social.models import Platform
from social.models import SocialAccountStatus

from ..factories import make_account
from ..factories import make_post
from ..factories import make_staff
from .pages import ADD
from .pages import CALENDAR
from .pages import FUTURE
from .pages import LIST
from .pages import NEW_YORK
from .pages import TOO_LONG
from .pages import add_form_errors
from .pages import change_url
from .pages import form_data
from .pages import page_messages
from .pages import review_url
from .pages import run_on_list
from .pages import run_on_page

pytestmark = pytest.mark.django_db


# --- Scheduling a post --------------------------------------------------------------------------------


def test_add__schedules_in_the_authors_zone_with_metadata_from_plain_fields(
    staff_client, staff_user, fake_clients
):
    x = make_account(staff_user, platform=Platform.TWITTER)
    youtube = make_account(staff_user, platform=Platform.YOUTUBE)
    linkedin = make_account(staff_user, platform=Platform.LINKEDIN)
    response = staff_client.post(
        ADD,
        form_data(
            content="Our launch video is out",
            social_accounts=[x.pk, youtube.pk, linkedin.pk],
            media_1_url="https://cdn.example.com/launch.mp4",
            media_1_type="video",
            media_2_url="https://cdn.example.com/cover.jpg",
            media_2_alt_text="The cover",
            twitter_content="Launch video!",
            youtube_title="Launch",
            youtube_privacy_status="unlisted",
            linkedin_visibility="CONNECTIONS",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    post = ScheduledPost.objects.get()
    assert (post.scheduled_at, post.timezone, post.status, post.created_by) == (
        FUTURE,
        "Europe/Paris",
        PostStatus.SCHEDULED,
        staff_user,
    )
    assert post.metadata == {
        "media": [
            {"url": "https://cdn.example.com/launch.mp4", "type": "video"},
            {"url": "https://cdn.example.com/cover.jpg", "type": "image", "alt_text": "The cover"},
        ],
        "platforms": {
            "TWITTER": {"content": "Launch video!"},
            "LINKEDIN": {"visibility": "CONNECTIONS"},
            "YOUTUBE": {"title": "Launch", "privacy_status": "unlisted"},
        },
    }
    assert set(post.post_accounts.values_list("account_id", flat=True)) == {x.pk, youtube.pk, linkedin.pk}


def test_add__too_long_for_x_is_an_error_naming_x_then_the_fix_saves(staff_client, staff_user, fake_clients):
    x = make_account(staff_user, platform=Platform.TWITTER)
    facebook = make_account(staff_user, platform=Platform.FACEBOOK)
    response = staff_client.post(ADD, form_data(content=TOO_LONG, social_accounts=[x.pk, facebook.pk]))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["X: 312 characters, the limit is 280"]
    assert "X: 312 characters, the limit is 280" in response.content.decode()
    assert TOO_LONG in response.content.decode()  # what was typed is still there
    assert not ScheduledPost.objects.exists()

    response = staff_client.post(
        ADD, form_data(content=TOO_LONG, twitter_content="Short for X", social_accounts=[x.pk, facebook.pk])
    )
    assert response.status_code == 302
    assert ScheduledPost.objects.get().metadata == {"platforms": {"TWITTER": {"content": "Short for X"}}}


def test_add__over_a_platforms_quota_saves_with_a_warning_naming_the_platform_and_day(
    staff_client, staff_user, fake_clients
):
    x = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    for minute in range(100):
        make_post(staff_user, accounts=[x], scheduled_at=FUTURE + timedelta(minutes=minute % 10))

    response = staff_client.post(ADD, form_data(social_accounts=[x.pk]), follow=True)

    assert ScheduledPost.objects.count() == 101, "a warning, not an error: the post is saved"
    (warning,) = [m for m in page_messages(response) if "posts around" in m]
    assert warning.startswith("X: @acme would have 101 posts around Monday 1 July 2030, 09:30")
    assert "X allows 100 posts per 15 minutes per account" in warning


def test_add__a_quota_warning_shows_on_a_form_sent_back_with_errors(staff_client, staff_user, fake_clients):
    x = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    for _ in range(100):
        make_post(staff_user, accounts=[x], scheduled_at=FUTURE)

    response = staff_client.post(ADD, form_data(content=TOO_LONG, social_accounts=[x.pk]))

    assert response.status_code == 200
    assert "X: @acme would have 101 posts around" in response.content.decode()


def test_add__a_time_the_clocks_skip_is_a_form_error(staff_client, staff_user):
    x = make_account(staff_user)
    response = staff_client.post(
        ADD,
        form_data(social_accounts=[x.pk], scheduled_local="2030-03-10T02:30", timezone="America/New_York"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "02:30 does not exist on 2030-03-10 in America/New_York" in errors["scheduled_local"][0]
    assert not ScheduledPost.objects.exists()


def test_add__a_past_time_is_refused_unless_publish_now(staff_client, staff_user):
    x = make_account(staff_user)
    past = (timezone.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = staff_client.post(ADD, form_data(social_accounts=[x.pk], scheduled_local=past, timezone="UTC"))
    assert "is in the past" in response.context["adminform"].form.errors["scheduled_local"][0]
    assert not ScheduledPost.objects.exists()

    response = staff_client.post(
        ADD,
        form_data(social_accounts=[x.pk], scheduled_local=past, timezone="UTC", publish_now="on"),
        follow=True,
    )
    post = ScheduledPost.objects.get()
    assert list(post_due_queryset()) == [post]
    assert f"{post} goes out with the next publisher run (within a minute)." in page_messages(response)


def test_add__a_draft_with_platform_problems_is_saved_with_a_warning(staff_client, staff_user, fake_clients):
    x = make_account(staff_user)
    response = staff_client.post(
        ADD, form_data(content=TOO_LONG, social_accounts=[x.pk], status="DRAFT"), follow=True
    )
    assert ScheduledPost.objects.get().status == PostStatus.DRAFT
    assert (
        "Saved as a draft. Before it can be scheduled: X: 312 characters, the limit is 280"
        in page_messages(response)
    )


def test_add__the_time_zone_defaults_to_the_viewers(staff_client):
    staff_client.cookies["viewer_tz"] = "Asia/Tokyo"
    form = staff_client.get(ADD).context["adminform"].form
    assert form["timezone"].value() == "Asia/Tokyo"


def test_add__offers_active_accounts_grouped_by_platform(staff_client, staff_user):
    make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    make_account(staff_user, platform=Platform.FACEBOOK, name="Acme Page")
    make_account(
        staff_user, platform=Platform.TWITTER, name="@expired", status=SocialAccountStatus.NEEDS_RECONNECT
    )
    form = staff_client.get(ADD).context["adminform"].form
    assert [
        (group, [label for _pk, label in choices])
        for group, choices in form.fields["social_accounts"].choices
    ] == [
        ("Facebook Page", ["Acme Page"]),
        ("X (Twitter)", ["@acme"]),
    ]


def test_add__alt_text_without_an_address_is_an_error(staff_client, staff_user):
    errors = add_form_errors(staff_client, staff_user, media_1_alt_text="A cat")
    assert errors["media_1_url"] == ["Enter the media's address, or clear its alt text."]


def test_add__advanced_json_must_be_an_object(staff_client, staff_user):
    errors = add_form_errors(staff_client, staff_user, advanced_metadata="[1, 2]")
    assert errors["advanced_metadata"] == ["Enter a JSON object ({...}), or leave it empty."]


# --- Editing ------------------------------------------------------------------------------------------


def test_change__shows_the_time_in_the_posts_zone_whatever_the_viewers(staff_client, staff_user):
    post = make_post(staff_user, accounts=[make_account(staff_user)], scheduled_at=FUTURE, tz="Europe/Paris")
    staff_client.cookies["viewer_tz"] = "Asia/Tokyo"
    response = staff_client.get(change_url(post))
    assert 'value="2030-07-01T09:30"' in response.content.decode()
    assert response.context["post_page"]["scheduled_for"] == "2030-07-01 09:30 CEST"


def test_change__edits_a_scheduled_post(staff_client, staff_user, fake_clients):
    old, new = make_account(staff_user), make_account(staff_user, platform=Platform.FACEBOOK)
    post = make_post(staff_user, accounts=[old], scheduled_at=FUTURE, tz="Europe/Paris")
    response = staff_client.post(
        change_url(post),
        form_data(content="Edited", social_accounts=[new.pk], scheduled_local="2030-12-01T09:30"),
    )
    assert response.status_code == 302, response.content.decode()
    post.refresh_from_db()
    assert post.content == "Edited"
    assert post.scheduled_at == datetime(2030, 12, 1, 8, 30, tzinfo=UTC)  # CET in December
    assert list(post.post_accounts.values_list("account_id", flat=True)) == [new.pk]


def test_change__a_published_post_is_read_only(staff_client, staff_user):
    account = make_account(staff_user)
    post = make_post(staff_user, accounts={account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    body = staff_client.get(change_url(post)).content.decode()
    assert 'name="content"' not in body and 'name="_save"' not in body
    assert "Hello from the scheduler" in body
    response = staff_client.post(
        change_url(post), form_data(content="Rewritten", social_accounts=[account.pk])
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.content == "Hello from the scheduler"


def test_change__editing_keeps_metadata_it_has_no_field_for(staff_client, staff_user):
    account = make_account(staff_user)
    metadata = {
        "media": [{"url": "https://cdn.example.com/a.jpg", "type": "image", "alt_text": "A"}],
        "platforms": {
            "TWITTER": {"content": "short", "reply_settings": "following"},
            "YOUTUBE": {"media": [{"url": "https://cdn.example.com/v.mp4", "type": "video"}]},
        },
        "campaign": "spring",
    }
    post = make_post(
        staff_user, accounts=[account], scheduled_at=FUTURE, tz="Europe/Paris", metadata=metadata
    )
    form = staff_client.get(change_url(post)).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, "")}
    data["advanced_metadata"] = form["advanced_metadata"].value()
    data["social_accounts"] = [account.pk]
    assert data["twitter_content"] == "short" and data["media_1_url"] == "https://cdn.example.com/a.jpg"
    response = staff_client.post(change_url(post), data)
    assert response.status_code == 302, response.content.decode()
    post.refresh_from_db()
    assert post.metadata == metadata


# --- The list -----------------------------------------------------------------------------------------


def test_changelist__shows_status_time_in_authors_zone_platforms_and_retry_state(staff_client, staff_user):
    x = make_account(staff_user, platform=Platform.TWITTER, name="@acme")
    facebook = make_account(staff_user, platform=Platform.FACEBOOK, name="Acme Page")
    new_york_today = timezone.now().astimezone(NEW_YORK)
    make_post(
        staff_user,
        accounts={x: AccountStatus.PENDING, facebook: AccountStatus.PUBLISHED},
        scheduled_at=datetime(2030, 1, 15, 13, 0, tzinfo=UTC),
        tz="America/New_York",
        retry_count=1,
        next_attempt_at=new_york_today.replace(hour=23, minute=59),
    )
    body = staff_client.get(LIST).content.decode()
    assert '<span class="status-badge status-scheduled">Scheduled</span>' in body
    assert "2030-01-15 08:00 EST" in body
    assert "retry 1 of 3 at 23:59<" in body
    assert re.search(r'platform-twitter account-pending" title="X \(Twitter\): @acme \(pending\)">X<', body)
    # The badge's label and color are the platform's spec's.
    assert '<span style="background: #111" class="platform-badge platform-twitter' in body
    assert re.search(
        r'platform-facebook account-published" title="Facebook Page: Acme Page \(published\)">FB<', body
    )


def test_changelist__a_post_handed_on_while_processing_shows_when_it_is_checked(staff_client, staff_user):
    check_at = timezone.now().astimezone(NEW_YORK).replace(hour=23, minute=58)
    post = make_post(
        staff_user, accounts={make_account(staff_user): AccountStatus.PUBLISHING}, tz="America/New_York"
    )
    ScheduledPost.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHING, lease_expires_at=check_at)

    assert "still processing, checked again at 23:58<" in staff_client.get(LIST).content.decode()


def test_changelist__a_retry_on_another_day_shows_its_date(staff_client, staff_user):
    in_two_days = (timezone.now().astimezone(NEW_YORK) + timedelta(days=2)).replace(hour=14, minute=5)
    make_post(
        staff_user,
        accounts=[make_account(staff_user)],
        tz="America/New_York",
        retry_count=2,
        next_attempt_at=in_two_days,
    )
    body = staff_client.get(LIST).content.decode()
    assert f"retry 2 of 3 at {in_two_days:%Y-%m-%d} 14:05 {in_two_days.tzname()}" in body


def test_changelist__a_fixed_number_of_queries_however_many_posts(
    staff_client, staff_user, django_assert_max_num_queries
):
    accounts = [make_account(staff_user, platform=platform) for platform in Platform.values]

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(LIST).status_code == 200
        return len(queries)

    for _ in range(2):
        make_post(staff_user, accounts=accounts)
    few = count_queries()
    for _ in range(25):
        make_post(staff_user, accounts=accounts, retry_count=1, next_attempt_at=timezone.now())
    assert count_queries() == few
    with django_assert_max_num_queries(12):
        staff_client.get(LIST)


# --- Permissions --------------------------------------------------------------------------------------


def test_anonymous_and_non_staff_see_nothing(client, user):
    post = make_post(
        user, accounts={make_account(user): AccountStatus.NEEDS_REVIEW}, status=PostStatus.FAILED
    )
    urls = [
        LIST,
        ADD,
        CALENDAR,
        change_url(post),
        review_url(post, post.post_accounts.get()),
        "/admin/social/socialaccount/",
    ]
    for logged_in in (False, True):
        if logged_in:
            client.force_login(user)  # a person, but not staff
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


def test_view_only_staff_can_look_but_not_act(client, django_user_model, staff_user):
    viewer = make_staff(django_user_model, "viewer", "view_scheduledpost")
    post = make_post(
        staff_user, accounts={make_account(staff_user): AccountStatus.FAILED}, status=PostStatus.FAILED
    )
    client.force_login(viewer)
    for url in (LIST, change_url(post), CALENDAR):
        assert client.get(url).status_code == 200
    assert client.get(ADD).status_code == 403
    assert "post-action-" not in client.get(change_url(post)).content.decode()
    assert (
        client.post(
            change_url(post), {"CHANGE_FORM-action": "retry_failed_accounts", "_selected_action": post.pk}
        ).status_code
        == 403
    )
    assert client.get(review_url(post, post.post_accounts.get())).status_code == 403
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


def test_without_change_others_another_persons_post_is_read_only(client, django_user_model, staff_user):
    editor = make_staff(
        django_user_model, "editor", "view_scheduledpost", "change_scheduledpost", "add_scheduledpost"
    )
    account = make_account(staff_user)
    theirs = make_post(staff_user, accounts=[account], content="Theirs")
    mine = make_post(editor, accounts=[account], content="Mine")
    client.force_login(editor)

    assert 'name="content"' not in client.get(change_url(theirs)).content.decode()
    response = client.post(change_url(theirs), form_data(content="Hijacked", social_accounts=[account.pk]))
    assert response.status_code == 403
    response = run_on_list(client, [theirs, mine], "cancel_posts")
    assert page_messages(response) == [
        f"{theirs}: it is staff's post, and you may not change other people's posts.",
        f"{mine}: cancelled.",
    ]
    theirs.refresh_from_db()
    assert (theirs.content, theirs.status) == ("Theirs", PostStatus.SCHEDULED)
    # Duplicating only needs "add": the copy is the editor's own draft.
    run_on_page(client, theirs, "duplicate_as_draft")
    assert ScheduledPost.objects.filter(created_by=editor, status=PostStatus.DRAFT, content="Theirs").exists()

    assert 'name="content"' in client.get(change_url(mine)).content.decode()


def test_with_change_others_another_persons_post_can_be_edited(client, django_user_model, staff_user):
    lead = make_staff(
        django_user_model, "lead", "view_scheduledpost", "change_scheduledpost", "change_others_scheduledpost"
    )
    account = make_account(staff_user)
    theirs = make_post(staff_user, accounts=[account], scheduled_at=FUTURE, tz="Europe/Paris")
    client.force_login(lead)
    response = client.post(
        change_url(theirs), form_data(content="Edited by the lead", social_accounts=[account.pk])
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.content, theirs.created_by) == ("Edited by the lead", staff_user)


def test_delete__a_draft_can_go_a_post_with_history_cannot(staff_client, staff_user):
    account = make_account(staff_user)
    draft = make_post(staff_user, accounts=[account], status=PostStatus.DRAFT)
    published = make_post(
        staff_user, accounts={account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED
    )
    assert (
        staff_client.post(
            f"/admin/calendar_app/scheduledpost/{draft.pk}/delete/", {"post": "yes"}
        ).status_code
        == 302
    )
    assert (
        staff_client.post(
            f"/admin/calendar_app/scheduledpost/{published.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert list(ScheduledPost.objects.all()) == [published]
    assert "delete_selected" not in str(
        staff_client.get(LIST).context["action_form"].fields["action"].choices
    )
