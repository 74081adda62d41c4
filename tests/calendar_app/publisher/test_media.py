"""Library media on their way out (publisher/media.py): the asset rows are loaded with the claimed posts, and
the platform-call threads, which have no database, read the files from storage (platforms that upload) or
hand over a signed URL they fetched first (platforms that fetch). Real files, real storage, real clients;
the platforms at the wire."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
import responses
from django.core.signals import request_started
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import ErrorKind
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.publisher import publish_due_posts
from media_library.models import MediaUsage
from tests.media_library.conftest import media_root  # noqa: F401
from tests.media_library.conftest import s3_server  # noqa: F401
from tests.media_library.conftest import s3_storage  # noqa: F401
from tests.media_library.files import make_jpeg
from tests.media_library.posts import add_file
from tests.social.platforms.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

X_API = "https://api.x.com"
GRAPH = "https://graph.facebook.com/v25.0"
IG_USER = "17841400000000001"
# Two call threads: the platform calls run on threads whose database handle raises (workers.py).
CONCURRENCY = 2


@pytest.fixture(params=["local"])
def backend(request):
    """Where the library keeps its files: the file system, or (``s3``) a bucket on moto's server."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


@pytest.fixture
def photo(user, tmp_path, backend):
    path = make_jpeg(tmp_path / "launch.jpg", 1080, 1080)
    return add_file(user, path, alt_text="The launch"), path.read_bytes()


def due_post(user, account, asset, **metadata_extra) -> ScheduledPost:
    post = ScheduledPost.objects.create(
        content="Launch day",
        metadata={"media": [{"asset": asset.pk, "type": asset.kind}], **metadata_extra},
        scheduled_at=timezone.now() - timedelta(minutes=1),
        status=PostStatus.SCHEDULED,
        created_by=user,
    )
    post.post_accounts.create(account=account)
    MediaUsage.objects.create(post=post, asset=asset)
    return post


@pytest.fixture
def wire():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.parametrize("backend", ["local", "s3"], indirect=True)
def test_x__the_image_is_read_from_storage_on_a_call_thread(user, make_account, photo, wire):
    asset, content = photo
    x = make_account("TWITTER", extra={"username": "acme"})
    post = due_post(user, x, asset)
    upload = wire.post(f"{X_API}/2/media/upload", json={"data": {"id": "710511363345354753"}})
    wire.post(f"{X_API}/2/tweets", status=201, json={"data": {"id": "1880", "text": "Launch day"}})

    summary = publish_due_posts(concurrency=CONCURRENCY)

    assert summary.succeeded == 1, post.post_accounts.get().error_message
    sent = json.loads(upload.calls[0].request.body)
    assert base64.b64decode(sent["media"]) == content and sent["media_category"] == "tweet_image"
    assert json.loads(wire.calls[-1].request.body) == {
        "text": "Launch day",
        "media": {"media_ids": ["710511363345354753"]},
    }


def instagram_on_the_wire(wire) -> dict:
    """Instagram's container, status and publish calls; what the container was asked to fetch is kept."""
    seen: dict = {}

    def container(prepared):
        seen.update(parse_qs(prepared.body))
        return 200, {}, json.dumps({"id": "c-1"})

    wire.add_callback(responses.POST, f"{GRAPH}/{IG_USER}/media", callback=container)
    wire.get(f"{GRAPH}/c-1", json={"status_code": "FINISHED", "id": "c-1"})
    wire.post(f"{GRAPH}/{IG_USER}/media_publish", json={"id": "m-1"})
    wire.get(f"{GRAPH}/m-1", json={"permalink": "https://www.instagram.com/p/m1/", "id": "m-1"})
    return seen


@pytest.fixture
def instagram(make_account):
    account = make_account("INSTAGRAM", extra={"page_id": "1001"})
    account.external_id = IG_USER
    account.save(update_fields=["external_id"])
    return account


@pytest.fixture
def site_requests():
    """Every request the live site received: (path, Range header)."""
    seen: list[tuple[str, str]] = []

    def record(sender, environ, **kwargs):
        seen.append((environ.get("PATH_INFO", ""), environ.get("HTTP_RANGE", "")))

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def test_instagram__gets_a_signed_url_checked_before_the_call(
    user, instagram, photo, wire, live_server, settings, site_requests
):
    settings.SITE_URL = live_server.url
    wire.add_passthru(live_server.url)
    asset, content = photo
    post = due_post(user, instagram, asset)
    seen = instagram_on_the_wire(wire)

    summary = publish_due_posts(concurrency=CONCURRENCY)

    assert summary.succeeded == 1, post.post_accounts.get().error_message
    url = seen["image_url"][0]
    assert url.startswith(f"{live_server.url}/media-library/public/") and url.endswith("/image.jpg")
    assert seen["alt_text"] == ["The launch"]
    # Fetched first by the publisher, one byte, as the platform will fetch it.
    assert [(path, asked) for path, asked in site_requests if path == urlsplit(url).path] == [
        (urlsplit(url).path, "bytes=0-0")
    ]
    fetched = requests.get(url, timeout=10)  # and it serves the file, as Instagram will fetch it
    assert (
        fetched.status_code == 200
        and hashlib.sha256(fetched.content).digest() == hashlib.sha256(content).digest()
    )


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_instagram__an_s3_asset_goes_as_a_presigned_url(user, instagram, photo, wire, s3_storage, s3_server):  # noqa: F811
    wire.add_passthru(s3_server)
    asset, content = photo
    due_post(user, instagram, asset)
    seen = instagram_on_the_wire(wire)

    summary = publish_due_posts(concurrency=CONCURRENCY)

    assert summary.succeeded == 1
    url = seen["image_url"][0]
    assert url.startswith(f"{s3_server}/{s3_storage}/library-prefix/library/") and "X-Amz-Signature=" in url
    assert requests.get(url, timeout=10).content == content


def test_instagram__a_url_that_does_not_answer_is_retried_and_instagram_is_not_called(
    user, instagram, photo, wire, settings
):
    settings.SITE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    wire.add_passthru(settings.SITE_URL)
    post = due_post(user, instagram, photo[0])
    container = wire.post(f"{GRAPH}/{IG_USER}/media", json={"id": "c-1"})

    summary = publish_due_posts(concurrency=CONCURRENCY)

    assert summary.retrying == 1 and container.call_count == 0
    post_account = post.post_accounts.get()
    assert (post_account.status, post_account.error_kind) == (AccountStatus.PENDING, ErrorKind.TRANSIENT)
    assert post_account.error_message == (
        f"“launch.jpg” cannot be fetched by the platform: The media URL on {settings.SITE_URL[7:]} cannot be "
        "reached (ConnectionError). Will retry."
    )
    assert not PublishAttempt.objects.exists()  # Instagram was never called


def test_instagram__without_site_url_local_files_have_no_public_url_and_wait(
    user, instagram, photo, wire, settings
):
    settings.SITE_URL = ""
    post = due_post(user, instagram, photo[0])

    summary = publish_due_posts(concurrency=CONCURRENCY)

    assert summary.retrying == 1
    post_account = post.post_accounts.get()
    assert post_account.error_kind == ErrorKind.TRANSIENT
    assert post_account.error_message.startswith("No public URL for “launch.jpg”: SITE_URL is not set")


def test_a_post_naming_a_deleted_asset_fails_that_account_without_a_call(user, make_account, photo, wire):
    x = make_account("TWITTER")
    post = ScheduledPost.objects.create(
        content="Old post",
        metadata={"media": [{"asset": photo[0].pk + 1000, "type": "image"}]},
        scheduled_at=timezone.now() - timedelta(minutes=1),
        status=PostStatus.SCHEDULED,
        created_by=user,
    )
    post.post_accounts.create(account=x)

    summary = publish_due_posts(concurrency=CONCURRENCY)

    assert summary.failed == 1 and len(wire.calls) == 0
    post_account = post.post_accounts.get()
    assert (post_account.status, post_account.error_kind) == (AccountStatus.FAILED, ErrorKind.INVALID)
    assert post_account.error_message.startswith(
        f"Media asset {photo[0].pk + 1000} is no longer in the media library"
    )
