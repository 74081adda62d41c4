"""The scenarios of import.feature: the real import_posts and export_posts commands, the real publisher."""

from __future__ import annotations

import csv
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError
from django.core.management import call_command
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import ScheduledPost
from calendar_app.timezones import format_in_zone
from planning.services.imports import import_run
from social.platforms import MediaItem
from social.platforms import PublishPayload

from .planning_steps import Plan
from .platforms import PLATFORM_NAMES
from .platforms import SimulatedPlatforms
from .post_steps import moment
from .story import Story

pytestmark = pytest.mark.django_db(transaction=True)

scenarios("import.feature")


class Importer:
    """The CSV file the scenario wrote and what the command said."""

    def __init__(self) -> None:
        self.path = None
        self.output = ""
        self.refusal = ""
        self.username = ""


@pytest.fixture
def importer() -> Importer:
    return Importer()


@given(parsers.parse('the planner "{username}" imports from the command line'))
def _(username: str, importer: Importer) -> None:
    importer.username = username


@given("the CSV file:")
def _(datatable, importer: Importer, tmp_path) -> None:
    """The table as a spreadsheet saves it; a time like "in 10 minutes" is written as that wall time."""
    header, *rows = datatable
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        cells = dict(zip(header, (cell.strip() for cell in row), strict=True))
        if re.fullmatch(r"in \d+ minutes", cells.get("time", "")):
            zone = ZoneInfo(cells.get("timezone") or "UTC")
            cells["time"] = f"{moment(cells['time']).astimezone(zone):%Y-%m-%d %H:%M}"
        writer.writerow([cells[name] for name in header])
    importer.path = tmp_path / "posts.csv"
    importer.path.write_text(out.getvalue(), encoding="utf-8")


def run(importer: Importer, *args: str) -> None:
    out = io.StringIO()
    importer.refusal = ""
    try:
        call_command("import_posts", str(importer.path), "--user", importer.username, *args, stdout=out)
    except CommandError as exc:
        importer.refusal = str(exc)
    importer.output = out.getvalue()


@when("the file is checked with a dry run")
def _(importer: Importer) -> None:
    run(importer, "--dry-run")


def remember_posts(story: Story) -> None:
    """The imported posts, by text, for the shared steps about "the post"."""
    for post in ScheduledPost.objects.all():
        story.posts[post.content] = story.post = post


@when("the file is imported")
@when("the file is imported again")
def _(importer: Importer, story: Story) -> None:
    run(importer)
    remember_posts(story)


@when("the file is imported, skipping the bad rows")
def _(importer: Importer) -> None:
    run(importer, "--skip-bad-rows")


@when("the file is imported at the planner's time")
def _(importer: Importer, plan: Plan, author) -> None:
    """The same service as the command, with the planner's clock (the command has no clock to set)."""
    import_run(
        text=importer.path.read_text(encoding="utf-8"),
        default_timezone="UTC",
        created_by=author,
        now=plan.clock(),
    )


@then(parsers.parse('the import says "{words}"'))
def _(words: str, importer: Importer) -> None:
    said = importer.refusal or importer.output.strip().splitlines()[-1]
    assert said == words, (said, importer.output)


@then(parsers.parse('the report names row {row:d}, column "{column}": "{words}"'))
def _(row: int, column: str, words: str, importer: Importer) -> None:
    lines = [line for line in importer.output.splitlines() if line.startswith(f"row {row}, {column}: ")]
    assert len(lines) == 1 and words in lines[0], importer.output


@then(parsers.parse('the report names row {row:d} on {platform}: "{words}"'))
def _(row: int, platform: str, words: str, importer: Importer) -> None:
    lines = [line for line in importer.output.splitlines() if line.startswith(f"row {row}: {platform}: ")]
    assert len(lines) == 1 and words in lines[0], importer.output


@then("no post was created")
def _() -> None:
    assert not ScheduledPost.objects.exists()


@then(parsers.parse("{count:d} posts were created"))
def _(count: int) -> None:
    assert ScheduledPost.objects.count() == count


@then(parsers.parse('the post "{text}" is scheduled for "{when}"'))
def _(text: str, when: str) -> None:
    post = ScheduledPost.objects.get(content=text)
    assert (post.status, format_in_zone(post.scheduled_at, post.timezone)) == ("SCHEDULED", when)


@then(
    parsers.re(
        r'the export shows "(?P<name>[^"]+)" as "(?P<status>[A-Z_]+)" with the link of its post on (?P<platform>\w+)$'
    )
)
def _(name: str, status: str, platform: str, story: Story, platforms: SimulatedPlatforms) -> None:
    out = io.StringIO()
    call_command("export_posts", stdout=out)
    account = story.accounts[name]
    rows = [
        row
        for row in csv.DictReader(io.StringIO(out.getvalue()))
        if row["account"] == f"{account.platform.lower()}:{name}"
    ]
    [made] = platforms.posts_made(platform=platform, account=name)
    assert PLATFORM_NAMES[platform] == account.platform
    assert [(row["account_status"], row["link"]) for row in rows] == [(status, made.url)]


@then(
    parsers.re(
        r'the post "(?P<text>[^"]+)" goes to (?P<platform>\w+) as "(?P<sent>[^"]+)" with the image "(?P<url>[^"]+)" '
        r'described as "(?P<alt>[^"]+)"$'
    )
)
def _(text: str, platform: str, sent: str, url: str, alt: str) -> None:
    post = ScheduledPost.objects.get(content=text)
    payload = PublishPayload.for_platform(
        content=post.content, metadata=post.metadata, platform=PLATFORM_NAMES[platform]
    )
    assert (payload.text, payload.media) == (sent, (MediaItem(url=url, type="image", alt_text=alt),))
