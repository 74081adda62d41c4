"""The steps every feature shares, in the words of the people who schedule posts and run the publisher.

Posts and accounts are real rows; the publisher is the real ``publish_due_posts`` command (or the HTTP
trigger through Django's test client); the platform clients and X's OAuth provider are the real ones. Only
the platforms' HTTP APIs are simulated, at the wire (``features/platforms.py``).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import responses
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then
from pytest_bdd import when

from bench.simulation import HoldCall
from bench.simulation import Refresh
from bench.simulation import Refuse
from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import PublisherRun
from calendar_app.models import QuotaScope
from calendar_app.models import QuotaSlot
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from notifications.models import EmailNotification
from notifications.models import WebhookDelivery
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus

from .admin_page import PostPage
from .admin_page import read_post_page
from .killed_run import kill_run_while_platform_holds_the_call
from .platforms import PLATFORM_NAMES
from .platforms import SimulatedPlatforms
from .publisher_steps import *  # noqa: F403  (the engine's steps: --watch, database connections)

TRIGGER_URL = "/api/cron/publish-scheduled-posts"
PLATFORM = r"(?P<platform>X|Facebook|Instagram|LinkedIn|YouTube|Mastodon|Bluesky|Threads)"
ACCOUNT_KINDS = {
    "X account": "X",
    "Facebook Page": "Facebook",
    "Instagram account": "Instagram",
    "LinkedIn account": "LinkedIn",
    "YouTube channel": "YouTube",
    "Mastodon account": "Mastodon",
    "Bluesky account": "Bluesky",
    "Threads account": "Threads",
}
_KIND = "|".join(ACCOUNT_KINDS)
ONE_ACCOUNT = rf'an? (?:{_KIND}) "[^"]+"'
TIMES = {"once": 1, "twice": 2}
_numbers = itertools.count(1)


@dataclass
class Story:
    """What a scenario has set up and seen so far."""

    accounts: dict[str, SocialAccount] = field(default_factory=dict)
    posts: dict[str, ScheduledPost] = field(default_factory=dict)
    post: ScheduledPost | None = None  # the one "the post" refers to: the last one written
    outputs: list[str] = field(default_factory=list)  # what each publisher run printed
    run_figures: list[dict] = field(default_factory=list)  # what overlapping runs reported
    received_before_last_run: int = 0
    original_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    response: object = None
    sent_authorization: str = ""
    page: PostPage | None = None

    def the_post(self, text: str | None = None) -> ScheduledPost:
        post = self.post if text is None else self.posts[text]
        assert post is not None, "the scenario has no post yet"
        post.refresh_from_db()
        return post

    def named(self, names: str) -> list[SocialAccount]:
        """The accounts a step names: "all accounts", or each quoted name."""
        if names.strip() in ("all accounts", "all of them", "both"):
            return list(self.accounts.values())
        return [self.accounts[name] for name in re.findall(r'"([^"]+)"', names)]


@pytest.fixture
def story() -> Story:
    return Story()


@pytest.fixture(autouse=True)
def platforms():
    """The platforms' APIs at the wire; a request that reaches no platform fails the scenario."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        world = SimulatedPlatforms(mock)
        yield world
        unexpected = world.unexpected_requests()
    assert not unexpected, f"requests no platform answers: {unexpected}"


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(username="author", password="pw-author-1")


# --- accounts ------------------------------------------------------------------------------------------


def connect_account(kind: str, name: str, owner) -> SocialAccount:
    """An account as connecting it by OAuth leaves it (README, "Connecting accounts")."""
    number = next(_numbers)
    platform = PLATFORM_NAMES[ACCOUNT_KINDS[kind]]
    now = timezone.now()
    tokens = {"access_token": f"{platform.lower()}-access-{number}-s3cr3t"}
    refresh_token = f"{platform.lower()}-refresh-{number}-s3cr3t"
    match platform:
        case Platform.TWITTER:  # a two-hour token and a refresh token that rotates
            facts = {"external_id": f"15{number:08d}", "extra": {"username": name.lstrip("@")}}
            tokens |= {"refresh_token": refresh_token, "token_expires_at": now + timedelta(hours=2)}
        case Platform.FACEBOOK:  # a Page token: no expiry, no refresh
            facts = {"external_id": f"10{number:013d}"}
        case Platform.INSTAGRAM:  # the business account linked to a Page, with the Page token
            facts = {"external_id": f"1784{number:013d}", "extra": {"page_id": f"10{number:013d}"}}
        case Platform.LINKEDIN:  # a member with a 60-day token
            facts = {"external_id": f"m{number:09d}", "extra": {"author_urn": f"urn:li:person:m{number:09d}"}}
            tokens |= {"token_expires_at": now + timedelta(days=60)}
        case Platform.MASTODON:  # "@user@server": the account on its own server; no expiry, no refresh
            user, _, host = name.lstrip("@").partition("@")
            facts = {
                "external_id": f"10{number:08d}@{host}",
                "extra": {"server_url": f"https://{host}", "username": user},
            }
        case Platform.BLUESKY:  # a DID; a two-hour access JWT and a refresh JWT spent by each refresh
            facts = {"external_id": f"did:plc:{number:024d}", "extra": {"handle": name.lstrip("@")}}
            tokens |= {"refresh_token": refresh_token, "token_expires_at": now + timedelta(hours=2)}
        case Platform.THREADS:  # the Threads user; a 60-day token, refreshed itself (no refresh token)
            facts = {"external_id": f"71{number:08d}", "extra": {"username": name.lstrip("@")}}
            tokens |= {"token_expires_at": now + timedelta(days=50)}
        case _:  # YouTube: the channel, a one-hour token and a refresh token
            facts = {"external_id": f"UC{number:022d}"}
            tokens |= {"refresh_token": refresh_token, "token_expires_at": now + timedelta(hours=1)}
    return SocialAccount.objects.create(platform=platform, name=name, owner=owner, **facts, **tokens)


@given(parsers.re(rf"(?P<accounts>{ONE_ACCOUNT}(?:(?:,| and) {ONE_ACCOUNT})*)$"))
def _(accounts: str, story: Story, platforms: SimulatedPlatforms, author) -> None:
    for kind, name in re.findall(rf'({_KIND}) "([^"]+)"', accounts):
        account = connect_account(kind, name, author)
        story.accounts[name] = account
        story.original_tokens[name] = (account.access_token, account.refresh_token)
        platforms.connect(account)


# --- posts ---------------------------------------------------------------------------------------------


def moment(phrase: str):
    """ "5 minutes ago", "in 10 minutes", "25 hours ago" as an aware UTC time."""
    match = re.fullmatch(r"(in )?(\d+) (minute|hour)s?( ago)?", phrase)
    assert match and bool(match.group(1)) != bool(match.group(4)), f"not a time: {phrase!r}"
    delta = timedelta(**{f"{match.group(3)}s": int(match.group(2))})
    return timezone.now() + (delta if match.group(1) else -delta)


def write_post(story: Story, author, *, text: str, status: str, scheduled_at, accounts) -> ScheduledPost:
    post = ScheduledPost.objects.create(
        content=text, scheduled_at=scheduled_at, status=status, created_by=author
    )
    ScheduledPostAccount.objects.bulk_create(ScheduledPostAccount(post=post, account=a) for a in accounts)
    story.posts[text] = story.post = post
    return post


@given(
    parsers.re(
        r'an? (?P<kind>post|draft post|cancelled post) "(?P<text>[^"]+)" scheduled (?P<when>.+?) to (?P<to>.+)$'
    )
)
def _(kind: str, text: str, when: str, to: str, story: Story, author) -> None:
    status = {
        "post": PostStatus.SCHEDULED,
        "draft post": PostStatus.DRAFT,
        "cancelled post": PostStatus.CANCELLED,
    }
    write_post(
        story, author, text=text, status=status[kind], scheduled_at=moment(when), accounts=story.named(to)
    )


@given(parsers.re(r"(?P<count>\d+) posts scheduled (?P<when>.+?) to (?P<to>.+)$"), converters={"count": int})
def _(count: int, when: str, to: str, story: Story, author) -> None:
    for number in range(1, count + 1):
        write_post(
            story,
            author,
            text=f"Post {number} of {count}",
            status=PostStatus.SCHEDULED,
            scheduled_at=moment(when),
            accounts=story.named(to),
        )


@given(parsers.parse('on Instagram the post shows the photo "{url}"'))
def _(url: str, story: Story) -> None:
    post = story.the_post()
    post.metadata.setdefault("platforms", {})["INSTAGRAM"] = {"media": [{"url": url, "type": "image"}]}
    post.save(update_fields=["metadata"])


@given(parsers.parse('on YouTube the post is the video "{url}" titled "{title}"'))
def _(url: str, title: str, story: Story, platforms: SimulatedPlatforms) -> None:
    post = story.the_post()
    post.metadata.setdefault("platforms", {})["YOUTUBE"] = {
        "media": [{"url": url, "type": "video"}],
        "title": title,
    }
    post.save(update_fields=["metadata"])
    platforms.serve_media(url, "video/mp4")


@given(parsers.parse('its author writes from "{zone}"'))
def _(zone: str, story: Story) -> None:
    ScheduledPost.objects.filter(pk=story.the_post().pk).update(timezone=zone)


@given(parsers.parse("the post may be retried {count:d} times"))
def _(count: int, story: Story) -> None:
    ScheduledPost.objects.filter(pk=story.the_post().pk).update(max_retries=count)


@given(parsers.parse("the missed window is {hours:d} hours"))
def _(hours: int, settings) -> None:
    settings.PUBLISH_MISSED_AFTER = hours * 3600


# --- what the platforms answer -------------------------------------------------------------------------


def status_answer(status: int) -> Refuse:
    """The platform's own answer with this HTTP status (a 429 says when to come back, as they all do)."""
    words = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
    return Refuse(
        lambda api: api.rate_limited(60) if status == 429 else api.error(status, words.get(status, "Error"))
    )


@given(parsers.re(rf"{PLATFORM} answers (?P<status>\d+) to the first post$"), converters={"status": int})
def _(platform: str, status: int, platforms: SimulatedPlatforms) -> None:
    platforms.answer_next(platform, status_answer(status))


@given(parsers.re(rf"{PLATFORM} answers (?P<status>\d+) to every post$"), converters={"status": int})
def _(platform: str, status: int, platforms: SimulatedPlatforms) -> None:
    platforms.answer_every(platform, status_answer(status))


@given(
    parsers.re(rf'{PLATFORM} answers error code (?P<code>\d+) "(?P<words>[^"]+)" to every post$'),
    converters={"code": int},
)
def _(platform: str, code: int, words: str, platforms: SimulatedPlatforms) -> None:
    platforms.answer_every(platform, Refuse(lambda api: api.error(400, words, code=code)))


@given(
    parsers.re(rf'{PLATFORM} refuses the post with (?P<status>\d+) "(?P<words>[^"]+)"$'),
    converters={"status": int},
)
def _(platform: str, status: int, words: str, platforms: SimulatedPlatforms) -> None:
    platforms.answer_every(platform, Refuse(lambda api: api.error(status, words)))


@given(
    parsers.re(rf"{PLATFORM} rate-limits the first post for (?P<minutes>\d+) minutes$"),
    converters={"minutes": int},
)
def _(platform: str, minutes: int, platforms: SimulatedPlatforms) -> None:
    platforms.answer_next(platform, Refuse(lambda api: api.rate_limited(minutes * 60)))


@given(parsers.parse("each run makes at most {calls:d} platform calls at a time"))
def _(calls: int, settings) -> None:
    settings.PUBLISH_CONCURRENCY = calls


@given(parsers.parse("every platform takes {milliseconds:d} milliseconds to answer"))
def _(milliseconds: int, platforms: SimulatedPlatforms) -> None:
    platforms.latency = milliseconds / 1000


@given(parsers.re(rf"{PLATFORM} makes the post but never answers$"), target_fixture="makes_the_post")
def _(platform: str) -> bool:
    return True


@given(
    parsers.re(rf"{PLATFORM} takes the post but never makes it nor answers$"), target_fixture="makes_the_post"
)
def _(platform: str) -> bool:
    return False


@given(parsers.re(rf"{PLATFORM} makes the first post but its answer is lost$"))
def _(platform: str, platforms: SimulatedPlatforms) -> None:
    platforms.answer_next(platform, HoldCall(seconds=5, creates=True))


@given("Mastodon lists the post among the account's statuses only later")
def _(platforms: SimulatedPlatforms) -> None:
    platforms.mastodon.hide_next_from_lists = True


# --- tokens --------------------------------------------------------------------------------------------


@given("the X app is registered with the site")
def _(settings) -> None:
    settings.TWITTER_CLIENT_ID = "x-app-client-id"
    settings.TWITTER_CLIENT_SECRET = "x-app-client-s3cr3t"


@given(parsers.parse('the access token of "{name}" expired an hour ago'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    account = story.accounts[name]
    SocialAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() - timedelta(hours=1))
    platforms.forget_token(account)


@given(parsers.re(rf'{PLATFORM} no longer accepts the access token of "(?P<name>[^"]+)"$'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    platforms.forget_token(story.accounts[name])


@given(parsers.parse('X has revoked the grant of "{name}"'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    platforms.forget_token(story.accounts[name])
    platforms.token_endpoint.revoked = True


# --- the cron secret -----------------------------------------------------------------------------------


@given(parsers.parse('the cron secret is "{secret}"'))
def _(secret: str, settings) -> None:
    settings.CRON_SECRET = secret


@given("no cron secret is set")
def _(settings) -> None:
    settings.CRON_SECRET = ""


# --- time ----------------------------------------------------------------------------------------------


def make_retries_due() -> int:
    """Time moves on to the planned retries: the platforms' quota windows and blocks grow that much older."""
    waiting = ScheduledPost.objects.filter(status=PostStatus.SCHEDULED, next_attempt_at__isnull=False)
    latest = max(waiting.values_list("next_attempt_at", flat=True), default=None)
    if latest is not None and latest > timezone.now():
        delta = latest - timezone.now() + timedelta(seconds=1)
        QuotaSlot.objects.update(taken_at=F("taken_at") - delta)
        QuotaScope.objects.filter(blocked_until__isnull=False).update(
            blocked_until=F("blocked_until") - delta
        )
    return waiting.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@when("the planned retry is due")
def _() -> None:
    assert make_retries_due(), "no retry was planned"


@when(parsers.re(r"(?P<count>\d+) (?:more )?(?P<unit>minute|hour)s? pass(?:es)?$"), converters={"count": int})
def _(count: int, unit: str) -> None:
    """Time moves on: everything that waits (posts, their retries, the runs that finished, the webhooks and
    emails to try again) comes that much closer, and what the platforms' quotas counted grows that much older."""
    delta = timedelta(**{f"{unit}s": count})
    ScheduledPost.objects.update(scheduled_at=F("scheduled_at") - delta)
    ScheduledPost.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=F("next_attempt_at") - delta
    )
    # A post handed on to a later run (still processing) is checked when its released lease ends.
    ScheduledPost.objects.filter(lease_token__isnull=True, lease_expires_at__isnull=False).update(
        lease_expires_at=F("lease_expires_at") - delta
    )
    QuotaSlot.objects.update(taken_at=F("taken_at") - delta)
    QuotaScope.objects.filter(blocked_until__isnull=False).update(blocked_until=F("blocked_until") - delta)
    PublisherRun.objects.update(started_at=F("started_at") - delta)
    PublisherRun.objects.filter(finished_at__isnull=False).update(finished_at=F("finished_at") - delta)
    for queued in (WebhookDelivery, EmailNotification):
        queued.objects.update(next_attempt_at=F("next_attempt_at") - delta)


# --- running the publisher -----------------------------------------------------------------------------


def run_publisher(story: Story, platforms: SimulatedPlatforms) -> str:
    story.received_before_last_run = len(platforms.received)
    output = StringIO()
    call_command("publish_due_posts", stdout=output)
    story.outputs.append(output.getvalue())
    return output.getvalue()


@when("the publisher runs")
@when("the publisher runs again")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    run_publisher(story, platforms)


@when(parsers.parse("the publisher runs {count:d} times, each time once the planned retry is due"))
def _(count: int, story: Story, platforms: SimulatedPlatforms) -> None:
    for round_ in range(count):
        if round_:
            assert make_retries_due(), f"no retry was planned after run {round_}"
        run_publisher(story, platforms)


@when(parsers.re(r"(?P<crons>two|three) cron runs and a call of the HTTP trigger start at the same moment$"))
def _(crons: str, story: Story, settings) -> None:
    cron_runs = {"two": 2, "three": 3}[crons]
    start = threading.Barrier(cron_runs + 1)

    def cron_run() -> dict[str, int]:
        output = StringIO()
        start.wait()
        try:
            call_command("publish_due_posts", stdout=output)
        finally:
            connection.close()
        line = re.search(r"Processed (\d+) posts: (\d+) succeeded", output.getvalue())
        return {"processed": int(line.group(1)), "succeeded": int(line.group(2))}

    def trigger_call() -> dict[str, int]:
        client = Client()
        start.wait()
        try:
            response = client.get(TRIGGER_URL, headers={"Authorization": f"Bearer {settings.CRON_SECRET}"})
        finally:
            connection.close()
        assert response.status_code == 200, response.content
        return response.json()

    with ThreadPoolExecutor(max_workers=cron_runs + 1) as runs:
        started = [runs.submit(work) for work in (*[cron_run] * cron_runs, trigger_call)]
        story.run_figures = [run.result(timeout=60) for run in started]


@when(parsers.re(rf"a publisher run is killed while it waits for {PLATFORM}$"))
def _(platform: str, story: Story, platforms: SimulatedPlatforms, makes_the_post: bool) -> None:
    kill_run_while_platform_holds_the_call(
        platforms, platform=platform, post_id=story.the_post().pk, makes_post=makes_the_post
    )


@when("the killed run's lease expires")
def _(story: Story) -> None:
    post = story.the_post()
    assert post.status == PostStatus.PUBLISHING and post.lease_expires_at is not None
    deadline = post.lease_expires_at + timedelta(seconds=5)
    while ScheduledPost.objects.filter(pk=post.pk, lease_expires_at__gte=timezone.now()).exists():
        assert timezone.now() < deadline, "the lease never ran out"
        time.sleep(0.05)


# --- the HTTP trigger ----------------------------------------------------------------------------------


@when("the trigger is called with no Authorization header")
def _(story: Story, client) -> None:
    story.response = client.get(TRIGGER_URL)


@when(parsers.parse('the trigger is called with the header "{authorization}"'))
def _(authorization: str, story: Story, client) -> None:
    story.sent_authorization = authorization
    story.response = client.get(TRIGGER_URL, headers={"Authorization": authorization})


@then(parsers.parse("the trigger answers {status:d} with a reason that does not repeat what was sent"))
def _(status: int, story: Story) -> None:
    response = story.response
    assert response.status_code == status, response.content
    reason = response.json()["error"]
    assert isinstance(reason, str) and reason
    credentials = story.sent_authorization.partition(" ")[2]
    assert not credentials or credentials not in response.content.decode()


@then(parsers.parse("the trigger answers 200 with {processed:d} processed and {succeeded:d} succeeded"))
def _(processed: int, succeeded: int, story: Story) -> None:
    response = story.response
    assert response.status_code == 200, response.content
    figures = response.json()
    assert (figures["processed"], figures["succeeded"]) == (processed, succeeded), figures


# --- the admin -----------------------------------------------------------------------------------------


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


# --- the posts -----------------------------------------------------------------------------------------


@then(parsers.re(r'the post is (?:still )?"(?P<status>[A-Z_]+)"$'))
def _(status: str, story: Story) -> None:
    post = story.the_post()
    assert post.status == status, post.status
    assert post.lease_token is None or status == PostStatus.PUBLISHING


@then(parsers.parse('the post "{text}" is "{status}"'))
def _(text: str, status: str, story: Story) -> None:
    assert story.the_post(text).status == status


@then(parsers.parse('every post is "{status}"'))
def _(status: str, story: Story) -> None:
    statuses = Counter(
        ScheduledPost.objects.filter(pk__in=[p.pk for p in story.posts.values()]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {status: len(story.posts)}, statuses


@then(
    parsers.re(
        r'the post is "SCHEDULED" with a retry planned(?: no sooner than (?P<minutes>\d+) minutes from now)?$'
    )
)
def _(minutes: str | None, story: Story) -> None:
    post = story.the_post()
    assert post.status == PostStatus.SCHEDULED and post.retry_count >= 1
    earliest = timezone.now() + timedelta(minutes=int(minutes or 0)) - timedelta(seconds=2)
    assert post.next_attempt_at is not None and post.next_attempt_at >= earliest, (
        post.next_attempt_at,
        earliest,
    )
    # It is not sent before then: a run now leaves it alone.
    assert ScheduledPost.objects.filter(pk=post.pk, next_attempt_at__gt=timezone.now()).exists()


@then(parsers.parse('the post is "PUBLISHING" with "{in_flight}" in flight and "{waiting}" not sent yet'))
def _(in_flight: str, waiting: str, story: Story) -> None:
    post = story.the_post()
    assert post.status == PostStatus.PUBLISHING
    assert account_row(story, in_flight).status == AccountStatus.PUBLISHING
    assert account_row(story, waiting).status == AccountStatus.PENDING


@then(parsers.parse('the run reports "{line}"'))
def _(line: str, story: Story) -> None:
    assert story.outputs[-1].strip().splitlines()[-1] == line


@then("the runs shared the work, each post processed by one run")
def _(story: Story) -> None:
    processed = [figures["processed"] for figures in story.run_figures]
    assert sum(processed) == len(story.posts), processed
    assert sum(1 for count in processed if count) >= 2, f"the runs did not overlap: {processed}"


# --- each account's result -----------------------------------------------------------------------------


def account_row(story: Story, name: str, post: ScheduledPost | None = None) -> ScheduledPostAccount:
    post = post or story.the_post()
    return ScheduledPostAccount.objects.get(post=post, account=story.accounts[name])


def assert_has_its_post(story: Story, platforms: SimulatedPlatforms, name: str) -> None:
    row = account_row(story, name)
    account = story.accounts[name]
    platform = next(label for label, value in PLATFORM_NAMES.items() if value == account.platform)
    made = platforms.posts_made(platform=platform, account=name)
    assert len(made) == 1, made
    assert row.status == AccountStatus.PUBLISHED and row.published_at is not None
    assert (row.platform_post_id, row.platform_post_url) == (made[0].id, made[0].url)


@then("each account has the id and the link of its post on the platform")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    for name in story.accounts:
        assert_has_its_post(story, platforms, name)


@then(
    parsers.re(
        r'the accounts? (?P<names>".+") (?:is|are) "PUBLISHED" with the id and the link of their post$'
    )
)
def _(names: str, story: Story, platforms: SimulatedPlatforms) -> None:
    for account in story.named(names):
        assert_has_its_post(story, platforms, account.name)


@then(parsers.re(rf'the account "(?P<name>[^"]+)" is "PUBLISHED" with the id {PLATFORM} gave the post$'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    assert_has_its_post(story, platforms, name)


@then(
    parsers.re(
        r'the account "(?P<name>[^"]+)" is "(?P<status>[A-Z_]+)" with an? "(?P<kind>[A-Z]+)" error saying "(?P<words>[^"]+)"$'
    )
)
def _(name: str, status: str, kind: str, words: str, story: Story) -> None:
    row = account_row(story, name)
    assert (row.status, row.error_kind) == (status, kind), (row.status, row.error_kind, row.error_message)
    assert words in row.error_message, row.error_message


@then(parsers.parse('every account of "{text}" is "{status}" with a "{kind}" error saying "{words}"'))
def _(text: str, status: str, kind: str, words: str, story: Story) -> None:
    rows = ScheduledPostAccount.objects.filter(post=story.the_post(text))
    assert rows and all(
        (row.status, row.error_kind) == (status, kind) and words in row.error_message for row in rows
    )


@then(parsers.parse('"{name}" needs reconnecting'))
def _(name: str, story: Story) -> None:
    story.accounts[name].refresh_from_db()
    assert story.accounts[name].status == SocialAccountStatus.NEEDS_RECONNECT


# --- what reached the platforms ------------------------------------------------------------------------


@then("no platform received anything")
def _(platforms: SimulatedPlatforms) -> None:
    assert platforms.received == [] and len(platforms.mock.calls) == 0


@then("no platform received anything more")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    assert platforms.received[story.received_before_last_run :] == []


@then(parsers.parse('no platform received "{text}"'))
def _(text: str, platforms: SimulatedPlatforms) -> None:
    assert platforms.received_by(text=text) == []


@then(
    parsers.re(
        rf"{PLATFORM} received (?:the post|it) (?P<times>once|twice|\d+ times)(?: in all)?"
        r"(?P<new_token>, (?:the second time )?with the new access token)?$"
    )
)
def _(platform: str, times: str, new_token: str | None, story: Story, platforms: SimulatedPlatforms) -> None:
    calls = platforms.received_by(platform=platform, text=story.the_post().content)
    expected = TIMES.get(times) or int(times.split()[0])
    assert len(calls) == expected, calls
    if new_token:
        [(access_token, _)] = platforms.token_endpoint.issued
        assert calls[-1].token == access_token
        assert all(call.token != access_token for call in calls[:-1])


@then(parsers.re(rf"{PLATFORM} received nothing$"))
def _(platform: str, platforms: SimulatedPlatforms) -> None:
    assert platforms.received_by(platform=platform) == []


@then("each account received the post once")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    post = story.the_post()
    for name in story.accounts:
        assert len(platforms.received_by(account=name, text=post.content)) == 1, name


@then("each account received each post exactly once")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    received = Counter((call.sender, call.text) for call in platforms.received)
    expected = {(name, text): 1 for name in story.accounts for text in story.posts}
    assert received == expected, {key: count for key, count in received.items() if count != 1}


@then(parsers.re(rf"{PLATFORM} has the post once$"))
def _(platform: str, story: Story, platforms: SimulatedPlatforms) -> None:
    text = story.the_post().content
    assert [post.text for post in platforms.posts_made(platform=platform)] == [text]


# --- tokens --------------------------------------------------------------------------------------------


@then(parsers.parse('X\'s token endpoint was asked once, by the app, with the refresh token of "{name}"'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    _, refresh_token = story.original_tokens[name]
    assert platforms.token_endpoint.refreshes == [
        Refresh(refresh_token=refresh_token, client_authenticated=True)
    ]


@then(parsers.parse('"{name}" keeps the new access and refresh tokens, encrypted in the database'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    account = SocialAccount.objects.get(pk=story.accounts[name].pk)
    [(access_token, refresh_token)] = platforms.token_endpoint.issued
    assert (account.access_token, account.refresh_token) == (access_token, refresh_token)
    assert account.token_expires_at > timezone.now() + timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT access_token, refresh_token FROM {SocialAccount._meta.db_table} WHERE id = %s",  # noqa: S608
            [account.pk],
        )
        stored = " ".join(cursor.fetchone())
    assert access_token not in stored and refresh_token not in stored


# --- planning: account groups, posting schedules and the planner's clock -------------------------------
# (queue.feature, recurrence.feature, import.feature; their own steps are in their test modules)

from datetime import datetime  # noqa: E402

from planning.models import AccountGroup  # noqa: E402
from planning.models import PostingSchedule  # noqa: E402
from planning.models import PostingSlot  # noqa: E402

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Plan:
    """What a planning scenario set up: groups, schedules, and the planner's clock (None: the real one)."""

    now: datetime | None = None
    groups: dict[str, AccountGroup] = field(default_factory=dict)
    schedules: dict[str, PostingSchedule] = field(default_factory=dict)
    refusal: str = ""
    slots_before: dict[str, datetime] = field(default_factory=dict)  # each post's time before a change

    def clock(self) -> datetime:
        return self.now or timezone.now()


@pytest.fixture
def plan() -> Plan:
    return Plan()


@given(parsers.parse('the account group "{name}" with {members}'))
def _(name: str, members: str, story: Story, plan: Plan) -> None:
    plan.groups[name] = AccountGroup.objects.create(name=name)
    plan.groups[name].accounts.set(story.named(members))


@given(
    parsers.re(
        r'"(?P<owner>[^"]+)" posts (?P<days>every day|on [A-Za-z, ]+?) at (?P<times>[\d:, and]+) in "(?P<zone>[^"]+)"$'
    )
)
def _(owner: str, days: str, times: str, zone: str, story: Story, plan: Plan) -> None:
    """A posting schedule of an account group or an account: "on Mondays and Thursdays at 09:00 and 17:30"."""
    group = plan.groups.get(owner)
    schedule = PostingSchedule.objects.create(
        name=owner, group=group, account=None if group else story.accounts[owner], timezone=zone
    )
    weekdays = (
        range(7)
        if days == "every day"
        else [WEEKDAYS.index(day.rstrip("s")) for day in re.findall(r"[A-Z][a-z]+days", days)]
    )
    clocks = [datetime.strptime(value, "%H:%M").time() for value in re.findall(r"\d\d:\d\d", times)]
    PostingSlot.objects.bulk_create(
        PostingSlot(schedule=schedule, weekday=weekday, time=clock)
        for weekday in weekdays
        for clock in clocks
    )
    plan.schedules[owner] = schedule


@given(parsers.parse('it is {wall} in "{zone}"'))
def _(wall: str, zone: str, plan: Plan) -> None:
    """The planner's clock, e.g. "2030-03-29 12:00": what "next slot" and "the coming window" count from."""
    plan.now = datetime.strptime(wall, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
