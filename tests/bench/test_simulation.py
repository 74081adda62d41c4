"""One simulation, two transports: the real clients meet the same platforms whether the simulation answers
in process (``features/platforms.py``, through ``responses``) or on loopback (``bench/fake_platforms.py``).

Each test runs the same publishing session through both, on fresh simulations, and compares what the
clients got back and what the platforms recorded: the same ids, links, reconcile answers, errors and counts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import responses
from django.utils import timezone

from bench.fake_platforms import LoopbackThread
from bench.simulation import HoldCall
from bench.simulation import Refuse
from bench.simulation import World
from features.platforms import SimulatedPlatforms
from social.models import SocialAccount
from social.platforms import InDoubtAttempt
from social.platforms import MediaItem
from social.platforms import PublishError
from social.platforms import PublishPayload
from social.platforms import StillProcessing
from social.platforms import client_for
from social.platforms import get_provider
from social.platforms import platform_specs
from social.platforms.bluesky.tid import encode

VIDEO_BYTES = 300_000
IMAGE_BYTES = 4096
MASTODON_SERVER = "https://mastodon.example"
ACCOUNTS = {
    "TWITTER": SocialAccount(platform="TWITTER", external_id="150", name="@acme", extra={"username": "acme"}),
    "FACEBOOK": SocialAccount(platform="FACEBOOK", external_id="1040", name="Acme Page"),
    "INSTAGRAM": SocialAccount(platform="INSTAGRAM", external_id="1784100", name="acme.ig"),
    "LINKEDIN": SocialAccount(
        platform="LINKEDIN", external_id="m7", name="Acme Inc.", extra={"author_urn": "urn:li:person:m7"}
    ),
    "YOUTUBE": SocialAccount(platform="YOUTUBE", external_id="UCx", name="Acme TV"),
    "BLUESKY": SocialAccount(
        platform="BLUESKY",
        external_id="did:plc:acme",
        name="@acme.bsky.social",
        extra={"handle": "acme.bsky.social"},
    ),
    "MASTODON": SocialAccount(
        platform="MASTODON",
        external_id="109@mastodon.example",
        name="@acme@mastodon.example",
        extra={"username": "acme"},
    ),
    "THREADS": SocialAccount(
        platform="THREADS", external_id="7126419331", name="@acme", extra={"username": "acme"}
    ),
}
for _platform, _account in ACCOUNTS.items():
    _account.access_token = f"tok-{_platform.lower()}"


@dataclass(frozen=True)
class Media:
    """Where a transport serves the media files the clients download."""

    video: str
    image: str


@contextmanager
def in_process(settings) -> Iterator[tuple[World, Media]]:
    """The simulation answering at the wire through ``responses``, at the platforms' real hosts."""
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as wire,
        mastodon_server_at(MASTODON_SERVER),
    ):
        platforms = SimulatedPlatforms(wire)
        platforms.serve(MASTODON_SERVER)
        media = Media(video="https://cdn.example.com/clip.mp4", image="https://cdn.example.com/photo.jpg")
        platforms.serve_media(media.video, "video/mp4", VIDEO_BYTES)
        platforms.serve_media(media.image, "image/jpeg", IMAGE_BYTES)
        yield platforms.world, media
        assert platforms.unexpected_requests() == []


@contextmanager
def on_loopback(settings) -> Iterator[tuple[World, Media]]:
    """The simulation served on a loopback port, every platform URL pointing there."""
    with LoopbackThread(SimulatedPlatforms.new_world()) as server, mastodon_server_at(server.url):
        for spec in platform_specs():
            setattr(settings, spec.client_class.api_url_setting, server.url)
        settings.YOUTUBE_UPLOAD_URL = f"{server.url}/upload"
        yield (
            server.world,
            Media(
                video=f"{server.url}/media/clip.mp4?bytes={VIDEO_BYTES}",
                image=f"{server.url}/media/photo.jpg?bytes={IMAGE_BYTES}",
            ),
        )


TRANSPORTS = {"in process": in_process, "on loopback": on_loopback}


@contextmanager
def mastodon_server_at(url: str) -> Iterator[None]:
    """The Mastodon account is on the server at ``url`` (its own host: no API_URL setting reaches it)."""
    account = ACCOUNTS["MASTODON"]
    before = account.extra
    account.extra = {**before, "server_url": url}
    try:
        yield
    finally:
        account.extra = before


def record_keys() -> Callable[[], str]:
    """Bluesky's record keys as a fixed sequence of TIDs, so both transports see the same ones."""
    numbers = itertools.count((1_767_225_600_000_000 << 10) + 1)  # 2026-01-01T00:00:00Z
    return lambda: encode(next(numbers))


def run_session(transport, settings, session: Callable[[World, Media], list[Any]]) -> tuple[list[Any], dict]:
    with (
        transport(settings) as (world, media),
        mock.patch("social.platforms.bluesky.client.new_tid", record_keys()),
    ):
        for account in ACCOUNTS.values():
            world.connect(SimulatedPlatforms.simulated_account(account), account.access_token)
        seen = session(world, media)
        summary = world.summary()
    recorded = {key: summary[key] for key in ("calls", "statuses", "create_requests", "posts_created")}
    return seen, recorded | {"creates": world.creates()}


def same_through_both(settings, session: Callable[[World, Media], list[Any]]) -> list[Any]:
    """Run ``session`` through both transports; what it saw and what the platforms recorded must agree."""
    outcomes = {name: run_session(transport, settings, session) for name, transport in TRANSPORTS.items()}
    assert outcomes["in process"] == outcomes["on loopback"]
    return outcomes["in process"][0]


def client(platform: str, state: dict | None = None):
    made = client_for(ACCOUNTS[platform], on_progress=state.update if state is not None else None)
    made.sleep = lambda seconds: None  # media processing polls without waiting
    return made


def in_doubt(payload: PublishPayload, state: dict | None = None) -> InDoubtAttempt:
    return InDoubtAttempt(
        payload=payload, started_at=timezone.now() - timedelta(seconds=5), state=state or {}
    )


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except PublishError as exc:
        return (exc.kind, exc.http_status)


def test_simulation__every_platform_publishes_and_reconciles_alike_through_both_transports(settings):
    def session(world: World, media: Media) -> list[Any]:
        seen = []
        image = MediaItem(url="https://cdn.example.com/photo.jpg", type="image")
        payloads = {
            "TWITTER": PublishPayload(text="Spring sale"),
            "FACEBOOK": PublishPayload(text="Spring sale", media=(image,)),
            "INSTAGRAM": PublishPayload(text="Spring sale", media=(image,)),
            "LINKEDIN": PublishPayload(text="Spring sale (today only) #sale"),
            "YOUTUBE": PublishPayload(
                text="Spring sale",
                media=(MediaItem(url=media.video, type="video"),),
                options={"title": "Sale"},
            ),
            "BLUESKY": PublishPayload(
                text="Spring sale 🌸 with @acme.bsky.social and @nobody.example.com #sale",
                media=(MediaItem(url=media.image, type="image", alt_text="Blossoms"),),
                options={"langs": "en"},
            ),
            "MASTODON": PublishPayload(
                text="Spring sale https://shop.example/spring @bob@other.example",
                media=(MediaItem(url=media.video, type="video", alt_text="The shop"),),
                options={"visibility": "unlisted", "spoiler_text": "Ads"},
                idempotency_key="post-1-account-6",
            ),
            "THREADS": PublishPayload(
                text="Spring sale 🌸",
                media=(
                    MediaItem(url="https://cdn.example.com/photo.jpg", type="image", alt_text="Blossoms"),
                    MediaItem(url=media.video, type="video"),
                ),
            ),
        }
        for platform, payload in payloads.items():
            state: dict = {}
            seen.append(client(platform, state).publish(payload))
            seen.append(client(platform).reconcile(in_doubt(payload, state)))
        seen.append(client("TWITTER").reconcile(in_doubt(PublishPayload(text="never sent"))))
        # The same post again to the same Mastodon account: the status made the first time, nothing new.
        seen.append(client("MASTODON").publish(payloads["MASTODON"]))
        return seen

    seen = same_through_both(settings, session)

    assert seen[0].platform_post_url.startswith("https://x.com/acme/status/")
    assert seen[1].platform_post_id == seen[0].platform_post_id  # reconcile found it
    bluesky, found = seen[10], seen[11]
    assert bluesky.platform_post_id.startswith("at://did:plc:acme/app.bsky.feed.post/")
    assert found.platform_post_id == bluesky.platform_post_id
    mastodon_status, found, again = seen[12], seen[13], seen[-1]
    assert mastodon_status.platform_post_url.startswith("https://mastodon.example/@acme/")
    assert found.platform_post_id == again.platform_post_id == mastodon_status.platform_post_id
    threads_carousel, found = seen[14], seen[15]
    assert threads_carousel.platform_post_url.startswith("https://www.threads.net/@acme/post/")
    assert found.platform_post_id == threads_carousel.platform_post_id


def test_simulation__faults_and_refusals_are_the_same_through_both_transports(settings):
    def session(world: World, media: Media) -> list[Any]:
        world.answer_next("TWITTER", Refuse(lambda api: api.rate_limited(30)))
        world.answer_next("FACEBOOK", Refuse(lambda api: api.server_error()))
        world.answer_next("LINKEDIN", HoldCall(seconds=2.0, creates=True))
        world.answer_next("MASTODON", Refuse(lambda api: api.rate_limited(30)), HoldCall(2.0, creates=True))
        text = PublishPayload(text="A fault")
        seen = [outcome(lambda platform=platform: client(platform).publish(text)) for platform in ACCOUNTS]
        # The held LinkedIn call made the post: sending it again names it as a duplicate.
        seen.append(client("LINKEDIN").reconcile(in_doubt(text, {"image_urns": []})))
        seen.append(outcome(lambda: client_for(_with_token("TWITTER", "unknown")).publish(text)))
        # Mastodon: the answer to the second try is lost; the account's statuses show it was made.
        seen.append(outcome(lambda: client("MASTODON").publish(text)))
        seen.append(client("MASTODON").reconcile(in_doubt(text)))
        # A video Mastodon cannot process is refused where it is polled, and nothing is posted.
        world.apis["MASTODON"].fail_next_processing = True
        clip = PublishPayload(text="A clip", media=(MediaItem(url=media.video, type="video"),))
        seen.append(outcome(lambda: client("MASTODON").publish(clip)))
        return seen

    seen = same_through_both(settings, session)

    # X and Mastodon rate-limited, Facebook 5xx on the create call, Instagram and YouTube refuse a text-only
    # post before any call, LinkedIn's answer never came (its reconcile finds the post), Bluesky and Threads
    # posted.
    assert seen[0][0] == "TRANSIENT" and seen[1] == ("UNKNOWN", 500) and seen[3] == ("UNKNOWN", None)
    assert seen[5].platform_post_id.startswith("at://did:plc:acme/")
    assert seen[6] == ("TRANSIENT", 429)  # Mastodon's rate limit
    assert seen[7].platform_post_url.startswith("https://www.threads.net/@acme/post/")
    assert seen[8].platform_post_id.startswith("urn:li:share:")
    assert seen[9] == ("AUTH", 401)
    assert seen[10] == ("UNKNOWN", None) and seen[11].platform_post_id  # Mastodon's lost answer, found
    assert seen[12] == ("INVALID", 422)


def test_simulation__bluesky_faults_and_record_keys_are_the_same_through_both_transports(
    settings, monkeypatch
):
    def session(world: World, media: Media) -> list[Any]:
        text = PublishPayload(text="Keyed")
        seen = []
        for fault in (
            HoldCall(seconds=2.0, creates=True),  # made, answer lost: found at its key
            HoldCall(seconds=2.0, creates=False),  # never made: not found at its key
        ):
            world.answer_next("BLUESKY", fault)
            state: dict = {}
            seen.append(outcome(lambda state=state: client("BLUESKY", state).publish(text)))
            seen.append(type(client("BLUESKY").reconcile(in_doubt(text, state))).__name__)
        world.answer_next("BLUESKY", Refuse(lambda api: api.rate_limited(30)))
        seen.append(outcome(lambda: client("BLUESKY").publish(text)))
        seen.append(outcome(lambda: client_for(_with_token("BLUESKY", "unknown")).publish(text)))
        # A second create at a key that holds a record fails in the repository: a bare 500.
        with mock.patch("social.platforms.bluesky.client.new_tid", lambda: "3lbqaaaaaaaa2"):
            seen.append(outcome(lambda: client("BLUESKY").publish(text)))
            seen.append(outcome(lambda: client("BLUESKY").publish(text)))
        return seen

    seen = same_through_both(settings, session)

    assert seen[:4] == [("UNKNOWN", None), "Found", ("UNKNOWN", None), "NotFound"]
    assert seen[4][0] == "TRANSIENT" and seen[5] == ("AUTH", 400)
    assert seen[6].platform_post_id == "at://did:plc:acme/app.bsky.feed.post/3lbqaaaaaaaa2"
    assert seen[7] == ("UNKNOWN", 500)


def test_simulation__media_still_processing_is_resumed_alike_through_both_transports(settings):
    """An Instagram container Meta keeps IN_PROGRESS, and YouTube's privacy and schedule, the same both ways."""

    def session(world: World, media: Media) -> list[Any]:
        seen: list[Any] = []
        instagram = world.apis["INSTAGRAM"]
        instagram.processing_checks = 3
        reel = PublishPayload(text="A reel", media=(MediaItem(url=media.video, type="video"),))
        state: dict = {}
        ig = client("INSTAGRAM", state)
        ig.container_wait_seconds = ig.container_poll_interval  # one check in the call, then a later run
        seen.append(still_processing(lambda: ig.publish(reel)))
        seen.append(still_processing(lambda: client("INSTAGRAM", state).resume(in_doubt(reel, state))))
        seen.append(client("INSTAGRAM", state).resume(in_doubt(reel, state)))
        seen.append(instagram.containers_of(ACCOUNTS["INSTAGRAM"].external_id))
        seen.append(client("INSTAGRAM").publishing_limit())

        youtube = world.apis["YOUTUBE"]
        clip = MediaItem(url=media.video, type="video")
        youtube.unaudited = True
        seen.append(
            client("YOUTUBE").publish(PublishPayload(text="Clip", media=(clip,), options={"title": "Clip"}))
        )
        youtube.unaudited = False
        later = (timezone.now() + timedelta(hours=2)).replace(microsecond=0).isoformat()
        scheduled = PublishPayload(
            text="Later", media=(clip,), options={"title": "Later", "publish_at": later}
        )
        state = {}
        seen.append(still_processing(lambda: client("YOUTUBE", state).publish(scheduled)))
        seen.append(still_processing(lambda: client("YOUTUBE", state).resume(in_doubt(scheduled, state))))
        return seen

    seen = same_through_both(settings, session)

    assert seen[0] == seen[1] == "still processing"
    assert seen[2].platform_post_id and seen[3] == 1, "published from its one container"
    assert seen[4] == {"quota_total": 50, "quota_duration": 86400, "quota_usage": 1}
    assert "YouTube made the video private" in seen[5].notice
    assert seen[6] == seen[7] == "still processing"


def still_processing(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except StillProcessing:
        return "still processing"


def test_simulation__threads_containers_processing_and_faults_are_the_same_through_both_transports(settings):
    def session(world: World, media: Media) -> list[Any]:
        threads = world.apis["THREADS"]
        clip = PublishPayload(text="A clip", media=(MediaItem(url=media.video, type="video"),))
        seen = []
        # Meta still processes the video: the first run leaves it, the next one publishes it.
        threads.polls_in_progress = 1
        state: dict = {}
        seen.append(still(lambda: client("THREADS", state).publish(clip)))
        seen.append(client("THREADS").resume(in_doubt(clip, state)))
        threads.polls_in_progress = 0
        # threads_publish answered nothing: the container tells whether it was published.
        for number, creates in enumerate((True, False)):
            text = PublishPayload(text=f"Held {number}")
            world.answer_next("THREADS", HoldCall(seconds=2.0, creates=creates))
            state = {}
            seen.append(outcome(lambda text=text, state=state: client("THREADS", state).publish(text)))
            seen.append(type(client("THREADS").reconcile(in_doubt(text, state))).__name__)
        # A rate limit on threads_publish keeps the container for a later run, which publishes it.
        text = PublishPayload(text="Limited")
        world.answer_next("THREADS", Refuse(lambda api: api.rate_limited(30)))
        state = {}
        seen.append(still(lambda: client("THREADS", state).publish(text)))
        seen.append(client("THREADS").resume(in_doubt(text, state)))
        seen.append(outcome(lambda: client_for(_with_token("THREADS", "unknown")).publish(text)))
        # The 60-day token refreshed, as the shared refresh service asks the provider to.
        refreshed = get_provider("THREADS").refresh_account(ACCOUNTS["THREADS"])
        seen.append((threads.refreshes, refreshed.access_token in world.tokens))
        return seen

    seen = same_through_both(settings, session)

    assert seen[0] == ("StillProcessing", 30.0) and seen[1].platform_post_id
    assert seen[2:6] == [("UNKNOWN", None), "Found", ("UNKNOWN", None), "NotFound"]
    assert seen[6] == ("StillProcessing", 30.0) and seen[7].platform_post_id
    assert seen[8] == ("AUTH", 400)
    assert seen[9] == (["tok-threads"], True)


def still(call: Callable[[], Any]) -> tuple[str, float]:
    """What a call that must leave the post processing raised: its type and when to check again."""
    try:
        call()
    except StillProcessing as exc:
        return ("StillProcessing", exc.check_after)
    raise AssertionError("the post did not wait for a later run")


def _with_token(platform: str, token: str) -> SocialAccount:
    account = ACCOUNTS[platform]
    return SocialAccount(
        platform=platform, external_id=account.external_id, extra=account.extra, access_token=token
    )


@pytest.fixture(autouse=True)
def _short_read_timeout(settings):
    """On loopback a held call waits for the read timeout: shorter than the hold, long for anything else."""
    settings.PLATFORM_READ_TIMEOUT = 1.0
