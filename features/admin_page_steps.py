"""Steps about a post's page in the admin: each account's result and the history of platform calls."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone
from pytest_bdd import parsers
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import PublishAttempt

from .admin_page import read_post_page
from .platforms import SimulatedPlatforms
from .story import PLATFORM
from .story import Story


@when("a staff member opens the post in the admin")
def _(story: Story, client, django_user_model) -> None:
    staff = django_user_model.objects.create_superuser(username="reviewer", password="pw-reviewer-1")
    client.force_login(staff)
    response = client.get(f"/admin/calendar_app/scheduledpost/{story.the_post().pk}/change/")
    assert response.status_code == 200
    story.page = read_post_page(response.content.decode())


@then(parsers.parse('the page shows the post as "{label}"'))
def _(label: str, story: Story) -> None:
    assert story.page.status == label


@then(
    parsers.re(
        rf'the page shows "(?P<name>[^"]+)" as "(?P<label>[^"]+)" with a link to its post on {PLATFORM}$'
    )
)
def _(name: str, label: str, platform: str, story: Story, platforms: SimulatedPlatforms) -> None:
    _, status, link, *_ = story.page.account_row(name)
    [made] = platforms.posts_made(platform=platform, account=name)
    assert status.text == label
    assert link.links == [made.url] and link.text == made.id


@then(parsers.parse('the page shows "{name}" as "{label}" with "{kind}" and "{words}"'))
def _(name: str, label: str, kind: str, words: str, story: Story) -> None:
    _, status, link, error, *_ = story.page.account_row(name)
    assert status.text == label and not link.links
    assert error.text.startswith(kind) and words in error.text


@then(parsers.parse('the page shows "{name}" as "{label}" noting "{words}"'))
def _(name: str, label: str, words: str, story: Story) -> None:
    _, status, _, note, *_ = story.page.account_row(name)
    assert status.text == label and words in note.text, (status.text, note.text)


@then(parsers.parse("the history lists {count:d} platform calls"))
def _(count: int, story: Story) -> None:
    assert len(story.page.attempts) == count, [[cell.text for cell in row] for row in story.page.attempts]


@then(
    parsers.re(
        r'the history shows an? "(?P<outcome>[^"]+)" call to "(?P<name>[^"]+)"'
        r'(?: with "(?P<kind>[^"]+)" and HTTP (?P<status>\d+))?$'
    )
)
def _(outcome: str, name: str, kind: str | None, status: str | None, story: Story) -> None:
    rows = [
        [cell.text for cell in row]
        for row in story.page.attempts_of(name)
        if row[4].text == outcome and (kind is None or (row[5].text, row[6].text) == (kind, status))
    ]
    assert len(rows) == 1, [[cell.text for cell in row] for row in story.page.attempts_of(name)]
    _, action, started, finished, *_ = rows[0]
    assert action == "Publish" and started and finished


@then("the history shows each call's time in the author's time zone")
def _(story: Story) -> None:
    post = story.the_post()
    for attempt in PublishAttempt.objects.filter(post_account__post=post):
        local = timezone.localtime(attempt.started_at, ZoneInfo(post.timezone))
        shown = f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"
        assert any(row[2].text == shown for row in story.page.attempts), (shown, story.page.attempts)
