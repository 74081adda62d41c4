"""Who sees and changes which posts and accounts (calendar_app.access, social.selectors): the same rules in
the admin and the API."""

from __future__ import annotations

import pytest

from calendar_app.access import post_account_choices
from calendar_app.access import post_change_allowed
from calendar_app.access import posts_visible_to
from social.selectors import social_accounts_usable_by

from .factories import make_account
from .factories import make_post
from .factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    return {
        "author": make_staff(django_user_model, "author", "add_scheduledpost", "change_scheduledpost"),
        "other": make_staff(django_user_model, "other", "add_scheduledpost", "change_scheduledpost"),
        "viewer": make_staff(django_user_model, "viewer", "view_scheduledpost", "view_socialaccount"),
        "lead": make_staff(
            django_user_model,
            "lead",
            "change_scheduledpost",
            "change_others_scheduledpost",
            "view_socialaccount",
        ),
    }


def test_posts_visible_to__own_or_every_post_with_view_or_change_others(people):
    mine = make_post(people["author"], accounts=[make_account(people["author"])])
    theirs = make_post(people["other"], accounts=[make_account(people["other"])])
    assert list(posts_visible_to(user=people["author"])) == [mine]
    assert set(posts_visible_to(user=people["viewer"])) == {mine, theirs}
    assert set(posts_visible_to(user=people["lead"])) == {mine, theirs}
    people["author"].is_active = False
    assert not posts_visible_to(user=people["author"]).exists()


def test_post_change_allowed__own_or_change_others(people):
    theirs = make_post(people["other"])
    assert post_change_allowed(user=people["other"], post=theirs)
    assert not post_change_allowed(user=people["author"], post=theirs)
    assert not post_change_allowed(user=people["viewer"], post=theirs)
    assert post_change_allowed(user=people["lead"], post=theirs)


def test_accounts__own_or_the_teams_with_view_permission_and_the_posts_own_stay(people):
    mine, theirs = make_account(people["author"]), make_account(people["other"])
    assert list(social_accounts_usable_by(user=people["author"])) == [mine]
    assert set(social_accounts_usable_by(user=people["viewer"])) == {mine, theirs}
    post = make_post(people["other"], accounts=[theirs])
    assert set(post_account_choices(user=people["author"], post=post)) == {mine, theirs}
    assert set(post_account_choices(user=people["author"])) == {mine}


def test_admin__an_author_sees_only_their_posts_and_accounts(client, people):
    author, other = people["author"], people["other"]
    mine_account, their_account = make_account(author, name="My X"), make_account(other, name="Their X")
    make_post(author, accounts=[mine_account], content="Mine to see")
    theirs = make_post(other, accounts=[their_account], content="Theirs to hide")
    client.force_login(author)
    listing = client.get("/admin/calendar_app/scheduledpost/").content.decode()
    assert "Mine to see" in listing and "Theirs to hide" not in listing
    assert (
        client.get(f"/admin/calendar_app/scheduledpost/{theirs.pk}/change/").status_code == 302
    )  # "not found"
    calendar = client.get(
        "/admin/calendar_app/scheduledpost/calendar/", {"month": theirs.scheduled_at.strftime("%Y-%m")}
    ).content.decode()
    assert "Theirs to hide" not in calendar
    form = client.get("/admin/calendar_app/scheduledpost/add/").content.decode()
    assert "My X" in form and "Their X" not in form
    response = client.post(
        "/admin/calendar_app/scheduledpost/add/",
        {
            "content": "Sneaky",
            "social_accounts": [their_account.pk],
            "timezone": "UTC",
            "status": "DRAFT",
            "scheduled_local": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
