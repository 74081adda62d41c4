"""The Sandbox client against the network's real views (served in this process, ``network.py``), and the
publisher engine publishing to it: media arrive whole, faults turn into retries and reconciliation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from social.platforms import PublishError
from social.platforms import PublishPayload
from social.platforms.base.client import Found
from social.platforms.base.client import MediaItem
from social.platforms.base.client import NotFound
from social.platforms.sandbox import client as sandbox_client
from social.platforms.sandbox.client import SandboxClient
from social.platforms.sandbox.models import Fault
from social.platforms.sandbox.models import SandboxAccount
from social.platforms.sandbox.models import SandboxMedia
from social.platforms.sandbox.models import SandboxPost
from social.platforms.sandbox.network import api
from tests.calendar_app.factories import make_post
from tests.calendar_app.publisher.helpers import make_due_again
from tests.calendar_app.publisher.helpers import post_account
from tests.calendar_app.publisher.helpers import run
from tests.media_library.files import make_mp4
from tests.media_library.files import make_png

from ..helpers import in_doubt

pytestmark = pytest.mark.django_db

IMAGE_URL = "https://cdn.example.com/square.png"
VIDEO_URL = "https://cdn.example.com/clip.mp4"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """A lost answer comes back at once here (the real wait is the feature scenario's)."""
    monkeypatch.setattr(api, "pause", lambda seconds: None)


@pytest.fixture
def acme(on_network, connected):
    return connected(on_network("acme"))


def serve_file(wire, url: str, content: bytes, content_type: str) -> None:
    wire.get(url, body=content, headers={"Content-Type": content_type, "Content-Length": str(len(content))})


def test_publish__text_and_an_image_in_several_pieces_reach_the_timeline(
    acme, network, wire, tmp_path, monkeypatch
):
    monkeypatch.setattr(sandbox_client, "UPLOAD_PIECE_BYTES", 400)
    png = make_png(tmp_path / "square.png", 120, 90).read_bytes()
    assert len(png) > 800
    serve_file(wire, IMAGE_URL, png, "image/png")

    result = SandboxClient(acme).publish(
        PublishPayload(text="A square", media=(MediaItem(IMAGE_URL, "image", "A blue square"),))
    )

    post = SandboxPost.objects.get()
    assert (result.platform_post_id, post.text) == (post.pk, "A square")
    assert result.platform_post_url == f"http://testserver/sandbox/acme/#{post.pk}"
    [media] = post.media.all()
    assert (media.kind, media.alt_text, media.width, media.height) == ("image", "A blue square", 120, 90)
    assert media.file.read() == png
    assert len(network.calls_to("PUT", f"/sandbox/api/v1/media/{media.pk}/content")) == -(-len(png) // 400)


def test_publish__a_video(acme, network, wire, tmp_path):
    mp4 = make_mp4(tmp_path / "clip.mp4", seconds=1).read_bytes()
    serve_file(wire, VIDEO_URL, mp4, "video/mp4")

    SandboxClient(acme).publish(PublishPayload(text="Watch", media=(MediaItem(VIDEO_URL, "video"),)))

    media = SandboxMedia.objects.get()
    assert media.kind == "video" and media.duration == pytest.approx(1, abs=0.2)


def test_publish__a_file_that_is_not_the_image_it_claims_is_invalid_and_nothing_is_posted(
    acme, network, wire
):
    serve_file(wire, IMAGE_URL, b"<html>not found</html>", "image/png")

    with pytest.raises(PublishError) as caught:
        SandboxClient(acme).publish(PublishPayload(text="x", media=(MediaItem(IMAGE_URL, "image"),)))

    assert caught.value.kind == "INVALID"
    assert "not an image or video" in caught.value.message
    assert not SandboxPost.objects.exists() and not SandboxMedia.objects.exists()


def test_reconcile__finds_a_post_the_network_made_and_not_one_it_did_not(acme, network):
    started_at = timezone.now()
    made = SandboxPost.objects.create(account=acme_network_account(acme), text="Launch day")

    assert SandboxClient(acme).reconcile(in_doubt_at(PublishPayload(text="Launch day"), started_at)) == Found(
        made.pk, f"http://testserver/sandbox/acme/#{made.pk}"
    )
    assert isinstance(
        SandboxClient(acme).reconcile(in_doubt_at(PublishPayload(text="Other"), started_at)), NotFound
    )


# --- the publisher, through the faults ----------------------------------------------------------------------


def due_post(author, account, text="Launch day"):
    return make_post(
        author, accounts=[account], content=text, scheduled_at=timezone.now() - timedelta(seconds=5)
    )


def set_fault(account, fault: str, remaining: int | None = None) -> None:
    network_account = acme_network_account(account)
    network_account.fault, network_account.fault_remaining = fault, remaining
    network_account.save()


def test_engine__a_lost_answer_is_reconciled_into_the_post_the_network_made(acme, network, user):
    set_fault(acme, Fault.LOSE_ANSWER, remaining=1)
    post = due_post(user, acme)

    run()

    post.refresh_from_db()
    [made] = SandboxPost.objects.all()
    target = post_account(post, acme)
    assert post.status == PostStatus.PUBLISHED
    assert (target.status, target.platform_post_id) == (AccountStatus.PUBLISHED, made.pk)
    assert len(network.calls_to("POST", "/sandbox/api/v1/posts")) == 1


def test_engine__a_transient_error_is_retried_after_the_network_confirms_nothing_was_made(
    acme, network, user
):
    set_fault(acme, Fault.UNAVAILABLE, remaining=1)
    post = due_post(user, acme)

    run()
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.next_attempt_at is not None
    assert not SandboxPost.objects.exists()

    make_due_again(post)
    run()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post_account(post, acme).platform_post_id == SandboxPost.objects.get().pk


def test_engine__a_rate_limit_waits_at_least_what_the_network_asked(acme, network, user):
    set_fault(acme, Fault.RATE_LIMIT)
    post = due_post(user, acme)
    before = timezone.now()

    run()

    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert post.next_attempt_at >= before + timedelta(seconds=30)
    attempt = PublishAttempt.objects.get()
    assert (attempt.error_kind, attempt.http_status) == ("TRANSIENT", 429)
    assert not SandboxPost.objects.exists()


def acme_network_account(account):
    return SandboxAccount.objects.get(handle=account.external_id)


def in_doubt_at(payload, started_at):
    attempt = in_doubt(payload)
    return type(attempt)(payload=attempt.payload, started_at=started_at, state=attempt.state)
