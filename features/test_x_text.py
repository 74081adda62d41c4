"""The scenarios of x_text.feature: the admin's post form with the real X client, then the real publisher."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import Client
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import ScheduledPost

from .story import Story

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("x_text.feature")

ADD_POST = "/admin/calendar_app/scheduledpost/add/"
JAPANESE = "日本語のテキスト"


def text_of(phrase: str) -> str:
    """The text a step describes: 'of 262 letters, a space and "example.de"', '"..." followed by 210
    Japanese characters', '"..." after an invisible byte order mark', 'of 3000 letters'."""
    if found := re.fullmatch(r'of (\d+) letters, a space and "(.+)"', phrase):
        return "a" * int(found.group(1)) + " " + found.group(2)
    if found := re.fullmatch(r'"(.+)" followed by (\d+) Japanese characters', phrase):
        return found.group(1) + (JAPANESE * int(found.group(2)))[: int(found.group(2))]
    if found := re.fullmatch(r'"(.+)" after an invisible byte order mark', phrase):
        return "\ufeff" + found.group(1)
    if found := re.fullmatch(r"of (\d+) letters", phrase):
        return "a" * int(found.group(1))
    raise AssertionError(f"no text is described as {phrase!r}")


@dataclass
class Saving:
    """The last post form sent: what was typed, how many posts there were before, the answer."""

    text: str = ""
    posts_before: int = 0
    response: object = None


@pytest.fixture
def saving() -> Saving:
    return Saving()


@pytest.fixture
def staff_client(django_user_model) -> Client:
    staff = django_user_model.objects.create_superuser(username="scheduler", password="pw-scheduler-1")
    client = Client()
    client.force_login(staff)
    return client


@given(parsers.parse('a staff member turns on long posts for "{name}" in the admin'))
def _(name: str, story: Story, staff_client: Client) -> None:
    account = story.accounts[name]
    response = staff_client.post(
        f"/admin/social/socialaccount/{account.pk}/change/",
        {"name": account.name, "status": account.status, "owner": str(account.owner_id), "long_posts": "on"},
    )
    assert response.status_code == 302, response.content
    account.refresh_from_db()


@when(
    parsers.re(
        r'a staff member (?P<how>schedules|publishes now) to "(?P<name>[^"]+)" the text (?P<phrase>.+)$'
    )
)
def _(how: str, name: str, phrase: str, story: Story, staff_client: Client, saving: Saving) -> None:
    text = text_of(phrase)
    form = {
        "content": text,
        "social_accounts": [story.accounts[name].pk],
        "scheduled_local": "2030-07-01T09:30",
        "timezone": "Europe/Paris",
        "status": "SCHEDULED",
        **{f"media_{index}_type": "image" for index in range(1, 5)},
    }
    if how == "publishes now":
        form["publish_now"] = "on"
    saving.text, saving.posts_before = text, ScheduledPost.objects.count()
    saving.response = staff_client.post(ADD_POST, form)


@then("the post is saved")
def _(story: Story, saving: Saving) -> None:
    assert saving.response.status_code == 302, saving.response.context["adminform"].form.errors
    post = ScheduledPost.objects.latest("pk")
    assert post.content == saving.text
    story.posts[post.content] = story.post = post


@then(parsers.parse('the post is not saved and the form says "{error}"'))
def _(error: str, saving: Saving) -> None:
    assert saving.response.status_code == 200
    assert saving.response.context["adminform"].form.non_field_errors() == [error]
    assert ScheduledPost.objects.count() == saving.posts_before


@then("the form still holds the text as it was typed")
def _(saving: Saving) -> None:
    assert saving.response.context["adminform"].form["content"].value() == saving.text
