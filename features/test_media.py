"""The scenarios of media.feature: the library's admin endpoints, the post form and the real publisher, with
real files made in the test and stored through the real storage; Instagram simulated at the wire, fetching
from the live site as Meta does."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import PostInput
from calendar_app.services.posts import post_cancel
from calendar_app.services.posts import post_create
from calendar_app.services.posts import post_publish_now
from media_library.models import MediaAsset
from media_library.services import public_urls
from media_library.services.public_urls import media_asset_public_url
from media_library.services.public_urls import public_token_read
from social.platforms import MediaItem
from tests.media_library.conftest import media_root  # noqa: F401  (each test's own MEDIA_ROOT)
from tests.media_library.files import make_jpeg
from tests.media_library.files import make_mp4
from tests.media_library.posts import add_file

from .platforms import SimulatedPlatforms
from .story import Story

# The publisher's worker threads and the live site use their own database connections.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("media.feature")

LIBRARY = "/admin/media_library/mediaasset/"
ADD_POST = "/admin/calendar_app/scheduledpost/add/"


@pytest.fixture
def files(tmp_path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    return folder


@pytest.fixture
def staff(client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_superuser(username="editor", password="pw-editor-1"))
    return client


@pytest.fixture
def seen() -> SimpleNamespace:
    """What the scenario's steps saw: answers, refusals, the signed URL."""
    return SimpleNamespace(upload=None, response=None, refusal="", url="")


def make_file(folder: Path, name: str, description: str) -> Path:
    if "video" in description:
        return make_mp4(folder / name, seconds=float(description.split("-second")[0].split()[-1]))
    if "photo" in description:
        width, height = map(int, description.split()[-2].split("x"))
        return make_jpeg(folder / name, width, height)
    path = folder / name
    path.write_text("Meeting notes, not a picture.\n")
    return path


def asset_named(name: str) -> MediaAsset:
    return MediaAsset.objects.get(original_name=name, source__isnull=True)


# --- uploading --------------------------------------------------------------------------------------------


@when(parsers.re(r"a staff member uploads (?P<listed>.+\)) to the library$"))
def _(listed: str, staff: Client, files: Path, seen: SimpleNamespace) -> None:
    uploads = []
    for name, description in re.findall(r'"([^"]+)" \(an? ([^)]+)\)', listed):
        uploads.append(make_file(files, name, description))
    handles = [path.open("rb") for path in uploads]
    try:
        seen.upload = staff.post(f"{LIBRARY}upload/", {"files": handles}).json()
    finally:
        for handle in handles:
            handle.close()


@when(parsers.parse('a staff member uploads "{name}" to the library again'))
def _(name: str, staff: Client, files: Path, seen: SimpleNamespace) -> None:
    with (files / name).open("rb") as handle:
        seen.upload = staff.post(f"{LIBRARY}upload/", {"files": [handle]}).json()


@then(parsers.re(r'the library holds "(?P<name>[^"]+)", an image of (?P<width>\d+)x(?P<height>\d+)$'))
def _(name: str, width: str, height: str) -> None:
    asset = asset_named(name)
    assert (asset.kind, asset.mime_type, asset.width, asset.height) == (
        "image",
        "image/jpeg",
        int(width),
        int(height),
    )
    assert asset.thumbnail and asset.file.storage.exists(asset.file.name)


@then(parsers.re(r'the library holds "(?P<name>[^"]+)", a video of (?P<seconds>\d+) seconds$'))
def _(name: str, seconds: str) -> None:
    asset = asset_named(name)
    assert (asset.kind, asset.video_codec) == ("video", "h264")
    assert abs(asset.duration - int(seconds)) < 0.2


@then(parsers.parse('the upload of "{name}" is refused with a message naming it'))
def _(name: str, seen: SimpleNamespace) -> None:
    [error] = seen.upload["errors"]
    assert error["name"] == name and name in error["error"] and "\n" not in error["error"]
    assert not MediaAsset.objects.filter(original_name=name).exists()


@then(parsers.parse('the upload finds "{name}" already in the library'))
def _(name: str, seen: SimpleNamespace) -> None:
    [asset] = seen.upload["assets"]
    assert (asset["id"], asset["existing"]) == (asset_named(name).pk, True)
    assert MediaAsset.objects.filter(original_name=name).count() == 1


# --- posts using library media ------------------------------------------------------------------------


@given(parsers.re(r'the library holds "(?P<name>[^"]+)", an? (?P<description>.+)$'))
def _(name: str, description: str, files: Path, author) -> None:
    add_file(author, make_file(files, name, description))


@given("Instagram fetches the media it is given from this site")
def _(platforms: SimulatedPlatforms, live_server, settings) -> None:
    settings.SITE_URL = live_server.url
    platforms.mock.add_passthru(live_server.url)  # the publisher's own check of the URL
    platforms.world.configure({"fetch_media": True})


def publish_now(staff: Client, story: Story, text: str, to: str, asset: MediaAsset, seen: SimpleNamespace):
    seen.response = staff.post(
        ADD_POST,
        {
            "content": text,
            "social_accounts": [story.accounts[to].pk],
            "timezone": "UTC",
            "status": PostStatus.SCHEDULED,
            "publish_now": "on",
            "library_media": json.dumps([{"asset": asset.pk, "alt_text": ""}]),
            **{f"media_{index}_type": "image" for index in range(1, 5)},
        },
    )
    if seen.response.status_code == 302:
        story.post = story.posts[text] = ScheduledPost.objects.get(content=text)


@when(parsers.parse('a staff member publishes "{text}" now to "{to}" with "{name}"'))
def _(text: str, to: str, name: str, staff: Client, story: Story, seen: SimpleNamespace) -> None:
    publish_now(staff, story, text, to, asset_named(name), seen)


@when(parsers.parse('the staff member publishes "{text}" now to "{to}" with the rendition of "{name}"'))
def _(text: str, to: str, name: str, staff: Client, story: Story, seen: SimpleNamespace) -> None:
    publish_now(staff, story, text, to, MediaAsset.objects.get(source=asset_named(name)), seen)


@then(parsers.parse('the post is refused with "{message}"'))
def _(message: str, seen: SimpleNamespace) -> None:
    assert seen.response.status_code == 200
    assert seen.response.context["adminform"].form.errors["library_media"] == [message]
    assert not ScheduledPost.objects.exists()


@when(parsers.parse('the staff member accepts the rendition offered for "{name}" on "{to}"'))
def _(name: str, to: str, staff: Client, story: Story) -> None:
    """As the picker does: ask what the account refuses, then make the rendition it offers."""
    asset = asset_named(name)
    check = staff.get(
        f"{LIBRARY}picker/check/", {"assets": asset.pk, "accounts": story.accounts[to].pk}
    ).json()
    offer = check["assets"][str(asset.pk)]
    assert offer["fix_name"] == "4:5"
    made = staff.post(
        f"{LIBRARY}{asset.pk}/rendition/", {"recipe": offer["fix"]}, HTTP_ACCEPT="application/json"
    ).json()
    assert made["asset"]["rendition_of"] == name


@then(parsers.parse('Instagram fetched the rendition of "{name}" once, from its signed URL'))
def _(name: str, platforms: SimulatedPlatforms, live_server) -> None:
    rendition = MediaAsset.objects.get(source=asset_named(name))
    [fetched] = platforms.world.fetched
    parts = urlsplit(fetched.url)
    assert f"{parts.scheme}://{parts.netloc}" == live_server.url
    assert public_token_read(parts.path.split("/")[3]) == rendition.uuid
    assert (fetched.status, fetched.size, fetched.sha256) == (200, rendition.size, rendition.checksum)


# --- signed URLs --------------------------------------------------------------------------------------


@given(parsers.parse('a signed URL of "{name}" that works for {seconds:d} seconds'))
def _(name: str, seconds: int, settings, seen: SimpleNamespace) -> None:
    settings.SITE_URL = "https://scheduler.example.com"
    seen.url = media_asset_public_url(asset=asset_named(name), seconds=seconds).url


def fetch(client: Client, url: str, **headers):
    """An anonymous fetch of a public URL, as a platform makes it (no login)."""
    return client.get(urlsplit(url).path, headers=headers)


@then("fetching the signed URL gives the file")
def _(seen: SimpleNamespace) -> None:
    response = fetch(Client(), seen.url)
    asset = MediaAsset.objects.get()
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == Path(asset.file.path).read_bytes()


@then("fetching its first byte gives 1 byte of the file and its full size")
def _(seen: SimpleNamespace) -> None:
    response = fetch(Client(), seen.url, Range="bytes=0-0")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-0/{MediaAsset.objects.get().size}"
    assert b"".join(response.streaming_content) == b"\xff"  # a JPEG starts with FF D8


@when(parsers.parse("{seconds:d} seconds pass for the signed URL"))
def _(seconds: int, monkeypatch) -> None:
    """The site's clock moves on (only the signed URLs' reading of it)."""
    monkeypatch.setattr(public_urls, "time", SimpleNamespace(time=lambda: time.time() + seconds))


@then(parsers.parse('fetching the signed URL answers {status:d} "{words}"'))
def _(status: int, words: str, seen: SimpleNamespace) -> None:
    response = fetch(Client(), seen.url)
    assert (response.status_code, response.content.decode().strip()) == (status, words)


@then(parsers.parse("fetching it with an altered token answers {status:d}"))
def _(status: int, seen: SimpleNamespace) -> None:
    path = urlsplit(seen.url).path
    token = path.split("/")[3]
    altered = path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert Client().get(altered).status_code == status


# --- deleting -----------------------------------------------------------------------------------------


@given(parsers.parse('"{to}" has a post "{text}" due in {hours:d} hours using "{name}"'))
def _(to: str, text: str, hours: int, name: str, story: Story, author) -> None:
    when = (timezone.now() + timedelta(hours=hours)).replace(tzinfo=None, second=0, microsecond=0)
    post = post_create(
        created_by=author,
        data=PostInput(
            content=text,
            account_ids=(story.accounts[to].pk,),
            timezone_name="UTC",
            local_time=when,
            status=PostStatus.SCHEDULED,
            media=(MediaItem(asset_id=asset_named(name).pk, type=""),),
        ),
    )
    story.post = story.posts[text] = post


@when(parsers.parse('a staff member deletes "{name}" from the library'))
def _(name: str, staff: Client, seen: SimpleNamespace) -> None:
    seen.response = staff.post(f"{LIBRARY}{asset_named(name).pk}/delete/", {"post": "yes"}, follow=True)


@then(parsers.parse('the deletion is refused, naming the post "{text}"'))
def _(text: str, seen: SimpleNamespace) -> None:
    page = seen.response.content.decode()
    assert seen.response.status_code == 200
    assert "cannot be deleted: posts that may still be published use it" in page
    post = ScheduledPost.objects.get(content=text)
    assert (
        f'is used by <a href="/admin/calendar_app/scheduledpost/{post.pk}/change/">{post}</a> (Scheduled)'
        in page
    )


@then(parsers.parse('the library still holds "{name}"'))
def _(name: str) -> None:
    asset = asset_named(name)
    assert asset.file.storage.exists(asset.file.name)


@when(parsers.parse('the post "{text}" is cancelled'))
def _(text: str, story: Story) -> None:
    post_cancel(post_id=story.posts[text].pk)


@then(parsers.parse('the library no longer holds "{name}"'))
def _(name: str) -> None:
    assert not MediaAsset.objects.filter(original_name=name).exists()


@then(parsers.parse('publishing the post now is refused with "{words}"'))
def _(words: str, story: Story) -> None:
    with pytest.raises(ValidationError) as refused:
        post_publish_now(post_id=story.the_post().pk)
    assert words in refused.value.messages[0]
    assert story.the_post().status == PostStatus.CANCELLED
