"""The shared plumbing: transport failures on a real loopback socket, Retry-After, media, redaction."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.platforms import ErrorKind
from social.platforms import MediaItem
from social.platforms import PublishError
from social.platforms.base.http import MIB
from social.platforms.base.http import Step
from social.platforms.base.http import kind_for_status
from social.platforms.base.http import retry_after_seconds
from social.platforms.base.http import seconds_until_epoch
from social.platforms.instagram.client import InstagramClient
from social.platforms.twitter.client import TwitterClient

from ..helpers import IMAGE_URL
from ..helpers import TOKEN
from ..helpers import image
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..servers import answer_nothing
from ..servers import free_port
from ..servers import hang_up
from ..servers import tcp_server


@pytest.fixture
def x_client(make_account):
    return TwitterClient(make_account(Platform.TWITTER))


@pytest.fixture
def instagram_client(make_account):
    return InstagramClient(make_account(Platform.INSTAGRAM, external_id="17841400000000000"))


# --- Transport failures on a real socket -------------------------------------------------------------


def test_transport__connection_refused_is_transient(x_client, settings):
    settings.TWITTER_API_URL = f"http://127.0.0.1:{free_port()}"

    error = publish_error(lambda: x_client.publish(payload("hello")))

    assert error.kind == ErrorKind.TRANSIENT
    assert "nothing was sent" in error.message


def publish_through(server, client, settings, api_url_setting: str, sent) -> PublishError:
    """Publish with the platform's API URL pointing at a loopback ``server``; return the error."""
    with tcp_server(server) as port:
        setattr(settings, api_url_setting, f"http://127.0.0.1:{port}")
        return publish_error(lambda: client.publish(sent))


def test_transport__read_timeout_on_the_create_call_is_unknown(x_client, settings):
    settings.PLATFORM_READ_TIMEOUT = 0.3

    error = publish_through(answer_nothing, x_client, settings, "TWITTER_API_URL", payload("hello"))

    assert error.kind == ErrorKind.UNKNOWN
    assert "did not answer in time" in error.message and "may exist" in error.message


def test_transport__read_timeout_on_a_preparatory_call_is_transient(instagram_client, settings):
    settings.PLATFORM_READ_TIMEOUT = 0.3
    sent = payload("caption", image())

    error = publish_through(answer_nothing, instagram_client, settings, "INSTAGRAM_API_URL", sent)

    assert error.kind == ErrorKind.TRANSIENT
    assert "create the media container" in error.message


def test_transport__connection_lost_after_sending_is_unknown_on_create(x_client, settings):
    error = publish_through(hang_up, x_client, settings, "TWITTER_API_URL", payload("hello"))

    assert error.kind == ErrorKind.UNKNOWN
    assert "connection" in error.message and "lost" in error.message


def test_transport__connection_lost_on_a_preparatory_call_is_transient(instagram_client, settings):
    error = publish_through(
        hang_up, instagram_client, settings, "INSTAGRAM_API_URL", payload("caption", image())
    )

    assert error.kind == ErrorKind.TRANSIENT


def test_transport__connect_timeout_is_transient(x_client, mocked):
    mocked.post("https://api.x.com/2/tweets", body=requests.ConnectTimeout("connect timed out"))

    assert publish_error(lambda: x_client.publish(payload("hello"))).kind == ErrorKind.TRANSIENT


def test_transport__timeouts_come_from_settings(x_client, mocked, settings):
    settings.PLATFORM_CONNECT_TIMEOUT = 2.5
    settings.PLATFORM_READ_TIMEOUT = 11
    mocked.post(
        "https://api.x.com/2/tweets",
        match=[matchers.request_kwargs_matcher({"timeout": (2.5, 11)})],
        status=201,
        json={"data": {"id": "1"}},
    )

    assert x_client.publish(payload("hello")).platform_post_id == "1"


# --- Status mapping and Retry-After -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "creates_post", "kind"),
    [
        (401, False, ErrorKind.AUTH),
        (429, True, ErrorKind.TRANSIENT),
        (408, True, ErrorKind.TRANSIENT),
        (400, True, ErrorKind.INVALID),
        (404, False, ErrorKind.INVALID),
        (500, True, ErrorKind.UNKNOWN),
        (502, False, ErrorKind.TRANSIENT),
    ],
)
def test_kind_for_status(status, creates_post, kind):
    assert kind_for_status(status, Step("do it", creates_post=creates_post)) == kind


NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("Sat, 01 Mar 2025 12:05:00 GMT", 300.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_seconds(value, seconds):
    assert retry_after_seconds({"Retry-After": value}, now=NOW) == seconds


def test_seconds_until_epoch():
    assert seconds_until_epoch(str(int(NOW.timestamp()) + 90), now=NOW) == 90
    assert seconds_until_epoch("not a number", now=NOW) is None


def test_retry_after_reaches_the_error(x_client, mocked):
    mocked.post("https://api.x.com/2/tweets", status=503, headers={"Retry-After": "42"}, body="")

    error = publish_error(lambda: x_client.publish(payload("hello")))

    assert (error.kind, error.retry_after) == (ErrorKind.UNKNOWN, 42)


# --- Media downloads ----------------------------------------------------------------------------------


def test_download_media__refuses_by_content_length_before_reading(x_client, mocked):
    mocked.get(IMAGE_URL, body=b"", headers={"Content-Length": str(2 * MIB + 1), "Content-Type": "image/png"})

    error = publish_error(lambda: x_client.download_media(image(), label="image 1", max_bytes=2 * MIB))

    assert error.kind == ErrorKind.INVALID
    assert "larger than X's limit of 2 MB" in error.message


def test_download_media__refuses_while_reading_without_content_length(x_client, mocked):
    mocked.get(IMAGE_URL, body=b"x" * (MIB + 1), content_type="image/png")

    error = publish_error(lambda: x_client.download_media(image(), label="image 1", max_bytes=MIB))

    assert error.kind == ErrorKind.INVALID


def test_download_media__at_the_limit_passes(x_client, mocked):
    mocked.get(IMAGE_URL, body=b"x" * MIB, content_type="image/png")

    media = x_client.download_media(image(), label="image 1", max_bytes=MIB)

    assert (len(media.content), media.content_type) == (MIB, "image/png")


@pytest.mark.parametrize(
    ("status", "kind"), [(404, ErrorKind.INVALID), (403, ErrorKind.INVALID), (503, ErrorKind.TRANSIENT)]
)
def test_download_media__errors_of_the_media_host(x_client, mocked, status, kind):
    mocked.get(IMAGE_URL, status=status)

    error = publish_error(lambda: x_client.download_media(image(), label="image 1", max_bytes=MIB))

    assert (error.kind, error.http_status) == (kind, status)
    assert "cdn.example.com" in error.message


def test_download_media__never_sends_the_token_to_the_media_host(x_client, mocked):
    mocked.get(IMAGE_URL, body=b"png", content_type="image/png")

    x_client.download_media(image(), label="image 1", max_bytes=MIB)

    assert "Authorization" not in mocked.calls[0].request.headers


def test_media_stream__chunks_are_exact_but_the_last(x_client, mocked):
    body = bytes(range(256)) * 40  # 10,240 bytes
    mocked.get(IMAGE_URL, body=body, headers={"Content-Length": str(len(body))})

    with x_client.stream_media(MediaItem(IMAGE_URL, "video"), label="video 1") as stream:
        chunks = list(stream.chunks(4096))

    assert [len(chunk) for chunk in chunks] == [4096, 4096, 2048]
    assert b"".join(chunks) == body
    assert stream.total_bytes == len(body)


# --- Secrets ------------------------------------------------------------------------------------------


def test_error_messages_scrub_a_token_the_platform_echoes(x_client, mocked):
    mocked.post(
        "https://api.x.com/2/tweets",
        **json_error(
            400, {"detail": f"bad token {TOKEN} in https://h/?access_token={TOKEN}x&a=1", "status": 400}
        ),
    )

    error = publish_error(lambda: x_client.publish(payload("hello")))

    assert "[redacted]" in error.message
