"""Steps about the posts: writing them, and what each post and each of its accounts ended with."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.models import Platform

from .platforms import PLATFORM_NAMES
from .platforms import SimulatedPlatforms
from .story import PLATFORM
from .story import Story
from .story import account_row


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


def show_media_on(post: ScheduledPost, platform: Platform, url: str, kind: str, **options: str) -> None:
    """What the post shows on one platform: one photo or video (and e.g. a title), in its metadata."""
    post.metadata.setdefault("platforms", {})[platform] = {"media": [{"url": url, "type": kind}], **options}
    post.save(update_fields=["metadata"])


@given(parsers.re(r'on Instagram the post (?P<shows>shows the photo|is the reel) "(?P<url>[^"]+)"$'))
def _(shows: str, url: str, story: Story) -> None:
    kind = "image" if shows == "shows the photo" else "video"
    show_media_on(story.the_post(), Platform.INSTAGRAM, url, kind)


@given(parsers.parse('on YouTube the post is the video "{url}" titled "{title}"'))
def _(url: str, title: str, story: Story, platforms: SimulatedPlatforms) -> None:
    show_media_on(story.the_post(), Platform.YOUTUBE, url, "video", title=title)
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
