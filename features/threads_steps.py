"""Steps of the Threads scenarios (threads.feature, threads_processing.feature): what a post sends to
Threads, and what the simulated Threads made of it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then
from pytest_bdd import when

from bench.simulation import HoldCall
from bench.simulation.threads import ThreadsApi
from social.models import Platform
from social.models import SocialAccount

from .platforms import SimulatedPlatforms
from .story import Story


def threads_api(platforms: SimulatedPlatforms) -> ThreadsApi:
    return platforms.world.apis[Platform.THREADS]


def containers_of(story: Story, platforms: SimulatedPlatforms) -> list:
    text = story.the_post().content
    return [container for container in threads_api(platforms).containers.values() if container.text == text]


@given(
    parsers.parse(
        'on Threads the post is the photos "{first}" and "{second}" described "{first_alt}" and "{second_alt}"'
    )
)
def _(first: str, second: str, first_alt: str, second_alt: str, story: Story) -> None:
    post = story.the_post()
    post.metadata.setdefault("platforms", {})["THREADS"] = {
        "media": [
            {"url": first, "type": "image", "alt_text": first_alt},
            {"url": second, "type": "image", "alt_text": second_alt},
        ]
    }
    post.save(update_fields=["metadata"])


@given("Threads makes the post but never answers")
def _(platforms: SimulatedPlatforms) -> None:
    platforms.answer_next("Threads", HoldCall(seconds=1.0, creates=True))


@given(parsers.parse('the token of "{name}" expires in {days:d} days'))
def _(name: str, days: int, story: Story) -> None:
    SocialAccount.objects.filter(pk=story.accounts[name].pk).update(
        token_expires_at=timezone.now() + timedelta(days=days)
    )


@then("Threads made one container for the post and published it once")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    [container] = containers_of(story, platforms)
    assert container.status == "PUBLISHED"
    assert len(platforms.received_by(platform="Threads", text=story.the_post().content)) == 1


@then(parsers.parse("on Threads the post is a carousel of {count:d} items with their descriptions"))
def _(count: int, story: Story, platforms: SimulatedPlatforms) -> None:
    [carousel] = containers_of(story, platforms)
    api = threads_api(platforms)
    items = [api.containers[child] for child in carousel.children]
    assert (carousel.media_type, carousel.status, len(items)) == ("CAROUSEL", "PUBLISHED", count)
    assert all(item.is_item and item.media_type == "IMAGE" for item in items)
    media = story.the_post().metadata["platforms"]["THREADS"]["media"]
    assert [item.alt_text for item in items] == [entry["alt_text"] for entry in media]
    [post] = platforms.posts_made(platform="Threads")
    assert post.id == carousel.post_id


@then(parsers.parse('Threads refreshed the token of "{name}" once, and it now lasts 60 days'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    original, _ = story.original_tokens[name]
    assert threads_api(platforms).refreshes == [original]
    account = SocialAccount.objects.get(pk=story.accounts[name].pk)
    assert account.access_token != original
    assert account.token_expires_at > timezone.now() + timedelta(days=59)
    [call] = platforms.received_by(platform="Threads", text=story.the_post().content)
    assert call.token == account.access_token  # the post went out with the refreshed token


@given(parsers.parse('on Threads the post is the video "{url}"'))
def _(url: str, story: Story) -> None:
    post = story.the_post()
    post.metadata.setdefault("platforms", {})["THREADS"] = {"media": [{"url": url, "type": "video"}]}
    post.save(update_fields=["metadata"])


@given("Threads keeps each new container in progress until it has finished processing")
def _(platforms: SimulatedPlatforms) -> None:
    threads_api(platforms).polls_in_progress = 1_000_000


@when("Threads has finished processing")
def _(platforms: SimulatedPlatforms) -> None:
    for container in threads_api(platforms).containers.values():
        if container.status == "IN_PROGRESS":
            container.status = "FINISHED"


@then(parsers.parse("Threads has one container for the post, still processing, and nothing published"))
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    [container] = containers_of(story, platforms)
    assert container.status == "IN_PROGRESS"
    assert platforms.received_by(platform="Threads") == [] and platforms.posts_made(platform="Threads") == []
