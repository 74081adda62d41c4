"""Steps about the platforms at the wire: what they answer, and what reached them."""

from __future__ import annotations

from collections import Counter

from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then

from bench.simulation import HoldCall
from bench.simulation import Refuse

from .platforms import SimulatedPlatforms
from .story import PLATFORM
from .story import Story

TIMES = {"once": 1, "twice": 2}


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
